"""The agency's privacy policy, rendered from its configuration (P-01), and its versions.

The policy is built only from the agency (name, organisation number, contact address, daily
manager), the processing register (activities and delegations), the data map's categories,
`retention_rules(agency.config)` and the agency's other settings. Every name, number and
address on the page is one of those values, marked up with `data-source`; the prose around
them is fixed text in bokmål and English. The same structure is rendered as HTML by one
template (the public page and the manager's preview) and as Markdown for
`manage.py privacy_policy`.

Every change to the rendered text is a new `PolicyVersion`; consents record the version
that the person saw (`policy_current`).
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from fortrolig.audit.services import Actor, record
from fortrolig.core.errors import Conflict, NotFound
from fortrolig.core.models import Agency, AgencySettings

from .datamap import Category, RetentionClock, personal_fields
from .models import LegalBasis, PolicyVersion, ProcessingActivity
from .register import (
    DataSubjectGroup,
    activity_responsible,
    processing_activities,
    processing_activities_ensure_defaults,
)
from .retention_rules import RetentionRule, retention_rules

POLICY_LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"
# The candidate portal, where a person sees, corrects and downloads their data (P-20, P-21).
PORTAL_PATH = "/portal/"

# -- The structure: spans of text and configuration values, in blocks and sections ---------


@dataclass(frozen=True)
class Text:
    """Fixed prose of the policy template."""

    text: str

    def html(self) -> str:
        return format_html("{}", self.text)

    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class Value:
    """A value from the configuration: a name, number, address or a register text.

    `source` says where it comes from (agency, settings, retention, register, datamap,
    version), `key` which value it is. `value` is the machine-readable form of a figure
    (rendered as `<data value=...>`); free text has none. A retention period also names
    its clock and unit.
    """

    text: str
    source: str
    key: str
    value: str | None = None
    clock: str = ""
    unit: str = ""

    def html(self) -> str:
        if self.clock:
            return format_html(
                '<data class="retention-period" data-source="{}" data-key="{}" '
                'data-clock="{}" data-unit="{}" value="{}">{}</data>',
                self.source,
                self.key,
                self.clock,
                self.unit,
                self.value or "",
                self.text,
            )
        if self.value is not None:
            return format_html(
                '<data class="config" data-source="{}" data-key="{}" value="{}">{}</data>',
                self.source,
                self.key,
                self.value,
                self.text,
            )
        return format_html(
            '<span class="config" data-source="{}" data-key="{}">{}</span>',
            self.source,
            self.key,
            self.text,
        )

    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class Email:
    """The agency's contact address."""

    address: str

    def html(self) -> str:
        return format_html(
            '<a class="config" href="mailto:{}" data-source="agency" data-key="contact_email">'
            "{}</a>",
            self.address,
            self.address,
        )

    def plain(self) -> str:
        return self.address


@dataclass(frozen=True)
class Link:
    """A link to one of the system's own pages; the label is fixed prose."""

    label: str
    url: str

    def html(self) -> str:
        return format_html('<a href="{}">{}</a>', self.url, self.label)

    def plain(self) -> str:
        return f"[{self.label}]({self.url})"


Span = Text | Value | Email | Link
Spans = tuple[Span, ...]


