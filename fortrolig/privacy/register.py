"""The processing register (P-02): the agency's record of processing activities (GDPR Art. 30).

Each agency starts from defaults for a recruitment and staffing agency, which the manager
edits. Retention is not free text: an activity names a retention clock, and the period comes
from `retention_rules(agency.config)`, so the register, the policy page (P-01) and the
retention sweep state one period. An activity's responsible person is the daily manager
unless someone has been delegated.
"""

import re
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, PendingEvent, record, record_many
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .datamap import Category, RetentionClock
from .models import LegalBasis, ProcessingActivity


class DataSubjectGroup(models.TextChoices):
    """Whose personal data an activity processes."""

    CANDIDATES = "candidates", _("Candidates")
    CLIENT_CONTACTS = "client_contacts", _("Contact people at clients")
    STAFFING_EMPLOYEES = "staffing_employees", _("People employed through the agency")
    REFERENCES = "references", _("References")
    STAFF = "staff", _("The agency's staff")
    WEBSITE_VISITORS = "website_visitors", _("Website visitors")


# What an activity may name: every personal-data category and every clock of the data map.
REGISTER_CATEGORIES: tuple[Category, ...] = tuple(c for c in Category if c != Category.NOT_PERSONAL)
REGISTER_CLOCKS: tuple[RetentionClock, ...] = tuple(
    c for c in RetentionClock if c != RetentionClock.NONE
)

MSG_REQUIRED = _("This field is required.")
MSG_TOO_LONG = _("This is too long.")
MSG_CONTROL_CHARACTERS = _("This contains characters that cannot be stored.")
MSG_LEGAL_BASIS = _("Choose one of the legal bases in the list.")
MSG_CATEGORIES = _("Choose at least one data category from the list.")
MSG_SUBJECTS = _("Choose at least one group of data subjects from the list.")
MSG_CLOCK = _("Choose one of the retention rules in the list.")
MSG_ROLE_WITHOUT_NAME = _(
    "Name the responsible person, or leave both fields empty to make the daily manager responsible."
)
MSG_ORDER = _("The order must be a whole number from 0 to 999.")
MSG_KEY = _("The key may hold only lowercase letters, digits, hyphens and underscores.")
MSG_KEY_TAKEN = _("The register already has an activity with this key.")

ORDER_MAX = 999
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIMITS = {
    "name_nb": 200,
    "name_en": 200,
    "legal_basis_note_nb": 300,
    "legal_basis_note_en": 300,
    "responsible_name": 200,
    "responsible_role": 200,
    "purpose_nb": 4000,
    "purpose_en": 4000,
    "recipients_nb": 4000,
    "recipients_en": 4000,
    "security_measures_nb": 4000,
    "security_measures_en": 4000,
}
_REQUIRED_TEXT = ("name_nb", "name_en", "purpose_nb", "purpose_en")


@dataclass(frozen=True)
class ActivityInput:
    """What the manager states about a processing activity, before it is checked."""

    name_nb: str
    name_en: str
    purpose_nb: str
    purpose_en: str
    legal_basis: str
    data_categories: tuple[str, ...]
    data_subjects: tuple[str, ...]
    retention_clock: str
    legal_basis_note_nb: str = ""
    legal_basis_note_en: str = ""
    recipients_nb: str = ""
    recipients_en: str = ""
    security_measures_nb: str = ""
    security_measures_en: str = ""
    # Both empty: the daily manager is responsible.
    responsible_name: str = ""
    responsible_role: str = ""
    order: int = 0


EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ActivityInput))
_LIST_FIELDS = ("data_categories", "data_subjects")


