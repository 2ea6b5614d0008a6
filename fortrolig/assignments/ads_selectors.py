"""Reads of job ads and their publication record, and the public verification check
(P-13, P-14, P-15).

The staff reads take the agency. `verify_check` is the one read that spans agencies, on
purpose: anyone may ask whether a code or an address belongs to a genuine ad. It selects
only what is published, and nothing about a draft.
"""

import math
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fortrolig.core.clock import require_aware
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .ads import (
    ad_public_url,
    code_display,
    code_normalise,
    employment_type_label,
    text_names_client,
    url_is_http,
    url_key,
    url_query_matches,
)
from .models import AdPublication, AdStatus, AssignmentStatus, Channel, JobAd, Position

__all__ = [
    "AdCreateScreen",
    "AdDetail",
    "AdPage",
    "VerifiedPublication",
    "VerifyOutcome",
    "VerifyResult",
    "ad_create_screen",
    "ad_detail",
    "ad_get",
    "ad_list",
    "ad_publications",
    "position_for_ad",
    "positions_for_ads",
    "verify_check",
]

PAGE_SIZE = 25
CODE_INPUT_MAX = 40
URL_INPUT_MAX = 2000
# Ads that the public may know about: a draft's code is unknown to the public.
PUBLIC_STATUSES = (AdStatus.PUBLISHED, AdStatus.CLOSED)


# Staff reads


@dataclass(frozen=True)
class AdPage:
    rows: list[JobAd]
    total: int
    page: int
    pages: int


def ad_list(*, agency: Agency, status: str = "", page: int = 1) -> AdPage:
    """The agency's ads, newest first, optionally of one status, one page at a time."""
    ads = JobAd.objects.filter(agency=agency).select_related("position__assignment__client")
    if status:
        ads = ads.filter(status=status)
    total = ads.count()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    rows = list(ads.order_by("-created_at", "id")[start : start + PAGE_SIZE])
    return AdPage(rows=rows, total=total, page=page, pages=pages)


def ad_get(*, agency: Agency, ad_id: uuid.UUID) -> JobAd:
    """One of the agency's ads, with its position, assignment and client. Raises NotFound
    for an unknown id or another agency's ad."""
    ad = (
        JobAd.objects.select_related("position__assignment__client")
        .filter(agency=agency, pk=ad_id)
        .first()
    )
    if ad is None:
        raise NotFound()
    return ad


def ad_publications(*, agency: Agency, ad_id: uuid.UUID) -> list[AdPublication]:
    """Where the agency published one of its ads, first published first. Raises NotFound
    for another agency's ad."""
    if not JobAd.objects.filter(agency=agency, pk=ad_id).exists():
        raise NotFound()
    return list(
        AdPublication.objects.filter(agency=agency, ad_id=ad_id).order_by(
            "published_on", "created_at"
        )
    )


@dataclass(frozen=True)
class AdDetail:
    ad: JobAd
    publications: list[AdPublication]
    public_url: str
    code: str
    client_hidden: bool
    # P-15: true when the ad's text names a client that candidates must not know yet.
    names_hidden_client: bool
    employment_type_label: str


def ad_detail(*, agency: Agency, ad_id: uuid.UUID) -> AdDetail:
    """An ad with its publication record, for the staff page. Raises NotFound."""
    ad = ad_get(agency=agency, ad_id=ad_id)
    assignment = ad.position.assignment
    hidden = assignment.client_name_hidden
    return AdDetail(
        ad=ad,
        publications=ad_publications(agency=agency, ad_id=ad.id),
        public_url=ad_public_url(ad.id),
        code=code_display(ad.verification_code),
        client_hidden=hidden,
        names_hidden_client=hidden
        and text_names_client(assignment.client.name, ad.title, ad.body, ad.location),
        employment_type_label=employment_type_label(ad.employment_type),
    )


def positions_for_ads(*, agency: Agency) -> list[Position]:
    """The agency's positions that can be advertised: those of open assignments."""
    return list(
        Position.objects.filter(agency=agency, assignment__status=AssignmentStatus.OPEN)
        .select_related("assignment__client")
        .order_by("assignment__title", "title", "id")
    )


def position_for_ad(*, agency: Agency, position_id: uuid.UUID) -> Position:
    """One of the agency's positions, with its assignment and client. Raises NotFound."""
    position = (
        Position.objects.select_related("assignment__client")
        .filter(agency=agency, pk=position_id)
        .first()
    )
    if position is None:
        raise NotFound()
    return position


# The public verification check (P-13, P-14)