def policy_path(*, agency_slug: str, language: str | None = None) -> str:
    """The path of an agency's public privacy policy, in `language` when it is not the
    default. Emails and the apply form link here."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("policy:agency", kwargs={"slug": agency_slug})
    if language and language != settings.LANGUAGE_CODE:
        path += f"?lang={language}"
    return path


def spans_html(spans: Iterable[Span]) -> SafeString:
    return mark_safe("".join(span.html() for span in spans))  # noqa: S308 (each is escaped)


def spans_plain(spans: Iterable[Span]) -> str:
    return "".join(span.plain() for span in spans)


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "p"
    spans: Spans

    @property
    def html(self) -> SafeString:
        return spans_html(self.spans)


@dataclass(frozen=True)
class Subheading:
    kind: ClassVar[str] = "h3"
    spans: Spans

    @property
    def html(self) -> SafeString:
        return spans_html(self.spans)


@dataclass(frozen=True)
class BulletList:
    kind: ClassVar[str] = "ul"
    items: tuple[Spans, ...]

    @property
    def items_html(self) -> list[SafeString]:
        return [spans_html(item) for item in self.items]


@dataclass(frozen=True)
class Definitions:
    kind: ClassVar[str] = "dl"
    rows: tuple[tuple[str, Spans], ...]

    @property
    def rows_html(self) -> list[tuple[str, SafeString]]:
        return [(term, spans_html(value)) for term, value in self.rows]


Block = Paragraph | Subheading | BulletList | Definitions


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class RenderedPolicy:
    """The policy of one agency in one language, as structured sections."""

    language: str
    title: Spans
    sections: tuple[Section, ...]

    @property
    def title_html(self) -> SafeString:
        return spans_html(self.title)

    @property
    def title_text(self) -> str:
        return spans_plain(self.title)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
Piece = str | Span | Spans


def _fmt(template: str, **values: Piece) -> Spans:
    """Split a translated template at its `%(name)s` placeholders and put the values in,
    so that a value stays a marked-up span inside the translated prose."""
    spans: list[Span] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > pos:
            spans.append(Text(template[pos : match.start()]))
        value = values[match.group(1)]
        if isinstance(value, str):
            spans.append(Text(value))
        elif isinstance(value, tuple):
            spans.extend(value)
        else:
            spans.append(value)
        pos = match.end()
    if pos < len(template):
        spans.append(Text(template[pos:]))
    return tuple(spans)


def _p(template: str, **values: Piece) -> Paragraph:
    return Paragraph(_fmt(template, **values))


def _join(values: list[Spans], *, separator: str = "") -> Spans:
    """`a`, `a and b`, `a, b and c`; or `a; b; c` with a separator (for items that hold
    commas themselves)."""
    if not values:
        return ()
    joined: list[Span] = []
    for index, value in enumerate(values):
        if index:
            last = index == len(values) - 1
            if separator:
                joined.append(Text(separator))
            else:
                joined.append(Text(" " + gettext("and") + " " if last else ", "))
        joined.extend(value)
    return tuple(joined)


# -- Periods -------------------------------------------------------------------------------


def _months(n: int) -> str:
    return ngettext("%(count)s month", "%(count)s months", n) % {"count": n}


def _days(n: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", n) % {"count": n}


def _years(n: int) -> str:
    return ngettext("%(count)s year", "%(count)s years", n) % {"count": n}


def _period_value(rule: RetentionRule) -> Value:
    """The length of a rule as a marked-up value: `24 months`, `14 days`, `5 years`."""
    clock = str(rule.clock.value)
    if rule.years_after_financial_year is not None:
        n = rule.years_after_financial_year
        return Value(_years(n), "retention", clock, str(n), clock, "years_after_financial_year")
    if rule.months and rule.days:
        text = gettext("%(months)s and %(days)s") % {
            "months": _months(rule.months),
            "days": _days(rule.days),
        }
        return Value(text, "retention", clock, f"{rule.months}:{rule.days}", clock, "months_days")
    if rule.days:
        return Value(_days(rule.days), "retention", clock, str(rule.days), clock, "days")
    return Value(_months(rule.months), "retention", clock, str(rule.months), clock, "months")


def _is_immediate(rule: RetentionRule) -> bool:
    return rule.years_after_financial_year is None and not rule.months and not rule.days


def _after_event(clock: RetentionClock) -> str | None:
    """`%(period)s after <the clock's event>`, for the clocks with a rule."""
    return {
        RetentionClock.LAST_ACTIVITY: gettext("%(period)s after the last application or activity"),
        RetentionClock.CONSENT_EXPIRY: gettext("%(period)s after the consent ends"),
        RetentionClock.ASSIGNMENT_END: gettext("%(period)s after the assignment has ended"),
        RetentionClock.EMPLOYMENT_END: gettext(
            "%(period)s after the end of the financial year in which each payment was made"
        ),
        RetentionClock.AGREEMENT_END: gettext("%(period)s after the client agreement has ended"),
        RetentionClock.LINK_EXPIRY: gettext("%(period)s after the link was sent"),
    }.get(clock)


def _at_event(clock: RetentionClock) -> str | None:
    """When data on a clock with a zero period goes: at the clock's event."""
    return {
        RetentionClock.LAST_ACTIVITY: gettext("at the last application or activity"),
        RetentionClock.CONSENT_EXPIRY: gettext("when the consent is withdrawn or expires"),
        RetentionClock.ASSIGNMENT_END: gettext("when the assignment has ended"),
        RetentionClock.EMPLOYMENT_END: gettext("when the employment has ended"),
        RetentionClock.AGREEMENT_END: gettext("when the client agreement has ended"),
        RetentionClock.LINK_EXPIRY: gettext("when the link is sent"),
    }.get(clock)


def _clock_label(clock: str) -> Value:
    try:
        label = str(RetentionClock(clock).label)
    except ValueError:
        label = clock
    return Value(label, "register", "retention_clock", clock)


def _when(rule: RetentionRule) -> Spans:
    """How long the rule keeps data, with its event: `24 months after the last ...`."""
    if _is_immediate(rule):
        at = _at_event(rule.clock) or str(rule.clock.label)
        clock = str(rule.clock.value)
        return (Value(at, "retention", clock, "0", clock, "none"),)
    template = _after_event(rule.clock) or "%(period)s"
    return _fmt(template, period=_period_value(rule))


def retention_of(clock: str, rules: dict[RetentionClock, RetentionRule]) -> Spans:
    rule = next((r for c, r in rules.items() if c == clock), None)
    return _when(rule) if rule is not None else (_clock_label(clock),)


