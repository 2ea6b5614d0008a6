"""The email templates the system may send, and what each may be given (P-10).

A template declares the exact context keys it takes. Queueing an email with any other key,
or with a value that is not a plain value, is refused. This is how P-10 is kept in code: a
candidate's CV, a national identity number or a model instance cannot reach an email body,
because no template accepts it. Sensitive information travels behind a secure link instead.

Each template lives in `messaging/templates/messaging/email/<name>/` as `subject.txt`,
`body.txt` and `body.html`, and is rendered in the recipient's language.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.core.errors import ApplicationError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
SUBJECT_MAX_LENGTH = 255

# Plain values only. A model instance or a dict would let a template reach any attribute,
# including sensitive ones, so they are refused even under a declared key.
ContextValue = str | int | date | datetime | Promise
_ALLOWED_VALUE_TYPES = (str, int, date, datetime, Promise)


class EmailTemplateError(ApplicationError):
    """An email was asked for with a template or context the registry does not allow.

    This is a programming error, not bad user input, so it answers 500. The message names
    the template and the context keys, which are code, never values.
    """

    status = 500
    code = "email_template_invalid"
    default_message = _("The email could not be prepared.")


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    context_keys: frozenset[str]
    description: str = ""
    # P-23: an email to the address of a restricted candidate is refused (see
    # services.email_queue) unless its template sets this. Only two kinds do: an email that
    # serves the person's own rights (the restriction-lift notice, a privacy request's code
    # and extension), and an email to a staff member about their own login, which is not
    # processing of any candidate's data.
    reaches_restricted: bool = False
    # Marketing (job alerts, news): refused for an address on the suppression list
    # (messaging.suppression).
    marketing: bool = False
    # The address is cleared from the outbox once the email is sent or has failed for good:
    # for an email to a person whose data has just been erased (the erasure receipt).
    forget_recipient: bool = False

    def template_path(self, part: str) -> str:
        return f"messaging/email/{self.name}/{part}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


_registry: dict[str, EmailTemplate] = {}


def register(template: EmailTemplate) -> EmailTemplate:
    """Add a template to the registry. Raises ValueError for a bad or duplicate name."""
    if not NAME_PATTERN.match(template.name):
        raise ValueError("an email template name is a dotted code such as staff.test")
    existing = _registry.get(template.name)
    if existing is not None and existing != template:
        raise ValueError(f"email template {template.name} is registered twice, differently")
    _registry[template.name] = template
    return template


def get_template(name: str) -> EmailTemplate:
    """The registered template. Raises EmailTemplateError for an unknown name."""
    try:
        return _registry[name]
    except KeyError:
        raise EmailTemplateError(
            f"Unknown email template {name!r}.", code="email_template_unknown"
        ) from None


def find_template(name: str) -> EmailTemplate | None:
    """The registered template, or None (an email stored under a template since removed)."""
    return _registry.get(name)


def registered_templates() -> list[EmailTemplate]:
    return sorted(_registry.values(), key=lambda t: t.name)


def check_context(template: EmailTemplate, context: Mapping[str, ContextValue]) -> None:
    """Refuse a context that is not exactly the template's declared keys with plain values.

    Raises EmailTemplateError naming the undeclared or missing keys (never the values).
    """
    undeclared = sorted(set(context) - template.context_keys)
    if undeclared:
        raise EmailTemplateError(
            f"Email template {template.name!r} does not accept the context key(s) "
            f"{', '.join(undeclared)}.",
            code="email_context_undeclared",
        )
    missing = sorted(template.context_keys - set(context))
    if missing:
        # A missing key would render as an empty string without a word; refuse instead.
        raise EmailTemplateError(
            f"Email template {template.name!r} needs the context key(s) {', '.join(missing)}.",
            code="email_context_missing",
        )
    for key, value in context.items():
        if not isinstance(value, _ALLOWED_VALUE_TYPES):
            raise EmailTemplateError(
                f"Email template {template.name!r}: context key {key!r} must be a plain "
                "value (text, number or date).",
                code="email_context_value_invalid",
            )


def _supported_language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise EmailTemplateError(
            f"Emails are written in {', '.join(sorted(codes))}; not {language!r}.",
            code="email_language_unsupported",
        )
    return language


def render(
    template: EmailTemplate, context: Mapping[str, ContextValue], *, language: str
) -> RenderedEmail:
    """Render a template's subject and bodies in `language`, after checking the context.

    Raises EmailTemplateError for a context the template does not accept, an unsupported
    language, or a subject that is empty or too long.
    """
    check_context(template, context)
    with translation.override(_supported_language(language)):
        # A copy for each part: rendering writes into the dict it is given (for example
        # {% get_current_language as LANGUAGE_CODE %}), and the caller's dict stays theirs.
        raw_subject = render_to_string(template.template_path("subject.txt"), dict(context))
        body_text = render_to_string(template.template_path("body.txt"), dict(context))
        body_html = render_to_string(template.template_path("body.html"), dict(context))
    # A header is one line: the template may wrap for readability, the subject may not.
    subject = " ".join(raw_subject.split())
    if not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise EmailTemplateError(
            f"Email template {template.name!r} rendered an empty or too long subject.",
            code="email_subject_invalid",
        )
    return RenderedEmail(subject=subject, body_text=body_text.strip() + "\n", body_html=body_html)


# The templates. Each one declares exactly what it may be given.

STAFF_TEST = register(
    EmailTemplate(
        name="staff.test",
        reaches_restricted=True,
        context_keys=frozenset({"agency_name", "link"}),
        description="A test email that a manager sends to themselves from the outbox.",
    )
)
RECOVERY_CODES_REGENERATED = register(
    EmailTemplate(
        name="account.recovery_codes_regenerated",
        reaches_restricted=True,
        context_keys=frozenset({"link", "occurred_at"}),
        description="Tells a staff member that their recovery codes were regenerated.",
    )
)
APPLICATION_RECEIVED = register(
    EmailTemplate(
        name="application.received",
        context_keys=frozenset(
            {"agency_name", "ad_title", "reply_email", "retention_months", "link"}
        ),
        description=(
            "Confirms to an applicant that their application arrived, names the reply "
            "address and what happens next, and links the privacy notice. Nothing the "
            "applicant typed, and nothing sensitive."
        ),
    )
)
RETENTION_RENEWAL_NOTICE = register(
    EmailTemplate(
        name="retention.renewal_notice",
        context_keys=frozenset(
            {"agency_name", "deadline", "extension_months", "link", "reply_email"}
        ),
        description=(
            "Asks a candidate, 30 and 7 days before their retention deadline, whether the "
            "agency may keep their information longer (P-18). Only the agency's name, the "
            "date and a signed link: nothing about the candidate."
        ),
    )
)
BACKGROUND_CHECK_NOTICE = register(
    EmailTemplate(
        name="background_check.notice",
        context_keys=frozenset(
            {"agency_name", "check_kind", "position_title", "client_name", "reply_email", "link"}
        ),
        description=(
            "Tells a candidate, before it is collected, which background check (police "
            "certificate, security clearance or credit check) the agency will ask for, for "
            "which recruitment, and that it is destroyed when the assignment ends (P-07). "
            "The client's name is empty while the client is confidential and not released "
            "(P-15); `link` is the privacy notice. Nothing sensitive, and no document."
        ),
    )
)

# Data-subject requests (P-24), written by the requests work. Nothing about the person:
# the code and the new date with the staff's reason.
PRIVACY_REQUEST_CODE = register(
    EmailTemplate(
        name="privacy.request_code",
        reaches_restricted=True,
        context_keys=frozenset({"agency_name", "code", "deadline", "reply_email", "link"}),
        description=(
            "Sends the six-digit code that confirms a privacy request made by email, to the "
            "address on file (P-24). Holds no data about the person: the code, its expiry "
            "date and the privacy notice."
        ),
    )
)
PRIVACY_REQUEST_EXTENDED = register(
    EmailTemplate(
        name="privacy.request_extended",
        reaches_restricted=True,
        context_keys=frozenset({"agency_name", "deadline", "reason", "reply_email", "link"}),
        description=(
            "Tells a person, before the first due date, that the answer to their privacy "
            "request is extended, to which date and why (P-24). No data about them."
        ),
    )
)
# --- erasure and restriction (privacy.restriction) ---
ERASURE_RECEIPT = register(
    EmailTemplate(
        name="privacy.erasure_receipt",
        reaches_restricted=True,
        forget_recipient=True,
        context_keys=frozenset(
            {"agency_name", "erased_on", "reference", "kept", "reply_email", "link"}
        ),
        description=(
            "The receipt of an erasure (P-22): the date, the receipt's reference, and what "
            "must be kept under which rule until when (P-25). No data about the person; the "
            "address is cleared from the outbox once the email has gone."
        ),
    )
)
RESTRICTION_LIFT_NOTICE = register(
    EmailTemplate(
        name="privacy.restriction_lift_notice",
        reaches_restricted=True,
        context_keys=frozenset({"agency_name", "reply_email", "link"}),
        description=(
            "Tells a person, before it happens, that the restriction of the processing of "
            "their information is lifted (P-23). Only the agency's name, reply address and "
            "`link` to the privacy notice."
        ),
    )
)