def activity_clean(data: ActivityInput) -> ActivityInput:
    """`data` with text trimmed and lists de-duplicated in a stable order.

    Raises ValidationFailed, with a translated message per field, when a required text is
    empty or too long, or a legal basis, category, data subject or retention rule is not
    one of the known values.
    """
    errors: dict[str, list[Any]] = {}
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
            if name in _REQUIRED_TEXT and not value:
                errors.setdefault(name, []).append(MSG_REQUIRED)
            elif len(value) > _LIMITS.get(name, 200):
                errors.setdefault(name, []).append(MSG_TOO_LONG)
            elif _CONTROL.search(value):
                errors.setdefault(name, []).append(MSG_CONTROL_CHARACTERS)
        values[name] = value
    if values["legal_basis"] not in LegalBasis.values:
        errors.setdefault("legal_basis", []).append(MSG_LEGAL_BASIS)
    categories = _unique(values["data_categories"])
    if not categories or any(c not in REGISTER_CATEGORIES for c in categories):
        errors.setdefault("data_categories", []).append(MSG_CATEGORIES)
    subjects = _unique(values["data_subjects"])
    if not subjects or any(s not in DataSubjectGroup.values for s in subjects):
        errors.setdefault("data_subjects", []).append(MSG_SUBJECTS)
    if values["retention_clock"] not in REGISTER_CLOCKS:
        errors.setdefault("retention_clock", []).append(MSG_CLOCK)
    if values["responsible_role"] and not values["responsible_name"]:
        errors.setdefault("responsible_name", []).append(MSG_ROLE_WITHOUT_NAME)
    order = values["order"]
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= ORDER_MAX:
        errors.setdefault("order", []).append(MSG_ORDER)
    if errors:
        raise ValidationFailed(field_errors=_texts(errors))
    # In the order of the choices, so that a re-ordered but equal list is no change.
    values["data_categories"] = tuple(c.value for c in REGISTER_CATEGORIES if c in categories)
    values["data_subjects"] = tuple(s for s in DataSubjectGroup.values if s in subjects)
    return ActivityInput(**values)


