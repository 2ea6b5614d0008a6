"""The input of candidate services, and how it is checked and normalised.

Checking is kept apart from writing so that the import can check a hundred thousand rows
without a transaction per row, and so that every way in (a form, the API, the import) gives
the same errors for the same input. A problem carries a stable code (for the import report
and API clients) and a translated message; neither ever holds the value that was given.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.no import fodselsnummer

from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import ValidationFailed

from .models import Availability, Source

EMAIL_HASH_PURPOSE = "candidate-email"
PHONE_HASH_PURPOSE = "candidate-phone"
DEFAULT_PHONE_REGION = "NO"
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# Column limits, from the model, so that bad input fails here with a clear message rather
# than in the database.
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "address": 200,
    "postal_code": 10,
    "city": 100,
    "source_partner": 200,
    "summary": 20_000,
}
LIST_FIELDS = ("skills", "languages", "desired_roles")
MAX_LIST_ITEMS = 100
MAX_LIST_ITEM_LENGTH = 100


@dataclass(frozen=True)
class CandidateInput:
    """What a person or a file tells us about a candidate, before it is checked."""

    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    birth_date: date | None = None
    national_id: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "NO"
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    desired_roles: tuple[str, ...] = ()
    availability: str = Availability.UNKNOWN
    available_from: date | None = None
    summary: str = ""
    source: str = Source.CONSULTANT
    source_partner: str = ""


@dataclass(frozen=True)
class ReferenceInput:
    name: str
    relation: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    may_ask_about: str = ""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field. `code` is stable; `message` is translated."""

    field: str
    code: str
    message: str | Promise


@dataclass
class CleanCandidate:
    """Checked and normalised candidate values, ready to be stored."""

    first_name: str
    last_name: str
    email: str
    email_hash: str
    phone: str
    phone_hash: str
    birth_date: date | None
    national_id: str
    address: str
    postal_code: str
    city: str
    country: str
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    desired_roles: list[str] = field(default_factory=list)
    availability: str = Availability.UNKNOWN
    available_from: date | None = None
    summary: str = ""
    source: str = Source.CONSULTANT
    source_partner: str = ""

    # The fields a candidate row stores, in model order. Hashes are derived, not input.
    STORED = (
        "first_name",
        "last_name",
        "email",
        "email_hash",
        "phone",
        "phone_hash",
        "birth_date",
        "national_id",
        "address",
        "postal_code",
        "city",
        "country",
        "skills",
        "languages",
        "desired_roles",
        "availability",
        "available_from",
        "summary",
        "source",
        "source_partner",
    )

    def filled_fields(self) -> list[str]:
        """The names of the input fields that hold a value (for the audit event)."""
        names = []
        for name in self.STORED:
            if name.endswith("_hash"):
                continue
            value = getattr(self, name)
            if name == "availability" and value == Availability.UNKNOWN:
                continue
            if value not in ("", None, []):
                names.append(name)
        return names


# Messages. English msgids; bokmål in locale/nb.
MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("This is too long.")
MSG_EMAIL = _("Enter a valid email address.")
MSG_PHONE = _(
    "Enter a valid phone number. A number outside Norway needs its country code, such as +46."
)
MSG_NATIONAL_ID = _(
    "Enter a valid Norwegian national identity number or D-number: 11 digits, with valid "
    "check digits."
)
MSG_NATIONAL_ID_BIRTH_DATE = _("The national identity number does not match the date of birth.")
MSG_BIRTH_DATE_FUTURE = _("The date of birth cannot be in the future.")
MSG_BIRTH_DATE_EARLY = _("The date of birth must be after 1 January 1900.")
MSG_CHOICE = _("Choose one of the listed options.")
MSG_PARTNER_REQUIRED = _("Name the partner that ran the social media campaign.")
MSG_PARTNER_NOT_CAMPAIGN = _("A partner is named only for a social media campaign.")
MSG_AVAILABLE_FROM_REQUIRED = _("Give the date from which the candidate is available.")
MSG_COUNTRY = _("Use a two-letter country code, such as NO.")
MSG_POSTAL_CODE = _("A Norwegian postal code has four digits.")
MSG_TOO_MANY = _("Give at most 100 entries, each at most 100 characters long.")
MSG_CONTROL_CHARACTERS = _("This contains characters that cannot be stored.")

