"""Queueing and sending email (P-10).

`email_queue` renders the email, stores it in the outbox and hands it to the worker once
the transaction commits. It refuses an address of a restricted candidate (P-23) unless the
template may reach them (`EmailTemplate.reaches_restricted`): the guard is here, once, so
that no caller can forget it. `email_send` delivers one stored email; it is safe to run
twice.
"""

import logging
import smtplib
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.accounts.models import User
from fortrolig.audit.services import Actor, actor_for_user, record
from fortrolig.candidates.selectors import candidate_email_restricted
from fortrolig.core.errors import ApplicationError, ValidationFailed
from fortrolig.core.models import Agency

from . import registry
from .models import OutboundEmail
from .registry import ContextValue
from .suppression import email_suppressed

logger = logging.getLogger(__name__)

# Attempts per email, the first one included. A failure after the last one is final.
MAX_ATTEMPTS = 5

# The fields of an email that hold personal data, named in the audit events.
_AUDITED_FIELDS = ("recipient", "subject", "body_text", "body_html")


class EmailDeliveryDeferred(ApplicationError):
    """Sending failed for a reason that may pass (a connection error, a 4xx reply): the
    email is still queued and the caller should try again later."""

    status = 503
    code = "email_deferred"
    default_message = _("The email could not be sent yet. It will be tried again.")


class RecipientSuppressed(ApplicationError):
    """The address is on the suppression list and the email is marketing. The message
    names no address."""

    status = 409
    code = "recipient_suppressed"
    default_message = _("This address has opted out of marketing email.")


class RecipientRestricted(ApplicationError):
    """The address belongs to a candidate whose processing is restricted (P-23), and the
    template is not one that may reach them. The message names no address."""

    status = 409
    code = "recipient_restricted"
    default_message = _(
        "The processing of this person's information is restricted, so no email can be "
        "sent to them now."
    )


def email_queue(
    *,
    agency: Agency,
    to: str,
    template: str,
    context: Mapping[str, ContextValue],
    language: str,
    now: datetime,
    actor: Actor | None = None,
) -> OutboundEmail:
    """Render `template` in `language`, store the email and send it after the commit.

    `actor` is who caused the email; the system when not given.
    Raises EmailTemplateError for an unknown template, a context key the template does not
    declare (P-10), or an unsupported language, ValidationFailed for an invalid
    address, and RecipientRestricted for the address of one of the agency's restricted
    candidates (P-23) unless the template `reaches_restricted`, and RecipientSuppressed for
    a marketing template to an address on the suppression list. Nothing is stored then.
    """
    email_template = registry.get_template(template)
    recipient = to.strip()
    try:
        validate_email(recipient)
    except DjangoValidationError:
        # The address itself stays out of the message (house rule 8).
        raise ValidationFailed(
            _("The recipient's email address is not valid."),
            field_errors={"to": [str(_("Enter a valid email address."))]},
        ) from None
    if not email_template.reaches_restricted and candidate_email_restricted(
        agency=agency, email=recipient
    ):
        raise RecipientRestricted()
    if email_template.marketing and email_suppressed(agency=agency, email=recipient):
        raise RecipientSuppressed()
    rendered = registry.render(email_template, context, language=language)
    with transaction.atomic():
        email = OutboundEmail.objects.create(
            agency=agency,
            recipient=recipient,
            from_email=settings.DEFAULT_FROM_EMAIL,
            template=email_template.name,
            language=language,
            subject=rendered.subject,
            body_text=rendered.body_text,
            body_html=rendered.body_html,
        )
        record(
            agency=agency,
            actor=actor or Actor.system(),
            action="messaging.email.queued",
            subject=email,
            fields=_AUDITED_FIELDS,
            purpose=email_template.name,
            now=now,
        )
        email_id = str(email.id)

        def _enqueue() -> None:
            # Imported here: tasks imports this module.
            from .tasks import email_send_task

            email_send_task.delay(email_id)

        # robust: a broker outage must not turn a committed change into an error page. The
        # email then stays queued, and emails_requeue_stranded gives it a new task later.
        transaction.on_commit(_enqueue, robust=True)
    return email


def email_queue_test(
    *, agency: Agency, user: User, language: str, link: str, now: datetime
) -> OutboundEmail:
    """Queue the test email to the staff member who asked for it, and to no one else."""
    return email_queue(
        agency=agency,
        to=user.email,
        template=registry.STAFF_TEST.name,
        context={"agency_name": agency.name, "link": link},
        language=language,
        now=now,
        actor=actor_for_user(user),
    )