def _texts(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    # Translated in the language of the request that made the error.
    return {name: [str(message) for message in messages] for name, messages in errors.items()}


def _unique(items: Any) -> tuple[str, ...]:
    if isinstance(items, str) or not isinstance(items, list | tuple):
        return ()
    return tuple(dict.fromkeys(str(item) for item in items))


def activity_input_from(activity: ProcessingActivity) -> ActivityInput:
    """An activity's stored values as input, e.g. to fill the edit form."""
    values: dict[str, Any] = {name: getattr(activity, name) for name in EDITABLE_FIELDS}
    for name in _LIST_FIELDS:
        values[name] = tuple(values[name] or ())
    return ActivityInput(**values)


def _stored(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _assign(activity: ProcessingActivity, data: ActivityInput, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(activity, name, _stored(getattr(data, name)))


# -- Selectors -----------------------------------------------------------------------------


def processing_activities(*, agency: Agency) -> list[ProcessingActivity]:
    """The agency's processing activities, in the register's order."""
    return list(ProcessingActivity.objects.filter(agency=agency).order_by("order", "name_nb"))


def processing_activity_get(*, agency: Agency, activity_id: uuid.UUID) -> ProcessingActivity:
    """One of the agency's activities. Raises NotFound for another agency's activity."""
    activity = ProcessingActivity.objects.filter(agency=agency, pk=activity_id).first()
    if activity is None:
        raise NotFound()
    return activity


@dataclass(frozen=True)
class Responsible:
    """Who answers for an activity: a delegated person, or the daily manager."""

    name: str
    role: str
    delegated: bool


def activity_responsible(*, agency: Agency, activity: ProcessingActivity) -> Responsible:
    """The delegated person of `activity`, or the agency's daily manager when none is named
    (or the named person is the daily manager)."""
    name = activity.responsible_name.strip()
    if not name or name == agency.daily_manager_name.strip():
        return Responsible(name=agency.daily_manager_name, role="", delegated=False)
    return Responsible(name=name, role=activity.responsible_role.strip(), delegated=True)


@dataclass(frozen=True)
class RegisterRow:
    """An activity as the register shows it: with its responsible person and the period
    that the retention rules give its clock, in the active language."""

    activity: ProcessingActivity
    responsible: Responsible
    retention: str

    @property
    def category_labels(self) -> list[str]:
        return [_label(Category, c) for c in self.activity.data_categories]

    @property
    def subject_labels(self) -> list[str]:
        return [_label(DataSubjectGroup, s) for s in self.activity.data_subjects]


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class Register:
    agency: Agency
    rows: list[RegisterRow]


def register_rows(*, agency: Agency) -> list[RegisterRow]:
    """The agency's activities with their responsible person and retention period."""
    from .policy import retention_of, spans_plain
    from .retention_rules import retention_rules

    rules = retention_rules(agency.config)
    return [
        RegisterRow(
            activity=a,
            responsible=activity_responsible(agency=agency, activity=a),
            retention=spans_plain(retention_of(a.retention_clock, rules)),
        )
        for a in processing_activities(agency=agency)
    ]


# -- Services ------------------------------------------------------------------------------


def processing_activities_ensure_defaults(
    *, agency: Agency, now: datetime, actor: Actor | None = None
) -> list[ProcessingActivity]:
    """Add each default activity whose key the agency's register does not have yet, and
    return the ones added. Running it again adds nothing; a manager's edits are kept.

    Concurrent calls are serialised on the agency row.
    """
    with transaction.atomic():
        existing = set(
            ProcessingActivity.objects.filter(agency=agency).values_list("key", flat=True)
        )
        if all(default.key in existing for default in DEFAULT_ACTIVITIES):
            return []
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        existing = set(
            ProcessingActivity.objects.filter(agency=agency).values_list("key", flat=True)
        )
        created: list[ProcessingActivity] = []
        for default in DEFAULT_ACTIVITIES:
            if default.key in existing:
                continue
            activity = ProcessingActivity(agency=agency, key=default.key)
            _assign(activity, default.data, EDITABLE_FIELDS)
            activity.save()
            created.append(activity)
        record_many(
            agency=agency,
            actor=actor or Actor.system(),
            events=[
                PendingEvent(
                    action="privacy.register.created",
                    subject=activity,
                    fields=EDITABLE_FIELDS,
                    purpose="defaults",
                )
                for activity in created
            ],
            now=now,
        )
    return created


def processing_register_open(*, agency: Agency, now: datetime) -> Register:
    """The register for the manager's page: seeded with the defaults on first use."""
    processing_activities_ensure_defaults(agency=agency, now=now)
    return Register(agency=agency, rows=register_rows(agency=agency))


def processing_activity_create(
    *, agency: Agency, actor: Actor, key: str, data: ActivityInput, now: datetime
) -> ProcessingActivity:
    """Add an activity to the register; audited as `privacy.register.created`.

    Raises ValidationFailed (nothing stored) for bad input or a key that is taken.
    """
    key = key.strip()
    clean: ActivityInput | None = None
    errors: dict[str, list[Any]] = {}
    if not _KEY.match(key):
        errors["key"] = [MSG_KEY]
    try:
        clean = activity_clean(data)
    except ValidationFailed as error:
        errors.update(error.field_errors)
    if errors or clean is None:
        raise ValidationFailed(field_errors=_texts(errors))
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        if ProcessingActivity.objects.filter(agency=agency, key=key).exists():
            raise ValidationFailed(field_errors={"key": [str(MSG_KEY_TAKEN)]})
        activity = ProcessingActivity(agency=agency, key=key)
        _assign(activity, clean, EDITABLE_FIELDS)
        activity.save()
        record(
            agency=agency,
            actor=actor,
            action="privacy.register.created",
            subject=activity,
            fields=("key", *EDITABLE_FIELDS),
            now=now,
        )
        _publish_policy(agency=agency, actor=actor, now=now)
    return activity


def processing_activity_update(
    *, agency: Agency, actor: Actor, activity_id: uuid.UUID, data: ActivityInput, now: datetime
) -> ProcessingActivity:
    """Replace an activity's editable values with `data`; audited as
    `privacy.register.updated` with the names of the fields that changed. A change that
    shows on the policy page publishes a new policy version in the same transaction.

    The caller (the manager's page) checks the role: only managers edit the register.
    Raises NotFound for another agency's activity, and ValidationFailed (nothing changed).
    """
    clean = activity_clean(data)
    with transaction.atomic():
        activity = (
            ProcessingActivity.objects.select_for_update()
            .filter(agency=agency, pk=activity_id)
            .first()
        )
        if activity is None:
            raise NotFound()
        changed = tuple(
            name
            for name in EDITABLE_FIELDS
            if _stored(getattr(clean, name)) != getattr(activity, name)
        )
        if not changed:
            return activity
        _assign(activity, clean, changed)
        activity.save(update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="privacy.register.updated",
            subject=activity,
            fields=changed,
            now=now,
        )
        _publish_policy(agency=agency, actor=actor, now=now)
    return activity


def _publish_policy(*, agency: Agency, actor: Actor, now: datetime) -> None:
    # The policy is rendered from the register: version it at the moment of the change.
    from .policy import policy_publish

    policy_publish(agency=agency, actor=actor, now=now)


# -- Defaults ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultActivity:
    key: str
    data: ActivityInput


def _default(key: str, **values: Any) -> DefaultActivity:
    return DefaultActivity(key=key, data=ActivityInput(**values))


C = Category
S = DataSubjectGroup
K = RetentionClock
B = LegalBasis

# Sensible defaults for a recruitment and staffing agency. They hold no number, name or
# address: periods come from the retention rules, people from the agency (P-01).
DEFAULT_ACTIVITIES: tuple[DefaultActivity, ...] = (
    _default(
        "recruitment",
        order=10,
        name_nb="Rekruttering og kandidatoppfølging",
        name_en="Recruitment and candidate management",
        purpose_nb=(
            "Vurdere kandidater til ledige stillinger og oppdrag, holde kontakt med "
            "kandidater om aktuelle stillinger, og følge opp søknader gjennom hele "
            "rekrutteringsprosessen."
        ),
        purpose_en=(
            "Assessing candidates for vacant positions and assignments, keeping in touch "
            "with candidates about relevant positions, and following up applications "
            "through the whole recruitment process."
        ),
        legal_basis=B.CONTRACT,
        legal_basis_note_nb="Tiltak kandidaten ber om før en eventuell avtale inngås.",
        legal_basis_note_en="Steps the candidate asks for before any agreement is made.",
        data_categories=(
            C.IDENTITY,
            C.CONTACT,
            C.NATIONAL_ID,
            C.PROFESSIONAL,
            C.DOCUMENT,
            C.COMMUNICATION,
            C.CONSENT,
        ),
        data_subjects=(S.CANDIDATES, S.REFERENCES),
        recipients_nb="Rådgiverne i byrået som arbeider med oppdraget.",
        recipients_en="The agency's consultants who work on the assignment.",
        retention_clock=K.LAST_ACTIVITY,
        security_measures_nb=(
            "Tilgang bare for ansatte med tofaktorinnlogging. Fødselsnummer og dokumenter "
            "krypteres med en egen nøkkel for hver kandidat. Hvert oppslag og hver endring "
            "logges."
        ),
        security_measures_en=(
            "Access only for staff who log in with two factors. National identity numbers "
            "and documents are encrypted with a key of each candidate's own. Every view "
            "and every change is logged."
        ),
    ),
    _default(
        "client_presentation",
        order=20,
        name_nb="Presentasjon av kandidater for oppdragsgivere",
        name_en="Presenting candidates to clients",
        purpose_nb=(
            "Presentere utvalgte opplysninger om en kandidat for oppdragsgiveren i et "
            "oppdrag kandidaten er med i, slik at oppdragsgiveren kan vurdere kandidaten."
        ),
        purpose_en=(
            "Presenting selected information about a candidate to the client of an "
            "assignment the candidate is part of, so that the client can assess them."
        ),
        legal_basis=B.CONSENT,
        legal_basis_note_nb="Kandidaten samtykker til presentasjon for den navngitte kunden.",
        legal_basis_note_en="The candidate agrees to be presented to the named client.",
        data_categories=(C.IDENTITY, C.CONTACT, C.PROFESSIONAL, C.DOCUMENT),
        data_subjects=(S.CANDIDATES,),
        recipients_nb="Kontaktpersoner hos oppdragsgiveren, gjennom en sikker lenke.",
        recipients_en="Contact people at the client, through a secure link.",
        retention_clock=K.LINK_EXPIRY,
        security_measures_nb=(
            "Sikker lenke med passord eller engangskode på en annen kanal. Lenken utløper "
            "og kan stenges. Delte dokumenter merkes med mottakerens navn. Hver utlevering "
            "logges."
        ),
        security_measures_en=(
            "A secure link with a password or a one-time code by another channel. The link "
            "expires and can be revoked. Shared documents carry the recipient's name. Every "
            "disclosure is logged."
        ),
    ),
    _default(
        "background_checks",
        order=30,
        name_nb="Bakgrunnssjekker",
        name_en="Background checks",
        purpose_nb=(
            "Kontrollere at en kandidat er egnet for en stilling der stillingens art krever "
            "politiattest, sikkerhetsklarering eller kredittsjekk."
        ),
        purpose_en=(
            "Checking that a candidate is suited for a position whose nature requires a "
            "police certificate, a security clearance or a credit check."
        ),
        legal_basis=B.LEGAL_OBLIGATION,
        legal_basis_note_nb="Bare der stillingen krever det, og kandidaten får beskjed først.",
        legal_basis_note_en=(
            "Only where the position requires it, and the candidate is told first."
        ),
        data_categories=(C.IDENTITY, C.BACKGROUND_CHECK),
        data_subjects=(S.CANDIDATES,),
        recipients_nb="Rådgiveren som har ansvar for oppdraget.",
        recipients_en="The consultant in charge of the assignment.",
        retention_clock=K.ASSIGNMENT_END,
        security_measures_nb=(
            "Dokumentet krypteres og slettes når oppdraget er over. Bare et datert notat om "
            "resultatet blir igjen."
        ),
        security_measures_en=(
            "The document is encrypted and destroyed when the assignment ends. Only a dated "
            "note of the outcome remains."
        ),
    ),
    _default(
        "staffing_payroll",
        order=40,
        name_nb="Bemanning: ansettelse og lønnsrapportering (a-melding)",
        name_en="Staffing: employment and payroll reporting (a-melding)",
        purpose_nb=(
            "Ansette personer i bemanningsoppdrag, betale lønn og rapportere lønn og "
            "stillingsprosent til skattemyndighetene i a-meldingen."
        ),
        purpose_en=(
            "Employing people for staffing assignments, paying salaries and reporting "
            "salary and position percentage to the tax authorities in the a-melding."
        ),
        legal_basis=B.LEGAL_OBLIGATION,
        legal_basis_note_nb="Arbeidsgiverplikter etter a-opplysningsloven og bokføringsloven.",
        legal_basis_note_en="Employer's duties under the a-melding act and the bookkeeping act.",
        data_categories=(C.IDENTITY, C.CONTACT, C.NATIONAL_ID, C.PROFESSIONAL, C.PAYROLL),
        data_subjects=(S.STAFFING_EMPLOYEES,),
        recipients_nb=(
            "Skatteetaten og andre offentlige etater gjennom a-meldingen; kunden der du "
            "arbeider får det oppdraget krever."
        ),
        recipients_en=(
            "The Norwegian Tax Administration and other public agencies through the "
            "a-melding; the client you work for gets what the assignment requires."
        ),
        retention_clock=K.EMPLOYMENT_END,
        security_measures_nb=(
            "Tilgang bare for ansatte som arbeider med lønn. Fødselsnummer krypteres. Hver "
            "eksport logges."
        ),
        security_measures_en=(
            "Access only for staff who work with payroll. National identity numbers are "
            "encrypted. Every export is logged."
        ),
    ),
    _default(
        "client_relationship",
        order=50,
        name_nb="Kundeforhold og fakturering",
        name_en="Client relationships and invoicing",
        purpose_nb=(
            "Inngå og følge opp avtaler med kunder, levere oppdrag og fakturere. For "
            "bedrifter kan vi hente inn en kredittvurdering og be om forhåndsbetaling."
        ),
        purpose_en=(
            "Making and following up agreements with clients, delivering assignments and "
            "invoicing. For companies we may obtain a credit assessment and ask for "
            "prepayment."
        ),
        legal_basis=B.CONTRACT,
        legal_basis_note_nb="Avtalen med kunden.",
        legal_basis_note_en="The agreement with the client.",
        data_categories=(C.IDENTITY, C.CONTACT, C.PROFESSIONAL, C.DOCUMENT, C.COMMUNICATION),
        data_subjects=(S.CLIENT_CONTACTS,),
        recipients_nb="Ansatte i byrået som følger opp kunden.",
        recipients_en="The agency's staff who follow up the client.",
        retention_clock=K.AGREEMENT_END,
        security_measures_nb=(
            "Tilgang bare for ansatte med tofaktorinnlogging. Signerte avtaler krypteres."
        ),
        security_measures_en=(
            "Access only for staff who log in with two factors. Signed agreements are encrypted."
        ),
    ),
    _default(
        "job_alerts_marketing",
        order=60,
        name_nb="Stillingsvarsler og nyheter",
        name_en="Job alerts and news",
        purpose_nb=(
            "Sende kandidater relevante nye stillinger, og sende kontaktpersoner hos kunder "
            "nyheter om tjenestene våre."
        ),
        purpose_en=(
            "Sending candidates relevant new positions, and sending contact people at "
            "clients news about our services."
        ),
        legal_basis=B.CONSENT,
        legal_basis_note_nb="Kan trekkes tilbake med ett klikk i hver e-post.",
        legal_basis_note_en="Can be withdrawn with one click in every email.",
        data_categories=(C.CONTACT, C.COMMUNICATION, C.CONSENT),
        data_subjects=(S.CANDIDATES, S.CLIENT_CONTACTS),
        recipients_nb="Ingen utenfor byrået.",
        recipients_en="No one outside the agency.",
        retention_clock=K.CONSENT_EXPIRY,
        security_measures_nb=(
            "Avmelding med ett klikk. Avmeldte adresser lagres bare som et nøkkelbasert "
            "fingeravtrykk på en sperreliste."
        ),
        security_measures_en=(
            "One-click unsubscribe. Addresses that opted out are kept only as a keyed "
            "fingerprint on a suppression list."
        ),
    ),
    _default(
        "job_board_website",
        order=70,
        name_nb="Stillingsportal og nettsider",
        name_en="Job board and website",
        purpose_nb=(
            "Vise ledige stillinger, ta imot søknader og la kandidater logge inn på "
            "kandidatportalen."
        ),
        purpose_en=(
            "Showing vacant positions, receiving applications and letting candidates log "
            "in to the candidate portal."
        ),
        legal_basis=B.LEGITIMATE_INTERESTS,
        legal_basis_note_nb="Bare strengt nødvendige informasjonskapsler uten samtykke.",
        legal_basis_note_en="Only strictly necessary cookies without consent.",
        data_categories=(C.ACCOUNT, C.TECHNICAL),
        data_subjects=(S.CANDIDATES, S.WEBSITE_VISITORS),
        recipients_nb="Ingen utenfor byrået.",
        recipients_en="No one outside the agency.",
        retention_clock=K.SESSION,
        security_measures_nb=(
            "Kryptert forbindelse. Ingen informasjonskapsler for statistikk eller "
            "markedsføring uten samtykke."
        ),
        security_measures_en=(
            "Encrypted connection. No cookies for statistics or marketing without consent."
        ),
    ),
    _default(
        "security_audit",
        order=80,
        name_nb="Sikkerhetslogg og revisjonsspor",
        name_en="Security log and audit trail",
        purpose_nb=(
            "Oppdage og etterforske misbruk, og kunne vise hvem som har sett, endret, "
            "eksportert eller delt personopplysninger."
        ),
        purpose_en=(
            "Detecting and investigating misuse, and being able to show who viewed, "
            "changed, exported or shared personal information."
        ),
        legal_basis=B.LEGITIMATE_INTERESTS,
        legal_basis_note_nb="Informasjonssikkerhet og internkontroll.",
        legal_basis_note_en="Information security and internal control.",
        data_categories=(C.ACCOUNT, C.SECURITY_LOG, C.TECHNICAL),
        data_subjects=(S.CANDIDATES, S.CLIENT_CONTACTS, S.STAFF),
        recipients_nb="Daglig leder og de hun eller han delegerer til.",
        recipients_en="The daily manager and those they delegate to.",
        retention_clock=K.SECURITY_LOG,
        security_measures_nb=(
            "Revisjonsloggen kan bare utvides, ikke endres, og er lenket med nøkkelbaserte "
            "kontrollsummer. Den inneholder bare ID-er, aldri selve opplysningene."
        ),
        security_measures_en=(
            "The audit trail can only be appended to, never changed, and is chained with "
            "keyed hashes. It holds only IDs, never the information itself."
        ),
    ),
    _default(
        "data_subject_requests",
        order=90,
        name_nb="Henvendelser om personvern",
        name_en="Data-subject requests",
        purpose_nb=(
            "Svare på henvendelser om innsyn, retting, sletting, begrensning og "
            "innsigelser, og dokumentere svaret."
        ),
        purpose_en=(
            "Answering requests for access, correction, erasure, restriction and "
            "objection, and documenting the answer."
        ),
        legal_basis=B.LEGAL_OBLIGATION,
        legal_basis_note_nb="Personvernforordningens regler om den registrertes rettigheter.",
        legal_basis_note_en="The GDPR's rules on the rights of the data subject.",
        data_categories=(C.IDENTITY, C.CONTACT, C.COMMUNICATION, C.CONSENT),
        data_subjects=(
            S.CANDIDATES,
            S.CLIENT_CONTACTS,
            S.STAFFING_EMPLOYEES,
            S.REFERENCES,
        ),
        recipients_nb="Ingen utenfor byrået.",
        recipients_en="No one outside the agency.",
        retention_clock=K.AUDIT_TRAIL,
        security_measures_nb="Identiteten kontrolleres før svaret gis. Hver henvendelse logges.",
        security_measures_en="Identity is checked before we answer. Every request is logged.",
    ),
)

__all__ = [
    "DEFAULT_ACTIVITIES",
    "EDITABLE_FIELDS",
    "REGISTER_CATEGORIES",
    "REGISTER_CLOCKS",
    "ActivityInput",
    "DataSubjectGroup",
    "Register",
    "RegisterRow",
    "Responsible",
    "activity_clean",
    "activity_input_from",
    "activity_responsible",
    "processing_activities",
    "processing_activities_ensure_defaults",
    "processing_activity_create",
    "processing_activity_get",
    "processing_activity_update",
    "processing_register_open",
    "register_rows",
]