# -- What the categories mean, and which models hold each group's data ---------------------


def _category_descriptions(group: str) -> dict[str, str]:
    """What each category holds, in words, for the people of `group`."""
    described = _general_descriptions()
    if group == DataSubjectGroup.CLIENT_CONTACTS:
        described.update(
            {
                Category.PROFESSIONAL: gettext("your role at the company"),
                Category.DOCUMENT: gettext("signed agreements, stored encrypted"),
                Category.TECHNICAL: gettext(
                    "technical details such as keyed fingerprints used to find duplicates"
                ),
            }
        )
    if group == DataSubjectGroup.REFERENCES:
        described[Category.CONTACT] = gettext(
            "name, relation to the candidate, organisation, phone number and email address"
        )
    return described


def _general_descriptions() -> dict[str, str]:
    return {
        Category.IDENTITY: gettext("name and other details that identify you"),
        Category.CONTACT: gettext("email address, phone number and postal address"),
        Category.NATIONAL_ID: gettext(
            "national identity number or D number, always stored encrypted, for secure "
            "identification"
        ),
        Category.PROFESSIONAL: gettext(
            "CV, skills, languages, roles, work history, availability and test results"
        ),
        Category.DOCUMENT: gettext(
            "documents such as application letters, certificates, diplomas and signed "
            "agreements, stored encrypted"
        ),
        Category.BACKGROUND_CHECK: gettext(
            "police certificates, security clearances and credit checks, only where a "
            "position requires it"
        ),
        Category.PAYROLL: gettext(
            "salary, position percentage and what the monthly report to the tax authorities "
            "requires"
        ),
        Category.COMMUNICATION: gettext("the emails we have sent you and whether they arrived"),
        Category.ACCOUNT: gettext("your login and account settings"),
        Category.SECURITY_LOG: gettext("login attempts and other security events"),
        Category.TECHNICAL: gettext(
            "technical details such as dates of activity and keyed fingerprints used to find "
            "duplicates"
        ),
        Category.CONSENT: gettext("your consents and choices, such as job alerts and opt-outs"),
    }


# The models that hold each group's own data, in the data map. Fields on the staff clock
# (who did something) are the staff's data, not the group's.
_GROUP_MODELS: dict[str, tuple[str, ...]] = {
    DataSubjectGroup.CANDIDATES: (
        "candidates.candidate",
        "candidates.backgroundcheck",
        "assignments.application",
        "documents.document",
        "privacy.consent",
        "messaging.outboundemail",
    ),
    DataSubjectGroup.CLIENT_CONTACTS: (
        "clients.clientcontact",
        "clients.agreement",
        "privacy.consent",
        "messaging.outboundemail",
    ),
    DataSubjectGroup.REFERENCES: ("candidates.reference",),
}
_STAFF_CLOCKS = frozenset({RetentionClock.MEMBERSHIP})
# The groups whose stored data the policy lists, in this order.
_LISTED_GROUPS = (
    DataSubjectGroup.CANDIDATES,
    DataSubjectGroup.CLIENT_CONTACTS,
    DataSubjectGroup.STAFFING_EMPLOYEES,
    DataSubjectGroup.REFERENCES,
)


def datamap_categories(group: str) -> set[str] | None:
    """The personal-data categories that the data map holds about `group`, or None when
    no model of the group's data is installed."""
    found: set[str] = set()
    known = False
    for label in _GROUP_MODELS.get(group, ()):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        known = True
        found |= {
            str(fc.category)
            for fc in personal_fields(model).values()
            if fc.clock not in _STAFF_CLOCKS
        }
    return found if known else None


def group_categories(group: str, activities: list[ProcessingActivity]) -> list[str]:
    """What is stored about `group`, in the data map's order: the data map's categories for
    the group's models; for a group that no installed model holds yet, the register's
    categories of the activities about it."""
    found = datamap_categories(group)
    if found is None:
        found = set()
        for activity in activities:
            if group in activity.data_subjects:
                found |= set(activity.data_categories)
    return [c.value for c in Category if c in found and c != Category.NOT_PERSONAL]


# -- Rendering ------------------------------------------------------------------------------


def policy_language(code: str | None) -> str:
    base = (code or "").split("-")[0].lower()
    return base if base in POLICY_LANGUAGES else DEFAULT_LANGUAGE


def _register_text(activity: ProcessingActivity, name: str, language: str) -> Value:
    key = f"{name}_{language}"
    return Value(str(getattr(activity, key)), "register", key)


def policy_render(*, agency: Agency, language: str) -> RenderedPolicy:
    """The agency's policy in `language` (nb or en), from its configuration only."""
    language = policy_language(language)
    activities = processing_activities(agency=agency)
    with translation.override(language):
        return _Renderer(agency=agency, activities=activities, language=language).render()


