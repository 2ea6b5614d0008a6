"""The input of the client services, and how it is checked and normalised.

Every way in (a staff form, the API) gives the same errors for the same input. Messages
are translated and never repeat the value that was given (house rule 8).
"""

import re
from dataclasses import dataclass, fields
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import ValidationFailed
from fortrolig.core.validators import normalise_org_number, org_number_is_valid

CONTACT_EMAIL_HASH_PURPOSE = "client-contact-email"
DEFAULT_PHONE_REGION = "NO"
SCORE_MIN = 0
SCORE_MAX = 100
PAYMENT_TERMS_MAX_DAYS = 365

MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("This is too long.")
MSG_CONTROL_CHARACTERS = _("This contains characters that cannot be stored.")
MSG_ORG_NUMBER = _("Enter a valid organisation number: nine digits with a correct check digit.")
MSG_ORG_NUMBER_TAKEN = _("A client with this organisation number is already registered.")
MSG_EMAIL = _("Enter a valid email address.")
MSG_PHONE = _(
    "Enter a valid phone number. A number outside Norway needs its country code, such as +46."
)
MSG_POSTAL_CODE = _("A Norwegian postal code has four digits.")
MSG_WEBSITE = _("Enter a valid web address, such as https://www.example.com.")
MSG_PAYMENT_TERMS = _("Payment terms must be between 0 and 365 days.")
MSG_VALID_UNTIL = _("The agreement cannot end before it starts.")
MSG_SIGNED_FUTURE = _("The signing date cannot be in the future.")
MSG_SCORE = _("The score must be a whole number from 0 to 100.")
MSG_SOURCE = _("Name the source of the credit assessment, such as the credit agency.")
MSG_ASSESSED_FUTURE = _("The assessment date cannot be in the future.")

# Column limits, from the models, so that bad input fails here with a clear message rather
# than in the database.
_CLIENT_LIMITS = {
    "name": 200,
    "visiting_address": 200,
    "postal_address": 200,
    "postal_code": 10,
    "city": 100,
    "website": 200,
    "invoice_email": 254,
    "invoice_reference": 100,
    "invoice_address": 300,
}
_CONTACT_LIMITS = {"name": 200, "role": 200, "email": 254}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NORWEGIAN_POSTAL_CODE = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class ClientInput:
    """What a person tells us about a client company, before it is checked."""

    name: str
    org_number: str
    visiting_address: str = ""
    postal_address: str = ""
    postal_code: str = ""
    city: str = ""
    website: str = ""
    invoice_email: str = ""
    invoice_reference: str = ""
    invoice_address: str = ""
    ehf_invoicing: bool = False
    payment_terms_days: int = 14


CLIENT_FIELDS = tuple(f.name for f in fields(ClientInput))


@dataclass(frozen=True)
class ContactInput:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    is_primary: bool = False


CONTACT_FIELDS = tuple(f.name for f in fields(ContactInput))


@dataclass(frozen=True)
class AgreementInput:
    terms: str
    valid_from: date
    fee_terms: str = ""
    signed_on: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class CreditInput:
    assessed_on: date
    score: int
    source: str
    note: str = ""