_AVAILABILITY_VALUES = frozenset(Availability.values)
_SOURCE_VALUES = frozenset(Source.values)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NORWEGIAN_POSTAL_CODE = re.compile(r"^[0-9]{4}$")
# Control characters other than tab and newline have no place in a name or a CV summary;
# NUL bytes would even be refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def email_hash(email: str) -> str:
    return keyed_hash(email, purpose=EMAIL_HASH_PURPOSE) if email else ""


def phone_hash(e164: str) -> str:
    return keyed_hash(e164, purpose=PHONE_HASH_PURPOSE) if e164 else ""


def parse_phone(value: str) -> str | None:
    """The number in E.164, or None when it is not a valid phone number."""
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_national_id(value: str) -> tuple[str, date] | None:
    """The compact number and the birth date it holds, or None when it is not valid."""
    try:
        number = fodselsnummer.validate(value)
        return number, fodselsnummer.get_birth_date(number)
    except StdnumValidationError:
        return None


def normalise_list(values: tuple[str, ...] | list[str]) -> list[str]:
    """Trimmed, without empty entries and without repeats (ignoring case); the first
    spelling of an entry is kept."""
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        item = " ".join(str(value).split())
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            result.append(item)
    return result


_FOLD = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ß": "ss", "œ": "oe"})


def _fold(text: str) -> str:
    text = text.casefold().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\s\-.,'\u2019]+", " ", text).split())


def name_key(first_name: str, last_name: str) -> str:
    """A name folded for comparison: case, accents, hyphens and spacing do not count
    (Ødegård, odegard and ODEGÅRD are the same). First and last name are kept apart by a
    tab, for `names_similar`."""
    return f"{_fold(first_name)}\t{_fold(last_name)}"


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance between a and b is at most `limit` (banded, so it
    costs O(len * limit))."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [limit + 1] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if ca == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if min(current[low - 1 : high + 1]) > limit:
            return False
        previous = current
    return previous[len(b)] <= limit


def _first_names_close(a: str, b: str) -> bool:
    if a == b:
        return True
    # A middle name given in one record only: "Kari" and "Kari Marie".
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if tokens_a and tokens_b and (tokens_a <= tokens_b or tokens_b <= tokens_a):
        return True
    # A typo, but only in a longer name: short first names one letter apart (Ola, Ole;
    # Kari, Kåre) are different names, and twins share a birth date and a last name.
    return min(len(a), len(b)) >= 5 and _edit_distance_at_most(a, b, 1)


def _last_names_close(a: str, b: str) -> bool:
    return a == b or _edit_distance_at_most(a, b, 1 if min(len(a), len(b)) < 8 else 2)


def names_similar(key_a: str, key_b: str) -> bool:
    """Whether two folded names (`name_key`) are probably the same person's name: equal,
    with first and last name swapped, with a middle name left out, or a typing error or
    two apart."""
    first_a, _tab, last_a = key_a.partition("\t")
    first_b, _tab, last_b = key_b.partition("\t")
    if not (first_a or last_a) or not (first_b or last_b):
        return False
    whole_a, whole_b = f"{first_a} {last_a}".split(), f"{first_b} {last_b}".split()
    if sorted(whole_a) == sorted(whole_b):
        return True
    return _last_names_close(last_a, last_b) and _first_names_close(first_a, first_b)


def _text(value: str, name: str, problems: list[Problem], *, required: bool = False) -> str:
    text = value.strip() if name == "summary" else " ".join(value.split())
    if required and not text:
        problems.append(Problem(name, "required", MSG_REQUIRED))
    elif _CONTROL.search(text):
        problems.append(Problem(name, "invalid_characters", MSG_CONTROL_CHARACTERS))
    elif len(text) > MAX_LENGTHS[name]:
        problems.append(Problem(name, "too_long", MSG_TOO_LONG))
    return text