@dataclass
class _Renderer:
    agency: Agency
    activities: list[ProcessingActivity]
    language: str
    config: AgencySettings = field(init=False)
    rules: dict[RetentionClock, RetentionRule] = field(init=False)

    def __post_init__(self) -> None:
        self.config = self.agency.config
        self.rules = retention_rules(self.config)

    # Values of the agency.
    @property
    def name(self) -> Value:
        return Value(self.agency.name, "agency", "name")

    @property
    def email(self) -> Email:
        return Email(self.agency.contact_email)

    def render(self) -> RenderedPolicy:
        sections = [
            self.intro(),
            self.controller(),
            self.stored(),
            self.purposes(),
            self.background_checks(),
            self.sharing(),
            self.staffing(),
            self.marketing(),
            self.retention(),
            self.rights(),
            self.cookies(),
            self.contact(),
        ]
        return RenderedPolicy(
            language=self.language,
            title=_fmt(gettext("Privacy policy of %(agency)s"), agency=self.name),
            sections=tuple(s for s in sections if s is not None and s.blocks),
        )

    def _uses(
        self,
        *,
        category: str | None = None,
        clock: str | None = None,
        subject: str | None = None,
    ) -> bool:
        return any(
            (category is None or category in a.data_categories)
            and (clock is None or a.retention_clock == clock)
            and (subject is None or subject in a.data_subjects)
            for a in self.activities
        )

    def intro(self) -> Section:
        return Section(
            "intro",
            "",
            (
                _p(
                    gettext(
                        "This policy explains how %(agency)s handles personal information: "
                        "what we store and why, who receives it, how long we keep it, and "
                        "your rights. It is produced from the same settings that our system "
                        "follows, so it states what the system actually does."
                    ),
                    agency=self.name,
                ),
            ),
        )

    def controller(self) -> Section:
        manager = Value(self.agency.daily_manager_name, "agency", "daily_manager_name")
        org_number = Value(
            self.agency.org_number, "agency", "org_number", value=self.agency.org_number
        )
        blocks: list[Block] = [
            _p(
                gettext(
                    "%(agency)s (organisation number %(org_number)s) is the controller for "
                    "the processing of personal information described here. The daily "
                    "manager, %(manager)s, is responsible on behalf of the agency."
                ),
                agency=self.name,
                org_number=org_number,
                manager=manager,
            )
        ]
        delegated = []
        for activity in self.activities:
            responsible = activity_responsible(agency=self.agency, activity=activity)
            if not responsible.delegated:
                continue
            person: Spans = (Value(responsible.name, "register", "responsible_name"),)
            if responsible.role:
                person = _fmt(
                    gettext("%(name)s, %(role)s"),
                    name=person,
                    role=Value(responsible.role, "register", "responsible_role"),
                )
            delegated.append(
                _fmt(
                    gettext("%(activity)s: %(person)s"),
                    activity=_register_text(activity, "name", self.language),
                    person=person,
                )
            )
        if delegated:
            blocks.append(
                _p(
                    gettext(
                        "The daily manager has delegated the day-to-day follow-up of these "
                        "processing activities. A delegation covers the tasks; the "
                        "responsibility stays with the daily manager."
                    )
                )
            )
            blocks.append(BulletList(tuple(delegated)))
        else:
            blocks.append(
                _p(
                    gettext(
                        "The daily manager follows up every processing activity in person; "
                        "no tasks are delegated."
                    )
                )
            )
        return Section("controller", gettext("Controller and responsibility"), tuple(blocks))

    def stored(self) -> Section:
        blocks: list[Block] = [
            _p(gettext("We store only what a recruitment or an assignment needs.")),
        ]
        for group in _LISTED_GROUPS:
            if not self._uses(subject=group):
                continue
            categories = group_categories(group, self.activities)
            if not categories:
                continue
            descriptions = _category_descriptions(group)
            blocks.append(Subheading((Text(str(DataSubjectGroup(group).label)),)))
            if group == DataSubjectGroup.CLIENT_CONTACTS:
                blocks.append(
                    _p(
                        gettext(
                            "For a client company we store its contact people, invoicing "
                            "details, the terms of our agreement and the history of "
                            "assignments, and nothing beyond what an assignment needs."
                        )
                    )
                )
            if group == DataSubjectGroup.REFERENCES:
                blocks.append(
                    _p(
                        gettext(
                            "References are people a candidate names. We keep their details "
                            "no longer than the candidate's."
                        )
                    )
                )
            blocks.append(
                BulletList(
                    tuple(
                        _fmt(
                            gettext("%(category)s: %(description)s"),
                            category=Value(str(Category(c).label), "datamap", "category", value=c),
                            description=descriptions.get(c, ""),
                        )
                        for c in categories
                    )
                )
            )
            if group == DataSubjectGroup.CANDIDATES:
                blocks.append(
                    _p(
                        gettext(
                            "For every candidate we also record where the information came "
                            "from: an application on our website, registration by a "
                            "consultant, an import, or a social media campaign run by a "
                            "named partner."
                        )
                    )
                )
        return Section("stored", gettext("What we store"), tuple(blocks))

    def purposes(self) -> Section:
        blocks: list[Block] = []
        for activity in self.activities:
            blocks.append(Subheading((_register_text(activity, "name", self.language),)))
            try:
                basis_label = str(LegalBasis(activity.legal_basis).label)
            except ValueError:
                basis_label = activity.legal_basis
            basis: Spans = (
                Value(basis_label, "register", "legal_basis", value=activity.legal_basis),
            )
            note = getattr(activity, f"legal_basis_note_{self.language}")
            if note:
                basis = _fmt(
                    gettext("%(basis)s. %(note)s"),
                    basis=basis,
                    note=_register_text(activity, "legal_basis_note", self.language),
                )
            responsible = activity_responsible(agency=self.agency, activity=activity)
            if responsible.delegated:
                who: Spans = (Value(responsible.name, "register", "responsible_name"),)
                if responsible.role:
                    who = _fmt(
                        gettext("%(name)s, %(role)s"),
                        name=who,
                        role=Value(responsible.role, "register", "responsible_role"),
                    )
            else:
                who = _fmt(
                    gettext("%(name)s, daily manager"),
                    name=Value(self.agency.daily_manager_name, "agency", "daily_manager_name"),
                )
            rows: list[tuple[str, Spans]] = [
                (gettext("Purpose"), (_register_text(activity, "purpose", self.language),)),
                (gettext("Legal basis"), basis),
                (
                    gettext("Information"),
                    _join(
                        [
                            (Value(category_label(c), "register", "data_categories", value=c),)
                            for c in activity.data_categories
                        ],
                        separator="; ",
                    ),
                ),
                (
                    gettext("Whose information"),
                    _join(
                        [
                            (Value(subject_label(s), "register", "data_subjects", value=s),)
                            for s in activity.data_subjects
                        ]
                    ),
                ),
            ]
            if getattr(activity, f"recipients_{self.language}"):
                rows.append(
                    (
                        gettext("Recipients"),
                        (_register_text(activity, "recipients", self.language),),
                    )
                )
            rows.append((gettext("Retention"), retention_of(activity.retention_clock, self.rules)))
            if getattr(activity, f"security_measures_{self.language}"):
                rows.append(
                    (
                        gettext("Security measures"),
                        (_register_text(activity, "security_measures", self.language),),
                    )
                )
            rows.append((gettext("Responsible"), who))
            blocks.append(Definitions(tuple(rows)))
        return Section(
            "purposes", gettext("What we do with personal information, and why"), tuple(blocks)
        )

    def background_checks(self) -> Section | None:
        if not self._uses(category=Category.BACKGROUND_CHECK):
            return None
        rule = self.rules.get(RetentionClock.ASSIGNMENT_END)
        blocks: list[Block] = [
            _p(
                gettext(
                    "We collect a police certificate, a security clearance or a credit check "
                    "only for an assignment whose position requires it, and we always tell "
                    "you before we collect it."
                )
            )
        ]
        if rule is not None:
            blocks.append(
                _p(
                    gettext(
                        "The document and its details are destroyed %(when)s. Only a dated "
                        "note remains, saying that the check was done and whether the "
                        "outcome was satisfactory."
                    ),
                    when=_when(rule),
                )
            )
        return Section("background_checks", gettext("Background checks"), tuple(blocks))

    def sharing(self) -> Section | None:
        rule = self.rules.get(RetentionClock.LINK_EXPIRY)
        if rule is None or not self._uses(clock=RetentionClock.LINK_EXPIRY):
            return None
        expiry: Spans = (
            (
                Value(
                    gettext("at once"), "retention", rule.clock.value, "0", rule.clock.value, "none"
                ),
            )
            if _is_immediate(rule)
            else (_period_value(rule),)
        )
        return Section(
            "sharing",
            gettext("Sharing with our clients"),
            (
                _p(
                    gettext(
                        "We share your information only with the contact people of a client "
                        "that has an assignment you are part of, unless another recipient is "
                        "agreed with you and recorded. Every disclosure is logged: what, to "
                        "whom, when, by whom and why."
                    )
                ),
                _p(
                    gettext(
                        "Sensitive information is never sent in the body of an email or as "
                        "an attachment. The client gets a secure link, protected by a "
                        "password or a one-time code that is sent by another channel. The "
                        "link expires after %(period)s and can be revoked at any time."
                    ),
                    period=expiry,
                ),
                _p(
                    gettext(
                        "The consultant chooses which information the client sees, and a "
                        "presentation can be anonymised. Shared documents carry the "
                        "recipient's name and a notice that they must not be reused. A "
                        "recipient who received something by mistake can report it on the "
                        "secure page; the link is then revoked at once and we are alerted."
                    )
                ),
            ),
        )

    def staffing(self) -> Section | None:
        if not (
            self._uses(category=Category.PAYROLL)
            or self._uses(subject=DataSubjectGroup.STAFFING_EMPLOYEES)
        ):
            return None
        blocks: list[Block] = [
            _p(
                gettext(
                    "If you are employed through us for a staffing assignment, we keep the "
                    "information the employment needs for as long as it lasts. We record "
                    "salary and position percentage for the monthly report to the tax "
                    "authorities (the a-melding)."
                )
            )
        ]
        rule = self.rules.get(RetentionClock.EMPLOYMENT_END)
        if rule is not None:
            blocks.append(
                _p(
                    gettext(
                        "Payroll records are kept for as long as the bookkeeping rules "
                        "require, which is %(when)s. The details of the employment itself go "
                        "with its last payroll record. If you ask for erasure meanwhile, our "
                        "answer names this exemption, and the records are erased when the "
                        "period has run out."
                    ),
                    when=_when(rule),
                )
            )
        return Section("staffing", gettext("Staffing and payroll"), tuple(blocks))

    def marketing(self) -> Section | None:
        if not self._uses(clock=RetentionClock.CONSENT_EXPIRY):
            return None
        return Section(
            "marketing",
            gettext("Job alerts and news"),
            (
                _p(
                    gettext(
                        "With your consent we email you relevant new positions. Contact "
                        "people at our clients may receive news about our services. Every "
                        "such email has a link to unsubscribe with one click, and an opt-out "
                        "takes effect at once."
                    )
                ),
                _p(
                    gettext(
                        "So that we never email you again after you have opted out, not even "
                        "after your information is erased, we keep a keyed fingerprint of "
                        "your email address (not the address itself) on a suppression list."
                    )
                ),
            ),
        )

    def retention(self) -> Section:
        blocks: list[Block] = []
        candidates = self.rules.get(RetentionClock.LAST_ACTIVITY)
        if candidates is not None and self._uses(subject=DataSubjectGroup.CANDIDATES):
            blocks.append(
                _p(
                    gettext(
                        "We keep a candidate's information for at most %(period)s after the "
                        "last application or activity, unless you agree that we keep it "
                        "longer."
                    ),
                    period=_period_value(candidates),
                )
            )
            notices: list[Spans] = [
                (Value(str(days), "settings", "renewal_notice_days", value=str(days)),)
                for days in self.config.renewal_notice_days
            ]
            if notices:
                extension = self.config.renewal_extension_months
                blocks.append(
                    _p(
                        ngettext(
                            "%(days)s day before the deadline we email you and ask whether "
                            "you want us to keep your information longer. If you say yes, we "
                            "keep it for %(extension)s more. Without a yes, the information "
                            "is erased automatically.",
                            "%(days)s days before the deadline we email you and ask whether "
                            "you want us to keep your information longer. If you say yes, we "
                            "keep it for %(extension)s more. Without a yes, the information "
                            "is erased automatically.",
                            2 if len(notices) > 1 else self.config.renewal_notice_days[0],
                        ),
                        days=_join(notices),
                        extension=Value(
                            _months(extension),
                            "settings",
                            "renewal_extension_months",
                            value=str(extension),
                        ),
                    )
                )
        what = {
            RetentionClock.LAST_ACTIVITY: gettext(
                "Candidates, their references, applications and documents"
            ),
            RetentionClock.CONSENT_EXPIRY: gettext("Information kept on the basis of consent"),
            RetentionClock.ASSIGNMENT_END: gettext("Background checks"),
            RetentionClock.EMPLOYMENT_END: gettext("Payroll records"),
            RetentionClock.AGREEMENT_END: gettext("Client contacts and signed agreements"),
            RetentionClock.LINK_EXPIRY: gettext("Secure links to shared information"),
        }
        blocks.append(
            _p(
                gettext(
                    "These are the periods that our system enforces. An automatic job erases "
                    "information as soon as its period has run out; a legal hold can pause "
                    "the period while information is needed for a legal claim."
                )
            )
        )
        blocks.append(
            BulletList(
                tuple(
                    _fmt(
                        gettext("%(what)s: %(when)s"),
                        what=what.get(clock, str(clock.label)),
                        when=_when(rule),
                    )
                    for clock, rule in self.rules.items()
                )
            )
        )
        return Section("retention", gettext("How long we keep information"), tuple(blocks))

    def rights(self) -> Section:
        due = self.config.request_due_months
        portal = Link(gettext("the candidate portal"), PORTAL_PATH)
        return Section(
            "rights",
            gettext("Your rights"),
            (
                BulletList(
                    (
                        (
                            Text(
                                gettext(
                                    "Access: you can see all the information we hold about "
                                    "you, including what it is used for, who has received it, "
                                    "how long we keep it and where it came from, and how it "
                                    "has been processed: who viewed it, who received it, and "
                                    "when. You get it as a readable document and in a "
                                    "machine-readable format."
                                )
                            ),
                        ),
                        (
                            Text(
                                gettext(
                                    "Correction: once logged in, you can correct and add to "
                                    "your own information yourself. Other corrections you can "
                                    "ask for by email."
                                )
                            ),
                        ),
                        (
                            Text(
                                gettext(
                                    "Erasure: you can ask us to erase your information at any "
                                    "time. It is erased everywhere, also from backups by "
                                    "destroying its encryption key, and shared links are "
                                    "revoked. You get a receipt. Information that we must "
                                    "keep by law or for an ongoing agreement is named in the "
                                    "answer, and erased when its own period runs out."
                                )
                            ),
                        ),
                        (
                            Text(
                                gettext(
                                    "Restriction: if you contest the processing, you can ask "
                                    "us to restrict it. Your information is then stored, but "
                                    "not searched, shared, emailed or otherwise processed, "
                                    "and we tell you before the restriction is lifted."
                                )
                            ),
                        ),
                        (
                            Text(
                                gettext(
                                    "Objection and withdrawal: you can object to processing "
                                    "based on our legitimate interests, and withdraw a consent "
                                    "at any time, with effect from then on."
                                )
                            ),
                        ),
                    )
                ),
                _p(
                    gettext(
                        "We answer every request within %(due)s of receiving it. If a request "
                        "is complex and we need more time, we tell you why within that "
                        "deadline."
                    ),
                    due=Value(_months(due), "settings", "request_due_months", value=str(due)),
                ),
                _p(
                    gettext(
                        "When a right is limited because the information is needed for an "
                        "ongoing agreement or by law, our answer says so and names the rule."
                    )
                ),
                _p(
                    gettext(
                        "How to use your rights: log in to %(portal)s to see, correct and "
                        "download your information, or email us at %(email)s. You may also "
                        "complain to the Norwegian Data Protection Authority (Datatilsynet)."
                    ),
                    portal=portal,
                    email=self.email,
                ),
            ),
        )

    def cookies(self) -> Section:
        return Section(
            "cookies",
            gettext("Cookies"),
            (
                _p(
                    gettext(
                        "Our public pages set no cookies while you only read them. When you "
                        "log in or send a form, we set only strictly necessary cookies: one "
                        "that keeps you logged in and one that protects forms against "
                        "misuse. We set no cookies for statistics or marketing unless you "
                        "consent, for each category separately, and you can change your "
                        "choice at any time."
                    )
                ),
            ),
        )

    def contact(self) -> Section:
        return Section(
            "contact",
            gettext("Contact"),
            (
                _p(
                    gettext(
                        "Questions about privacy, or a request to use your rights: email "
                        "%(email)s. You can also contact your consultant at %(agency)s."
                    ),
                    email=self.email,
                    agency=self.name,
                ),
            ),
        )


