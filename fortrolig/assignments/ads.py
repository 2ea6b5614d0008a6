"""Pure helpers for job ads (P-13, P-14, P-15): verification codes, address keys, the
employment types an ad can name, and the check that an ad does not name a hidden client.

No database access here: the services (`ads_services`) and selectors (`ads_selectors`)
use these.
"""

import re
import secrets
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Crockford's base32: digits and letters without I, L, O and U, so that a code read aloud
# or typed from paper cannot be confused (I/L look like 1, O like 0).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_CODE_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_SEPARATORS = re.compile(r"[\s\-\u2013\u2014_.]+")

# Tracking parameters that say nothing about which page an address is.
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid|trk|trackingid)$")


class EmploymentType(models.TextChoices):
    """Stored in JobAd.employment_type; each maps to a schema.org JobPosting value."""

    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")
    TEMPORARY = "temporary", _("Temporary")
    CONTRACT = "contract", _("Contract")
    INTERNSHIP = "internship", _("Internship")


SCHEMA_EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: "FULL_TIME",
    EmploymentType.PART_TIME: "PART_TIME",
    EmploymentType.TEMPORARY: "TEMPORARY",
    EmploymentType.CONTRACT: "CONTRACTOR",
    EmploymentType.INTERNSHIP: "INTERN",
}


def employment_type_label(value: str) -> str:
    """The label of a stored employment type, in the active language ("" when not set)."""
    if value in EmploymentType.values:
        return str(EmploymentType(value).label)
    return value


class AdLanguage(models.TextChoices):
    NB = "nb", _("Norwegian")
    EN = "en", _("English")


def code_generate() -> str:
    """A new random verification code, normalised (8 characters, no separator)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_normalise(text: str) -> str | None:
    """The stored form of a code someone typed, or None when it cannot be a code.

    Case, spaces and dashes are ignored, and the letters people type by mistake for digits
    are read as those digits (O as 0, I and L as 1).
    """
    cleaned = _CODE_SEPARATORS.sub("", text or "").upper().translate(_CODE_TYPOS)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def code_display(code: str) -> str:
    """A stored code as printed on an ad: ABCD-EFGH."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) == CODE_LENGTH else code


def url_is_http(url: str) -> bool:
    """True for an absolute http(s) address with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def url_key(url: str) -> str:
    """The form of an address used to match it: no scheme, no `www.`, no query, no
    fragment, no trailing slash, and the host in lower case (the path keeps its case).

    `https://www.FINN.no/job/123/?utm_source=x#top` becomes `finn.no/job/123`.
    Raises ValueError for an address without a host.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ValueError("address without a host")
    host = host.removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return (host + parts.path).rstrip("/")


def url_query_matches(recorded: str, given: str) -> bool:
    """True when `given` carries every meaningful query parameter of the recorded address.

    The address key leaves the query out, but some sites name the page in the query
    (`ad.html?finnkode=123`). Without this check, any page of such a site would match a
    recorded one. Tracking parameters (utm_*, fbclid, ...) do not count.
    """

    def meaningful(url: str) -> set[tuple[str, str]]:
        text = url if "://" in url else "https://" + url.lstrip("/")
        pairs = parse_qsl(urlsplit(text.strip()).query, keep_blank_values=False)
        return {(k.lower(), v) for k, v in pairs if not _TRACKING_PARAMS.match(k.lower())}

    return meaningful(recorded) <= meaningful(given)


def ad_public_path(ad_id: object) -> str:
    return reverse("public:ad", kwargs={"ad_id": ad_id})


def ad_public_url(ad_id: object) -> str:
    """The address of an ad's page on the public job board."""
    return settings.PUBLIC_BASE_URL + ad_public_path(ad_id)


# Legal forms that a company name ends with and an ad might leave out.
_LEGAL_FORMS = re.compile(
    r"[\s,.]+(as|asa|ans|da|enk|sa|ba|nuf|ab|ltd|gmbh|inc|llc)\.?$", re.IGNORECASE
)


def _name_variants(name: str) -> set[str]:
    name = " ".join(name.split())
    variants = {name}
    core = _LEGAL_FORMS.sub("", name).strip()
    if len(core) >= 3:
        variants.add(core)
    return {variant for variant in variants if variant}


def text_names_client(client_name: str, *texts: str) -> bool:
    """True when one of `texts` names the client, with or without its legal form
    ("Fjordkraft Testkunde AS" is named by "fjordkraft testkunde"). Whitespace and case
    are ignored; only whole words count."""
    haystack = " ".join(" ".join(text.split()) for text in texts if text)
    for variant in _name_variants(client_name):
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in variant.split()) + r"(?!\w)"
        if re.search(pattern, haystack, re.IGNORECASE):
            return True
    return False