def candidate_check(data: CandidateInput, *, today: date) -> tuple[CleanCandidate, list[Problem]]:
    """Check and normalise `data`. Returns the clean values and every problem found; the
    clean values are only meaningful when there is no problem."""
    problems: list[Problem] = []
    first_name = _text(data.first_name, "first_name", problems, required=True)
    last_name = _text(data.last_name, "last_name", problems, required=True)

    email = normalise_email(data.email)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.append(Problem("email", "invalid_email", MSG_EMAIL))
        if len(email) > MAX_LENGTHS["email"]:
            problems.append(Problem("email", "too_long", MSG_TOO_LONG))

    phone = ""
    if data.phone.strip():
        parsed = parse_phone(data.phone)
        if parsed is None:
            problems.append(Problem("phone", "invalid_phone", MSG_PHONE))
        else:
            phone = parsed

    birth_date = data.birth_date
    if birth_date is not None:
        if birth_date > today:
            problems.append(Problem("birth_date", "birth_date_in_future", MSG_BIRTH_DATE_FUTURE))
        elif birth_date < EARLIEST_BIRTH_DATE:
            problems.append(Problem("birth_date", "birth_date_too_early", MSG_BIRTH_DATE_EARLY))

    national_id = ""
    if data.national_id.strip():
        parsed_id = parse_national_id(data.national_id)
        if parsed_id is None:
            problems.append(Problem("national_id", "invalid_national_id", MSG_NATIONAL_ID))
        else:
            national_id, id_birth_date = parsed_id
            if birth_date is None:
                # The number holds the birth date: store it, so that duplicates are found
                # by name and birth date too.
                birth_date = id_birth_date
            elif birth_date != id_birth_date:
                problems.append(
                    Problem("national_id", "national_id_birth_date", MSG_NATIONAL_ID_BIRTH_DATE)
                )

    address = _text(data.address, "address", problems)
    postal_code = _text(data.postal_code, "postal_code", problems).replace(" ", "")
    city = _text(data.city, "city", problems)
    country = (data.country or "NO").strip().upper()
    if not _COUNTRY.match(country):
        problems.append(Problem("country", "invalid_country", MSG_COUNTRY))
    elif country == "NO" and postal_code and not _NORWEGIAN_POSTAL_CODE.match(postal_code):
        problems.append(Problem("postal_code", "invalid_postal_code", MSG_POSTAL_CODE))

    lists: dict[str, list[str]] = {}
    for name in LIST_FIELDS:
        items = normalise_list(getattr(data, name))
        if len(items) > MAX_LIST_ITEMS or any(len(i) > MAX_LIST_ITEM_LENGTH for i in items):
            problems.append(Problem(name, "too_many", MSG_TOO_MANY))
        elif any(_CONTROL.search(i) for i in items):
            problems.append(Problem(name, "invalid_characters", MSG_CONTROL_CHARACTERS))
        lists[name] = items

    availability = data.availability or Availability.UNKNOWN
    if availability not in _AVAILABILITY_VALUES:
        problems.append(Problem("availability", "invalid_choice", MSG_CHOICE))
    available_from = data.available_from
    if availability == Availability.FROM_DATE and available_from is None:
        problems.append(
            Problem("available_from", "available_from_required", MSG_AVAILABLE_FROM_REQUIRED)
        )

    summary = _text(data.summary, "summary", problems)

    source = data.source
    source_partner = _text(data.source_partner, "source_partner", problems)
    if source not in _SOURCE_VALUES:
        problems.append(Problem("source", "invalid_choice", MSG_CHOICE))
    elif source == Source.CAMPAIGN and not source_partner:
        problems.append(Problem("source_partner", "partner_required", MSG_PARTNER_REQUIRED))
    elif source != Source.CAMPAIGN and source_partner:
        problems.append(Problem("source_partner", "partner_not_campaign", MSG_PARTNER_NOT_CAMPAIGN))

    clean = CleanCandidate(
        first_name=first_name,
        last_name=last_name,
        email=email,
        email_hash=email_hash(email) if email and not _has(problems, "email") else "",
        phone=phone,
        phone_hash=phone_hash(phone),
        birth_date=birth_date,
        national_id=national_id,
        address=address,
        postal_code=postal_code,
        city=city,
        country=country,
        skills=lists["skills"],
        languages=lists["languages"],
        desired_roles=lists["desired_roles"],
        availability=availability,
        available_from=available_from,
        summary=summary,
        source=source,
        source_partner=source_partner,
    )
    return clean, problems