class _Problems:
    """Collects translated messages per field; never a value."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str | Promise) -> None:
        self.by_field.setdefault(name, []).append(str(message))

    def has(self, name: str) -> bool:
        return name in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(field_errors=self.by_field)


def _line(value: str, name: str, limit: int, problems: _Problems, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    _check_text(text, name, limit, problems, required=required)
    return text


def _block(
    value: str, name: str, limit: int, problems: _Problems, *, required: bool = False
) -> str:
    text = (value or "").strip()
    _check_text(text, name, limit, problems, required=required)
    return text


def _check_text(text: str, name: str, limit: int, problems: _Problems, *, required: bool) -> None:
    if required and not text:
        problems.add(name, MSG_REQUIRED)
    elif _CONTROL.search(text):
        problems.add(name, MSG_CONTROL_CHARACTERS)
    elif len(text) > limit:
        problems.add(name, MSG_TOO_LONG)


def _email(value: str, name: str, problems: _Problems) -> str:
    email = (value or "").strip().lower()
    if email:
        if len(email) > 254:
            problems.add(name, MSG_TOO_LONG)
        else:
            try:
                validate_email(email)
            except DjangoValidationError:
                problems.add(name, MSG_EMAIL)
    return email


def org_number_clean(value: str) -> str:
    """The organisation number without spaces (also non-breaking ones)."""
    return normalise_org_number((value or "").replace("\u00a0", " ").strip())


def client_clean(data: ClientInput) -> ClientInput:
    """Checked, normalised client values. Raises ValidationFailed with every field's
    problems."""
    problems = _Problems()
    values = {
        name: _line(getattr(data, name), name, limit, problems, required=name == "name")
        for name, limit in _CLIENT_LIMITS.items()
    }
    org_number = org_number_clean(data.org_number)
    if not org_number:
        problems.add("org_number", MSG_REQUIRED)
    elif not org_number_is_valid(org_number):
        problems.add("org_number", MSG_ORG_NUMBER)
    postal_code = values["postal_code"].replace(" ", "")
    if (
        postal_code
        and not problems.has("postal_code")
        and not _NORWEGIAN_POSTAL_CODE.match(postal_code)
    ):
        problems.add("postal_code", MSG_POSTAL_CODE)
    values["postal_code"] = postal_code
    website = values["website"]
    if website and not problems.has("website"):
        if "://" not in website:
            website = "https://" + website
        try:
            URLValidator(schemes=["http", "https"])(website)
        except DjangoValidationError:
            problems.add("website", MSG_WEBSITE)
        else:
            if len(website) > _CLIENT_LIMITS["website"]:
                problems.add("website", MSG_TOO_LONG)
    values["website"] = website
    values["invoice_email"] = _email(data.invoice_email, "invoice_email", problems)
    terms = data.payment_terms_days
    valid_terms = isinstance(terms, int) and not isinstance(terms, bool)
    if not valid_terms or not 0 <= terms <= PAYMENT_TERMS_MAX_DAYS:
        problems.add("payment_terms_days", MSG_PAYMENT_TERMS)
    problems.raise_if_any()
    return ClientInput(
        org_number=org_number,
        ehf_invoicing=bool(data.ehf_invoicing),
        payment_terms_days=terms,
        **values,
    )


def parse_phone(value: str) -> str | None:
    """The number in E.164 (as candidates' numbers are stored), or None when it is not a
    valid phone number."""
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def contact_email_hash(email: str) -> str:
    return keyed_hash(email, purpose=CONTACT_EMAIL_HASH_PURPOSE) if email else ""


def contact_clean(data: ContactInput) -> ContactInput:
    """Checked, normalised contact values: the phone in E.164 as for candidates. Raises
    ValidationFailed."""
    problems = _Problems()
    name = _line(data.name, "name", _CONTACT_LIMITS["name"], problems, required=True)
    role = _line(data.role, "role", _CONTACT_LIMITS["role"], problems)
    email = _email(data.email, "email", problems)
    phone = ""
    if (data.phone or "").strip():
        parsed = parse_phone(data.phone)
        if parsed is None:
            problems.add("phone", MSG_PHONE)
        else:
            phone = parsed
    problems.raise_if_any()
    return ContactInput(
        name=name, role=role, email=email, phone=phone, is_primary=bool(data.is_primary)
    )


def agreement_clean(data: AgreementInput, *, today: date) -> AgreementInput:
    """Checked agreement values. Raises ValidationFailed."""
    problems = _Problems()
    terms = _block(data.terms, "terms", 20_000, problems, required=True)
    fee_terms = _line(data.fee_terms, "fee_terms", 300, problems)
    if data.valid_from is None:
        problems.add("valid_from", MSG_REQUIRED)
    elif data.valid_until is not None and data.valid_until < data.valid_from:
        problems.add("valid_until", MSG_VALID_UNTIL)
    if data.signed_on is not None and data.signed_on > today:
        problems.add("signed_on", MSG_SIGNED_FUTURE)
    problems.raise_if_any()
    return AgreementInput(
        terms=terms,
        fee_terms=fee_terms,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        signed_on=data.signed_on,
    )


def credit_clean(data: CreditInput, *, today: date) -> CreditInput:
    """Checked credit-assessment values (P-08). Raises ValidationFailed."""
    problems = _Problems()
    score = data.score
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        problems.add("score", MSG_SCORE)
    source = " ".join((data.source or "").split())
    if not source:
        problems.add("source", MSG_SOURCE)
    else:
        _check_text(source, "source", 200, problems, required=True)
    note = _line(data.note, "note", 500, problems)
    if data.assessed_on is None:
        problems.add("assessed_on", MSG_REQUIRED)
    elif data.assessed_on > today:
        problems.add("assessed_on", MSG_ASSESSED_FUTURE)
    problems.raise_if_any()
    return CreditInput(assessed_on=data.assessed_on, score=score, source=source, note=note)