class VerifyOutcome:
    """The answers of /verify/."""

    # A genuine ad, and the address is one where the agency published it.
    PUBLISHED_HERE = "published_here"
    # A genuine ad that the agency published at this address, but no longer.
    WAS_PUBLISHED_HERE = "was_published_here"
    # A genuine ad, but the agency did not publish it at this address.
    NOT_AUTHORISED = "not_authorised"
    # A genuine ad (asked by code only): where the agency published it.
    GENUINE = "genuine"
    # No ad of any agency has this code or address.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VerifiedPublication:
    channel: str
    channel_label: str
    url: str
    published_on: date
    removed_on: date | None
    # Still on the channel today.
    active: bool


@dataclass(frozen=True)
class VerifyResult:
    outcome: str
    code: str = ""
    agency_name: str = ""
    agency_contact_email: str = ""
    ad_id: uuid.UUID | None = None
    ad_title: str = ""
    # Open for applications on the job board.
    ad_open: bool = False
    closed_on: date | None = None
    # The publication at the address asked about.
    match: VerifiedPublication | None = None
    # Every place the agency published the ad.
    publications: tuple[VerifiedPublication, ...] = ()


MSG_NOTHING = _("Enter the code printed on the ad, the address where you found it, or both.")
MSG_BAD_CODE = _("A code has 8 letters and digits, like ABCD-EFGH.")
MSG_BAD_URL = _("Enter a web address, like https://www.example.com/job/123.")

_AD_COLUMNS = (
    "id",
    "title",
    "status",
    "published_at",
    "closed_at",
    "apply_by",
    "verification_code",
    "agency__name",
    "agency__contact_email",
)
_PUBLICATION_COLUMNS = ("ad_id", "channel", "channel_name", "url", "published_on", "removed_on")