def _has(problems: list[Problem], name: str) -> bool:
    return any(p.field == name for p in problems)


def validation_failed(problems: list[Problem]) -> ValidationFailed:
    """The exception for a list of problems: translated messages per field, no values."""
    field_errors: dict[str, list[str]] = {}
    for problem in problems:
        field_errors.setdefault(problem.field, []).append(str(problem.message))
    return ValidationFailed(field_errors=field_errors)


def candidate_clean(data: CandidateInput, *, today: date) -> CleanCandidate:
    """Checked, normalised values. Raises ValidationFailed with every field's problems."""
    clean, problems = candidate_check(data, today=today)
    if problems:
        raise validation_failed(problems)
    return clean


@dataclass(frozen=True)
class CleanReference:
    name: str
    relation: str
    organisation: str
    phone: str
    email: str
    may_ask_about: str


_REFERENCE_LIMITS = {"name": 200, "relation": 200, "organisation": 200, "may_ask_about": 5000}


def reference_clean(data: ReferenceInput) -> CleanReference:
    """Checked, normalised reference values. Raises ValidationFailed."""
    problems: list[Problem] = []
    values: dict[str, str] = {}
    for name, limit in _REFERENCE_LIMITS.items():
        raw = getattr(data, name)
        text = raw.strip() if name == "may_ask_about" else " ".join(raw.split())
        if name == "name" and not text:
            problems.append(Problem(name, "required", MSG_REQUIRED))
        elif len(text) > limit:
            problems.append(Problem(name, "too_long", MSG_TOO_LONG))
        elif _CONTROL.search(text):
            problems.append(Problem(name, "invalid_characters", MSG_CONTROL_CHARACTERS))
        values[name] = text
    email = normalise_email(data.email)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.append(Problem("email", "invalid_email", MSG_EMAIL))
    phone = ""
    if data.phone.strip():
        parsed = parse_phone(data.phone)
        if parsed is None:
            problems.append(Problem("phone", "invalid_phone", MSG_PHONE))
        else:
            phone = parsed
    if problems:
        raise validation_failed(problems)
    return CleanReference(phone=phone, email=email, **values)


# Filled together with the field they derive from.
DERIVED_FIELDS = {"email": "email_hash", "phone": "phone_hash"}
FILLABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "national_id",
    "address",
    "postal_code",
    "city",
    "skills",
    "languages",
    "desired_roles",
    "availability",
    "summary",
)


def fill_empty(target: Any, source: Any) -> list[str]:
    """Copy `source`'s values into `target`'s empty fields and join their lists; works on
    candidates and on clean input alike. Returns the names of the fields that changed,
    derived hashes included. Neither side's source (P-06) is touched."""
    changed: list[str] = []
    for name in FILLABLE_FIELDS:
        mine, theirs = getattr(target, name), getattr(source, name)
        if name in LIST_FIELDS:
            joined = normalise_list([*mine, *theirs])
            if joined != list(mine):
                setattr(target, name, joined)
                changed.append(name)
        elif name == "availability":
            # available_from belongs to availability: they are taken together.
            if mine == Availability.UNKNOWN and theirs != Availability.UNKNOWN:
                target.availability = theirs
                changed.append(name)
                if target.available_from != source.available_from:
                    target.available_from = source.available_from
                    changed.append("available_from")
        elif mine in ("", None) and theirs not in ("", None):
            setattr(target, name, theirs)
            changed.append(name)
            if name in DERIVED_FIELDS:
                setattr(target, DERIVED_FIELDS[name], getattr(source, DERIVED_FIELDS[name]))
                changed.append(DERIVED_FIELDS[name])
    return changed