def category_label(value: str) -> str:
    try:
        return str(Category(value).label)
    except ValueError:
        return value


def subject_label(value: str) -> str:
    try:
        return str(DataSubjectGroup(value).label)
    except ValueError:
        return value


# -- Text (Markdown) rendering -------------------------------------------------------------


def policy_text(policy: RenderedPolicy, *, version_line: Paragraph | None = None) -> str:
    """The policy as Markdown, block by block as the page shows it."""
    lines = [f"# {policy.title_text}", ""]
    if version_line is not None:
        lines += [f"_{spans_plain(version_line.spans)}_", ""]
    for section in policy.sections:
        if section.heading:
            lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [spans_plain(block.spans), ""]
            elif isinstance(block, Subheading):
                lines += [f"### {spans_plain(block.spans)}", ""]
            elif isinstance(block, BulletList):
                lines += [f"- {spans_plain(item)}" for item in block.items] + [""]
            else:
                lines += [f"- **{term}:** {spans_plain(value)}" for term, value in block.rows]
                lines += [""]
    return "\n".join(lines).rstrip() + "\n"


# -- Versions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rendering:
    policies: dict[str, RenderedPolicy]
    texts: dict[str, str]
    content_hash: str


def _rendering(agency: Agency) -> _Rendering:
    policies = {lang: policy_render(agency=agency, language=lang) for lang in POLICY_LANGUAGES}
    texts = {lang: policy_text(policy) for lang, policy in policies.items()}
    digest = hashlib.sha256(
        json.dumps([texts[lang] for lang in POLICY_LANGUAGES], ensure_ascii=False).encode()
    ).hexdigest()
    return _Rendering(policies=policies, texts=texts, content_hash=digest)