def _verify_input(code: str, url: str) -> tuple[str | None, str | None]:
    code, url = (code or "").strip(), (url or "").strip()
    errors: dict[str, list[str]] = {}
    normalised = None
    key = None
    if not code and not url:
        raise ValidationFailed(MSG_NOTHING, field_errors={"__all__": [str(MSG_NOTHING)]})
    if code:
        normalised = code_normalise(code) if len(code) <= CODE_INPUT_MAX else None
        if normalised is None:
            errors["code"] = [str(MSG_BAD_CODE)]
    if url:
        key = _url_key_or_none(url)
        if key is None:
            errors["url"] = [str(MSG_BAD_URL)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return normalised, key


def _url_key_or_none(url: str) -> str | None:
    if len(url) > URL_INPUT_MAX:
        return None
    # People paste addresses without the scheme ("finn.no/job/123"); another scheme than
    # http(s) is not a web page where an ad could be.
    full = url if "://" in url else "https://" + url.lstrip("/")
    if not url_is_http(full):
        return None
    try:
        URLValidator(schemes=["http", "https"])(full)
    except Exception:  # any refusal means "not a web address"
        return None
    return url_key(full)


# Said to the public about the agency, not by it: "our own site" would be ambiguous there.
OWN_SITE_PUBLIC_LABEL = _("The agency's own site")


def channel_label(channel: str, channel_name: str) -> str:
    """How the public pages name a channel."""
    if channel == Channel.OTHER:
        return channel_name
    if channel == Channel.OWN_SITE:
        return str(OWN_SITE_PUBLIC_LABEL)
    return str(Channel(channel).label)


def _publication(row: dict[str, Any], today: date) -> VerifiedPublication:
    channel = str(row["channel"])
    removed_on = row["removed_on"]
    assert removed_on is None or isinstance(removed_on, date)
    published_on = row["published_on"]
    assert isinstance(published_on, date)
    label = channel_label(channel, str(row["channel_name"]))
    return VerifiedPublication(
        channel=channel,
        channel_label=label,
        url=str(row["url"]),
        published_on=published_on,
        removed_on=removed_on,
        active=removed_on is None or removed_on > today,
    )


def _ad_page_id(key: str) -> uuid.UUID | None:
    """The ad id in an address of an ad page on our own job board, else None."""
    prefix = url_key(settings.PUBLIC_BASE_URL) + "/jobs/"
    if not key.startswith(prefix):
        return None
    rest = key.removeprefix(prefix)
    try:
        return uuid.UUID(rest)
    except ValueError:
        return None


def _local_date(value: object) -> date | None:
    return timezone.localdate(value) if isinstance(value, datetime) else None


def _own_page(ad: dict[str, Any], closed_on: date | None) -> VerifiedPublication:
    published_on = _local_date(ad["published_at"])
    assert published_on is not None
    return VerifiedPublication(
        channel=Channel.OWN_SITE,
        channel_label=channel_label(Channel.OWN_SITE, ""),
        url=ad_public_url(ad["id"]),
        published_on=published_on,
        removed_on=closed_on,
        active=closed_on is None,
    )


def verify_check(*, code: str = "", url: str = "", now: datetime) -> VerifyResult:
    """Answer whether a code, an address, or both belong to a genuine published ad of any
    agency, and whether the agency published it at that address (P-13, P-14).

    - code and address: PUBLISHED_HERE (or WAS_PUBLISHED_HERE, when its removal date
      has come) when the address is on the ad's publication record or is the ad's own
      page; otherwise NOT_AUTHORISED, with the places where it is authorised.
    - code only: GENUINE, with the places and dates.
    - address only: PUBLISHED_HERE/WAS_PUBLISHED_HERE for a recorded address, else UNKNOWN.
    - a code that no published ad has (a draft's code included): UNKNOWN.

    Raises ValidationFailed when neither is given, or one is malformed.
    """
    today = timezone.localdate(require_aware(now))
    normalised, key = _verify_input(code, url)
    ads = JobAd.objects.filter(status__in=PUBLIC_STATUSES)
    if normalised is not None:
        ad = ads.filter(verification_code=normalised).values(*_AD_COLUMNS).first()
        if ad is None:
            return VerifyResult(outcome=VerifyOutcome.UNKNOWN)
        return _answer_for_ad(ad, key=key, given_url=url, today=today)
    assert key is not None
    rows = list(
        AdPublication.objects.filter(url_key=key, ad__status__in=PUBLIC_STATUSES)
        .values(*_PUBLICATION_COLUMNS)
        .order_by("-published_on", "id")
    )
    rows = [row for row in rows if url_query_matches(str(row["url"]), url)]
    # A page that is still up wins over one that was taken down.
    rows.sort(key=lambda row: row["removed_on"] is not None)
    ad_id = rows[0]["ad_id"] if rows else _ad_page_id(key)
    if ad_id is None:
        return VerifyResult(outcome=VerifyOutcome.UNKNOWN)
    ad = ads.filter(pk=ad_id).values(*_AD_COLUMNS).first()
    if ad is None:
        return VerifyResult(outcome=VerifyOutcome.UNKNOWN)
    return _answer_for_ad(ad, key=key, given_url=url, today=today)


def _answer_for_ad(
    ad: dict[str, Any], *, key: str | None, given_url: str, today: date
) -> VerifyResult:
    rows = list(
        AdPublication.objects.filter(ad_id=ad["id"])
        .values(*_PUBLICATION_COLUMNS, "url_key")
        .order_by("published_on", "created_at")
    )
    publications = tuple(_publication(row, today) for row in rows)
    closed_on = _local_date(ad["closed_at"])
    apply_by = ad["apply_by"]
    ad_id = ad["id"]
    assert isinstance(ad_id, uuid.UUID)
    genuine = VerifyResult(
        outcome=VerifyOutcome.GENUINE,
        code=code_display(str(ad["verification_code"])),
        agency_name=str(ad["agency__name"]),
        agency_contact_email=str(ad["agency__contact_email"]),
        ad_id=ad_id,
        ad_title=str(ad["title"]),
        ad_open=ad["status"] == AdStatus.PUBLISHED
        and (apply_by is None or (isinstance(apply_by, date) and apply_by >= today)),
        closed_on=closed_on,
        publications=publications,
    )
    if key is None:
        return genuine
    matches = [
        publication
        for row, publication in zip(rows, publications, strict=True)
        if row["url_key"] == key and url_query_matches(str(row["url"]), given_url)
    ]
    match = next((p for p in matches if p.active), matches[0] if matches else None)
    if match is None and _ad_page_id(key) == ad_id:
        # The ad's own page on our board, even if its record was not kept.
        match = _own_page(ad, closed_on)
    if match is None:
        return replace(genuine, outcome=VerifyOutcome.NOT_AUTHORISED)
    outcome = VerifyOutcome.PUBLISHED_HERE if match.active else VerifyOutcome.WAS_PUBLISHED_HERE
    return replace(genuine, outcome=outcome, match=match)


@dataclass(frozen=True)
class AdCreateScreen:
    # The positions that can be advertised (open assignments).
    positions: list[Position]
    # The position asked for in the address, if any.
    position: Position | None

    @property
    def position_ended(self) -> bool:
        return (
            self.position is not None and self.position.assignment.status == AssignmentStatus.ENDED
        )


def ad_create_screen(*, agency: Agency, position_id: uuid.UUID | None) -> AdCreateScreen:
    """What the page for a new ad needs. Raises NotFound for another agency's position."""
    position = position_for_ad(agency=agency, position_id=position_id) if position_id else None
    return AdCreateScreen(positions=positions_for_ads(agency=agency), position=position)