def _error_code(exc: Exception) -> tuple[str, bool]:
    """A short code for a sending failure, and whether it is permanent.

    The server's reply text is never kept: it often quotes the recipient's address.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return "recipient_refused", permanent
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "smtp_auth_failed", False
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender_refused_{exc.smtp_code}", False
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"smtp_{exc.smtp_code}", exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "smtp_disconnected", False
    if isinstance(exc, smtplib.SMTPException):
        return "smtp_error", False
    if isinstance(exc, TimeoutError):
        return "timeout", False
    return "connection_failed", False


def _deliver(email: OutboundEmail) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.recipient],
        headers={
            # RFC 3834: tells auto-responders not to answer a machine.
            "Auto-Submitted": "auto-generated",
            "Content-Language": email.language,
        },
        connection=get_connection(fail_silently=False),
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    message.send(fail_silently=False)


def _send_lease() -> timedelta:
    # Longer than the slowest conversation the SMTP backend allows, so that a claim outlives
    # any send that is still running; a claim left by a crashed worker expires after it.
    return timedelta(seconds=max(60, 3 * int(settings.EMAIL_TIMEOUT or 20)))


def _forgotten(email: OutboundEmail, *, final: bool) -> dict[str, str]:
    """The recipient cleared, for a template that forgets it, once nothing more will be
    sent (the erasure receipt: its recipient's data has just been erased)."""
    template = registry.find_template(email.template)
    if final and template is not None and template.forget_recipient:
        email.recipient = ""
        return {"recipient": ""}
    return {}


def email_send(*, email_id: uuid.UUID, now: datetime) -> OutboundEmail | None:
    """Send one queued email through the configured backend and record the outcome.

    Safe to run twice: an email that is sent, or failed for good, is not sent again, and
    while one worker sends an email, another that gets the same task backs off.
    Returns the email, or None when it no longer exists (erased).
    Raises EmailDeliveryDeferred when the email should be tried again later: after a
    failure that may pass while attempts remain (recorded first), or while another worker
    is sending it.

    The work is three short transactions, not one: the claim, the conversation with the
    mail server outside any transaction, and the outcome. Holding a row lock for the whole
    conversation would, on SQLite, hold the database's write lock for as long as the mail
    server takes (up to EMAIL_TIMEOUT), and every web request that writes would wait.
    A crash after the server accepted the email but before the outcome is stored can still
    send it twice once the claim expires; SMTP gives no way to avoid that.
    """
    with transaction.atomic():
        # The claim: a row lock on PostgreSQL; on SQLite, BEGIN IMMEDIATE (see the settings)
        # serialises it with every other writer.
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.QUEUED:
            return email
        if email.sending_until is not None and email.sending_until > now:
            raise EmailDeliveryDeferred(code="in_progress")
        email.attempts += 1
        email.sending_until = now + _send_lease()
        email.save(update_fields=["attempts", "sending_until", "updated_at"])

    try:
        _deliver(email)
    except (smtplib.SMTPException, OSError) as exc:
        code, permanent = _error_code(exc)
        final = permanent or email.attempts >= MAX_ATTEMPTS
        email.status = OutboundEmail.Status.FAILED if final else OutboundEmail.Status.QUEUED
        email.last_error = code
        email.sending_until = None
        with transaction.atomic():
            # update(), not save(): the email may have been erased meanwhile.
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=email.status,
                last_error=code,
                sending_until=None,
                updated_at=now,
                **_forgotten(email, final=final),
            )
        logger.warning(
            "email %s: attempt %s failed (%s)%s",
            email.id,
            email.attempts,
            code,
            ", giving up" if final else "",
        )
        if not final:
            raise EmailDeliveryDeferred(code=code) from None
        return email

    email.status = OutboundEmail.Status.SENT
    email.sent_at = now
    email.last_error = ""
    email.sending_until = None
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=email.status,
            sent_at=now,
            last_error="",
            sending_until=None,
            updated_at=now,
            **_forgotten(email, final=True),
        )
        # Sending hands the address and the content to the mail server: a disclosure.
        record(
            agency=email.agency_id,
            actor=Actor.system(),
            action="messaging.email.sent",
            subject=email,
            fields=_AUDITED_FIELDS,
            purpose=email.template,
            now=now,
        )
    return email


# An email still queued, never attempted, this long after it was stored lost its task:
# the broker was down at commit, or the message was lost.
STRANDED_AFTER = timedelta(minutes=10)


def emails_requeue_stranded(*, now: datetime, limit: int = 500) -> int:
    """Queue a task again for every email that was stored but never attempted. Returns how
    many were queued. Safe to run at any time: `email_send` is idempotent and leased."""
    stranded = [
        str(email_id)
        for email_id in OutboundEmail.objects.filter(
            status=OutboundEmail.Status.QUEUED,
            attempts=0,
            created_at__lt=now - STRANDED_AFTER,
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    ]
    from .tasks import email_send_task

    for email_id in stranded:
        email_send_task.delay(email_id)
    return len(stranded)