def policy_latest(*, agency: Agency) -> PolicyVersion | None:
    """The agency's newest published version, if any."""
    return PolicyVersion.objects.filter(agency=agency).order_by("-number").first()


def policy_versions(*, agency: Agency) -> list[PolicyVersion]:
    """Every published version of the agency's policy, newest first."""
    return list(PolicyVersion.objects.filter(agency=agency).order_by("-number"))


def policy_version_get(*, agency: Agency, number: int) -> PolicyVersion:
    """One version of the agency's policy. Raises NotFound."""
    version = PolicyVersion.objects.filter(agency=agency, number=number).first()
    if version is None:
        raise NotFound()
    return version


def _publish(
    *, agency: Agency, now: datetime, actor: Actor | None
) -> tuple[PolicyVersion, _Rendering]:
    with transaction.atomic():
        # One publisher at a time per agency (PostgreSQL); on SQLite writes are serialised
        # anyway, and the unique version number catches what slips through.
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        processing_activities_ensure_defaults(agency=agency, now=now)
        rendering = _rendering(agency)
        latest = policy_latest(agency=agency)
        if latest is not None and latest.content_hash == rendering.content_hash:
            return latest, rendering
        try:
            with transaction.atomic():
                version = PolicyVersion.objects.create(
                    agency=agency,
                    number=(latest.number if latest else 0) + 1,
                    published_at=now,
                    content_hash=rendering.content_hash,
                    text_nb=rendering.texts["nb"],
                    text_en=rendering.texts["en"],
                )
                record(
                    agency=agency,
                    actor=actor or Actor.system(),
                    action="privacy.policy.published",
                    subject=version,
                    fields=("text_nb", "text_en"),
                    now=now,
                )
        except IntegrityError:
            # Someone else published this moment: theirs is current if it says the same.
            latest = policy_latest(agency=agency)
            if latest is not None and latest.content_hash == rendering.content_hash:
                return latest, rendering
            raise Conflict() from None
    return version, rendering


def policy_publish(*, agency: Agency, now: datetime, actor: Actor | None = None) -> PolicyVersion:
    """Render the policy in both languages and publish it as a new version (number + 1,
    audited `privacy.policy.published`) when its text differs from the latest version;
    otherwise return the latest version. Raises Conflict in the rare case that another
    process published a different text at the same moment."""
    version, _rendered = _publish(agency=agency, now=now, actor=actor)
    return version


def _current(*, agency: Agency, now: datetime) -> tuple[PolicyVersion, _Rendering]:
    latest = policy_latest(agency=agency)
    if latest is not None:
        rendering = _rendering(agency)
        if rendering.content_hash == latest.content_hash:
            return latest, rendering
    return _publish(agency=agency, now=now, actor=None)


def policy_current(*, agency: Agency, now: datetime) -> PolicyVersion:
    """The version of the policy that the agency's configuration renders now, publishing it
    first when the configuration has changed since the latest version. A consent records
    this version (the text that the person saw)."""
    version, _rendered = _current(agency=agency, now=now)
    return version


# -- Pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyPage:
    """What the policy page shows: the current version and its text in one language."""

    version: PolicyVersion
    policy: RenderedPolicy
    version_line: Paragraph


def _version_line(version: PolicyVersion, language: str) -> Paragraph:
    with translation.override(language):
        published = timezone.localtime(version.published_at)
        return _p(
            gettext("Version %(number)s, published %(date)s."),
            number=Value(str(version.number), "version", "number", value=str(version.number)),
            date=Value(
                formats.date_format(published, "DATE_FORMAT"),
                "version",
                "published_at",
                value=published.date().isoformat(),
            ),
        )


def policy_page(*, agency: Agency, language: str, now: datetime) -> PolicyPage:
    """The agency's current policy in `language`, publishing a new version first when the
    configuration changed."""
    language = policy_language(language)
    version, rendering = _current(agency=agency, now=now)
    return PolicyPage(
        version=version,
        policy=rendering.policies[language],
        version_line=_version_line(version, language),
    )


def policy_page_for_slug(*, slug: str, language: str, now: datetime) -> PolicyPage:
    """The current policy of the agency with the short name `slug`. Raises NotFound."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise NotFound()
    return policy_page(agency=agency, language=language, now=now)


@dataclass(frozen=True)
class PolicyListing:
    name: str
    slug: str


def policy_landing(*, language: str, now: datetime) -> PolicyPage | list[PolicyListing]:
    """`/personvern/`: the policy of the only agency, or the list of agencies (name and
    short name only) when there are none or several."""
    agencies = list(Agency.objects.order_by("name")[:2])
    if len(agencies) == 1:
        return policy_page(agency=agencies[0], language=language, now=now)
    rows = Agency.objects.order_by("name").values_list("name", "slug")
    return [PolicyListing(name=name, slug=slug) for name, slug in rows]


@dataclass(frozen=True)
class PolicyOverview:
    """The manager's policy section: the current version, its preview and the history."""

    page: PolicyPage
    versions: list[PolicyVersion]


def policy_overview(*, agency: Agency, language: str, now: datetime) -> PolicyOverview:
    page = policy_page(agency=agency, language=language, now=now)
    return PolicyOverview(page=page, versions=policy_versions(agency=agency))
