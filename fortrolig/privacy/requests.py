"""Data-subject requests (P-24, P-21 staff side, P-25): services and selectors.

A request records its kind, channel, whom it is about, how the person was identified, when
it was received and when it is due: the same day of the next calendar month in Europe/Oslo,
or that month's last day. An extension of one or two more months is possible once, before
the first due date, with a reason and a notice to the person. The answer ends the request;
a refusal or a limited answer names the rule (P-25).

A request made by email from an address that is not verified waits for a six-digit code,
sent to the address on file (never to an address typed in): nothing about the person is
disclosed before the code is confirmed. An objection to marketing takes effect at once:
every active job-alert consent is withdrawn.

Every step adds a `RequestEvent` (a code) and an audit event about the request in the same
transaction. Neither holds personal values.
"""

import calendar
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, record
from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import ClientContact
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import Conflict, NotFound, Throttled, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.messaging.models import SuppressionReason
from fortrolig.messaging.suppression import suppression_add
from fortrolig.staffing.models import Employment

from .models import (
    ConsentPurpose,
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RequestSubjectType,
)

__all__ = [
    "CODE_ATTEMPTS_MAX",
    "CODE_VALID_FOR",
    "QueueRow",
    "RequestDetail",
    "ResponseRule",
    "request_access_export",
    "request_due_on",
    "request_erase",
    "request_extend",
    "request_get",
    "request_identity_confirm",
    "request_identity_verify",
    "request_open",
    "request_rectify",
    "request_register",
    "request_respond",
    "requests_queue",
]

OSLO = ZoneInfo("Europe/Oslo")
CODE_VALID_FOR = timedelta(days=7)
CODE_ATTEMPTS_MAX = 5
EXTENSION_MONTHS_MAX = 2
DETAILS_MAX = 5000
RESPONSE_MAX = 20_000
REASON_MAX = 2000
EMAIL_LANGUAGE = "nb"
TEMPLATE_CODE = "privacy.request_code"
TEMPLATE_ERASURE_RECEIPT = "privacy.erasure_receipt"
TEMPLATE_EXTENSION = "privacy.request_extended"

_CLOSED = (RequestStatus.DONE, RequestStatus.REFUSED)
_ANSWERABLE = (RequestStatus.OPEN, RequestStatus.EXTENDED)


class ResponseRule(models.TextChoices):
    """The rule that limits a right, named in a refusal or a limited answer (P-25)."""

    PAYROLL_RETENTION = (
        "bokforingsloven_13",
        _(
            "The Bookkeeping Act (bokføringsloven § 13): payroll and accounting records are "
            "kept for five years after the end of the financial year."
        ),
    )
    ONGOING_AGREEMENT = (
        "ongoing_agreement",
        _("The data is needed to fulfil an ongoing agreement with you (GDPR Article 6(1)(b))."),
    )
    LEGAL_CLAIMS = (
        "legal_claims",
        _("The data is needed to establish, exercise or defend legal claims (GDPR Art. 17(3)(e))."),
    )
    NOT_IDENTIFIED = (
        "not_identified",
        _("We could not confirm who you are (GDPR Article 12(6))."),
    )
    UNFOUNDED = (
        "unfounded",
        _("The request is manifestly unfounded or excessive (GDPR Article 12(5))."),
    )
    OTHERS_RIGHTS = (
        "others_rights",
        _("Answering in full would disclose other people's data (GDPR Article 15(4))."),
    )


# What each event code means, for the history and the queue's "what is done".
EVENT_LABELS: dict[str, Promise] = {
    "registered": _("Registered"),
    "identity.code_sent": _("Code sent to the address on file"),
    "identity.code_failed": _("Wrong code entered"),
    "identity.verified": _("Identity verified"),
    "extended": _("Deadline extended, notice sent"),
    "rectified": _("Data corrected"),
    "objection.marketing_applied": _("Marketing stopped"),
    "exported": _("Access export downloaded"),
    "erased": _("Data erased, receipt made"),
    "receipt_sent": _("Receipt emailed to the person"),
    "responded.done": _("Answered"),
    "responded.refused": _("Refused"),
}

MSG_KIND = _("Choose what the person asks for.")
MSG_CHANNEL = _("Choose how the request arrived.")
MSG_SUBJECT_TYPE = _("Choose whom the request is about.")
MSG_IDENTITY = _("Choose how the person's identity was checked.")
MSG_IDENTITY_CODE_MANUAL = _(
    "A code check is done by sending a code: leave the identity check empty for a request by email."
)
MSG_DETAILS_LONG = _("The details are too long.")
MSG_NO_EMAIL_ON_FILE = _(
    "There is no email address on file for this person, so no code can be sent. Check "
    "their identity another way."
)
MSG_REASON = _("Give the reason for the extension.")
MSG_REASON_LONG = _("The reason is too long.")
MSG_MONTHS = _("An extension is one or two months.")
MSG_RESPONSE = _("Write the answer to the person.")
MSG_RESPONSE_LONG = _("The answer is too long.")
MSG_STATUS = _("Choose whether the request is answered or refused.")
MSG_RULE = _("A refusal names the rule that allows it.")
MSG_RULE_UNKNOWN = _("Choose one of the listed rules.")
MSG_CODE = _("The code is not correct.")
MSG_CHANGES = _("Name at least one field to correct.")
MSG_FIELD = _("This field cannot be corrected here.")


class RequestClosed(Conflict):
    code = "request_closed"
    default_message = _("This request is already answered.")


class ExtensionNotAllowed(Conflict):
    code = "extension_not_allowed"
    default_message = _(
        "The deadline can be extended only once, before the first due date, and only while "
        "the request is open."
    )


class IdentityNotVerified(Conflict):
    code = "identity_not_verified"
    default_message = _("Verify the person's identity first.")


class IdentityNotAwaited(Conflict):
    code = "identity_not_awaited"
    default_message = _("This request is not waiting for an identity check.")


class CodeExpired(Conflict):
    code = "code_expired"
    default_message = _("The code has expired. Register the request again to send a new code.")


class CodeAttemptsExceeded(Throttled):
    code = "code_attempts_exceeded"
    default_message = _(
        "The code was entered wrong too many times. Check the person's identity another way."
    )


class RectificationNotPossible(Conflict):
    code = "rectification_not_possible"
    default_message = _(
        "Only a candidate's data can be corrected from a rectification request here."
    )


class SubjectGone(Conflict):
    code = "subject_gone"
    default_message = _("The person this request is about is no longer in the system.")


# --- helpers ------------------------------------------------------------------------------


def _invalid(field: str, message: Promise) -> ValidationFailed:
    return ValidationFailed(message, field_errors={field: [str(message)]})


def _refuse(errors: dict[str, list[str]]) -> None:
    if not errors:
        return
    messages = [message for field_messages in errors.values() for message in field_messages]
    raise ValidationFailed(
        messages[0] if len(messages) == 1 else ValidationFailed.default_message,
        field_errors=errors,
    )


def _user_id(actor: Actor) -> uuid.UUID | None:
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    return actor.id if get_user_model().objects.filter(pk=actor.id).exists() else None


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months on, clamped to that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oslo_date(moment: datetime) -> date:
    return require_aware(moment).astimezone(OSLO).date()


def request_due_on(received_at: datetime, *, months: int = 1) -> date:
    """The due date of a request received at `received_at`: the same day `months` calendar
    months later in Europe/Oslo, or that month's last day when the day does not exist."""
    return add_months(oslo_date(received_at), months)


def _event(
    request: DataSubjectRequest, *, action: str, actor: Actor, now: datetime, fields: Any = ()
) -> None:
    RequestEvent.objects.create(request=request, at=now, action=action, actor_id=_user_id(actor))
    record(
        agency=request.agency_id,
        actor=actor,
        action=f"privacy.request.{action.replace('.', '_')}",
        subject=request,
        fields=fields,
        purpose=request.kind,
        now=now,
    )


Subject = Candidate | ClientContact | Employment


def _subject(agency: Agency, subject_type: str, subject_id: uuid.UUID) -> Subject:
    if subject_type == RequestSubjectType.CANDIDATE:
        candidate = Candidate.objects.filter(agency=agency, pk=subject_id).first()
        if candidate is not None:
            return candidate
    elif subject_type == RequestSubjectType.CLIENT_CONTACT:
        contact = ClientContact.objects.filter(agency=agency, pk=subject_id).first()
        if contact is not None:
            return contact
    elif subject_type == RequestSubjectType.EMPLOYEE:
        employment = Employment.objects.filter(agency=agency, pk=subject_id).first()
        if employment is not None:
            return employment
    raise NotFound()


def _subject_of(request: DataSubjectRequest) -> Subject:
    if request.candidate_id is not None:
        candidate = Candidate.objects.filter(
            agency_id=request.agency_id, pk=request.candidate_id
        ).first()
        if candidate is not None:
            return candidate
    if request.client_contact_id is not None:
        contact = ClientContact.objects.filter(
            agency_id=request.agency_id, pk=request.client_contact_id
        ).first()
        if contact is not None:
            return contact
    if request.subject_type == RequestSubjectType.EMPLOYEE:
        employment = Employment.objects.filter(
            agency_id=request.agency_id, pk=request.subject_id
        ).first()
        if employment is not None:
            return employment
    raise SubjectGone()


def _policy_link(agency: Agency) -> str:
    path = reverse("policy:agency", kwargs={"slug": agency.slug})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _code_hash(request_id: uuid.UUID, code: str) -> str:
    return keyed_hash(code, purpose=f"privacy.request.code:{request_id}")


def _locked(agency: Agency, request_id: uuid.UUID) -> DataSubjectRequest:
    request = (
        DataSubjectRequest.objects.select_for_update().filter(agency=agency, pk=request_id).first()
    )
    if request is None:
        raise NotFound()
    return request


# --- services -----------------------------------------------------------------------------


def request_register(
    *,
    agency: Agency,
    actor: Actor,
    kind: str,
    channel: str,
    subject_type: str,
    subject_id: uuid.UUID,
    details: str,
    identity_method: str | None,
    now: datetime,
    marketing: bool = False,
) -> DataSubjectRequest:
    """Register a request received at `now` about a person of `agency`.

    With an identity check given, the request is open and verified by the actor at `now`.
    Without one, it waits for the check; by email, a six-digit code goes to the address on
    file (the email holds nothing about the person) and expires in seven days. An objection
    to marketing (`marketing=True`) takes effect at once: every active job-alert consent is
    withdrawn and the request is answered.

    Raises ValidationFailed (nothing stored) for bad input or, for a code, no address on
    file; NotFound for a person outside the agency.
    """
    require_aware(now)
    details = (details or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors.setdefault("kind", []).append(str(MSG_KIND))
    if channel not in RequestChannel.values:
        errors.setdefault("channel", []).append(str(MSG_CHANNEL))
    if subject_type not in RequestSubjectType.values:
        errors.setdefault("subject_type", []).append(str(MSG_SUBJECT_TYPE))
    if identity_method is not None and identity_method not in IdentityMethod.values:
        errors.setdefault("identity_method", []).append(str(MSG_IDENTITY))
    if identity_method == IdentityMethod.EMAIL_CODE:
        errors.setdefault("identity_method", []).append(str(MSG_IDENTITY_CODE_MANUAL))
    if len(details) > DETAILS_MAX:
        errors.setdefault("details", []).append(str(MSG_DETAILS_LONG))
    _refuse(errors)
    marketing_objection = kind == RequestKind.OBJECTION and marketing

    with transaction.atomic():
        subject = _subject(agency, subject_type, subject_id)
        send_code = identity_method is None and channel == RequestChannel.EMAIL
        if send_code and not marketing_objection and not subject.email:
            raise _invalid("identity_method", MSG_NO_EMAIL_ON_FILE)
        request = DataSubjectRequest(
            agency=agency,
            kind=kind,
            channel=channel,
            subject_type=subject_type,
            subject_id=subject.pk,
            candidate=subject if isinstance(subject, Candidate) else None,
            client_contact=subject if isinstance(subject, ClientContact) else None,
            received_at=now,
            due_on=request_due_on(now, months=agency.config.request_due_months),
            details=details,
            handled_by_id=_user_id(actor),
        )
        if identity_method:
            request.status = RequestStatus.OPEN
            request.identity_method = identity_method
            request.identity_verified_at = now
            request.identity_verified_by_id = _user_id(actor)
        else:
            request.status = RequestStatus.AWAITING_IDENTITY
        request.save()
        fields = ["kind", "channel", "subject_id", "received_at", "due_on"]
        if details:
            fields.append("details")
        _event(request, action="registered", actor=actor, now=now, fields=fields)
        if identity_method:
            _event(
                request,
                action="identity.verified",
                actor=actor,
                now=now,
                fields=["identity_method"],
            )
        if marketing_objection:
            _marketing_stop(request, subject=subject, actor=actor, now=now)
        elif send_code:
            _code_send(request, subject=subject, actor=actor, now=now)
    return request


def _marketing_stop(
    request: DataSubjectRequest, *, subject: Subject, actor: Actor, now: datetime
) -> None:
    from .consents import consent_withdraw, consents_active

    lookup: dict[str, Any] | None
    if isinstance(subject, Candidate):
        lookup = {"candidate_id": subject.pk}
    elif isinstance(subject, ClientContact):
        lookup = {"client_contact_id": subject.pk}
    else:
        # An employee's job alerts are the consents of the candidate behind the employment.
        lookup = {"candidate_id": subject.candidate_id} if subject.candidate_id else None
    consent_ids = (
        list(
            consents_active(
                agency=request.agency, now=now, purpose=ConsentPurpose.JOB_ALERTS, **lookup
            ).values_list("id", flat=True)
        )
        if lookup
        else []
    )
    for consent_id in consent_ids:
        consent_withdraw(agency=request.agency, actor=actor, consent_id=consent_id, now=now)
    # The suppression list makes it hold for every address-based marketing email, also
    # after the person's records are erased.
    suppression_add(
        agency=request.agency,
        actor=actor,
        email=subject.email,
        reason=SuppressionReason.OBJECTION,
        now=now,
    )
    with override(EMAIL_LANGUAGE):
        request.response = str(
            _("Your objection to marketing took effect at once: we send you no job alerts.")
        )
    request.status = RequestStatus.DONE
    request.responded_at = now
    request.save(update_fields=["response", "status", "responded_at", "updated_at"])
    _event(
        request,
        action="objection.marketing_applied",
        actor=actor,
        now=now,
        fields=["status", "response", "responded_at"],
    )


def _code_send(
    request: DataSubjectRequest, *, subject: Subject, actor: Actor, now: datetime
) -> None:
    from fortrolig.messaging.services import email_queue

    code = f"{secrets.randbelow(1_000_000):06d}"
    request.verification_code_hash = _code_hash(request.id, code)
    request.verification_code_expires_at = now + CODE_VALID_FOR
    request.verification_attempts = 0
    request.save(
        update_fields=[
            "verification_code_hash",
            "verification_code_expires_at",
            "verification_attempts",
            "updated_at",
        ]
    )
    agency = request.agency
    # The address on file, never one typed in with the request.
    email_queue(
        agency=agency,
        to=subject.email,
        template=TEMPLATE_CODE,
        context={
            "agency_name": agency.name,
            "code": code,
            "deadline": oslo_date(now + CODE_VALID_FOR),
            "reply_email": agency.contact_email,
            "link": _policy_link(agency),
        },
        language=EMAIL_LANGUAGE,
        now=now,
        actor=actor,
    )
    _event(
        request,
        action="identity.code_sent",
        actor=actor,
        now=now,
        fields=["verification_code_hash", "verification_code_expires_at"],
    )


def request_identity_confirm(
    *, agency: Agency, actor: Actor, request_id: uuid.UUID, code: str, now: datetime
) -> DataSubjectRequest:
    """Confirm the code sent to the address on file; the request opens.

    Raises NotFound; IdentityNotAwaited; CodeExpired; CodeAttemptsExceeded after five wrong
    codes; ValidationFailed for a wrong code (the attempt is counted).
    """
    require_aware(now)
    code = (code or "").strip().replace(" ", "")
    wrong = False
    with transaction.atomic():
        request = _locked(agency, request_id)
        if request.status != RequestStatus.AWAITING_IDENTITY or not request.verification_code_hash:
            raise IdentityNotAwaited()
        if request.verification_attempts >= CODE_ATTEMPTS_MAX:
            raise CodeAttemptsExceeded()
        expires = request.verification_code_expires_at
        if expires is None or expires <= now:
            raise CodeExpired()
        if code.isdigit() and hmac.compare_digest(
            _code_hash(request.id, code), request.verification_code_hash
        ):
            request.status = RequestStatus.OPEN
            request.identity_method = IdentityMethod.EMAIL_CODE
            request.identity_verified_at = now
            request.identity_verified_by_id = _user_id(actor)
            request.verification_code_hash = ""
            request.verification_code_expires_at = None
            request.save()
            _event(
                request,
                action="identity.verified",
                actor=actor,
                now=now,
                fields=["identity_method", "identity_verified_at"],
            )
        else:
            # Counted and committed: the attempt must stick even though the call fails.
            wrong = True
            request.verification_attempts += 1
            request.save(update_fields=["verification_attempts", "updated_at"])
            _event(
                request,
                action="identity.code_failed",
                actor=actor,
                now=now,
                fields=["verification_attempts"],
            )
    if wrong:
        if request.verification_attempts >= CODE_ATTEMPTS_MAX:
            raise CodeAttemptsExceeded()
        raise _invalid("code", MSG_CODE)
    return request


def request_identity_verify(
    *, agency: Agency, actor: Actor, request_id: uuid.UUID, method: str, now: datetime
) -> DataSubjectRequest:
    """Record that staff checked the person's identity another way (a document seen, a
    known contact); the request opens. Raises NotFound, ValidationFailed and
    IdentityNotAwaited."""
    require_aware(now)
    if method not in IdentityMethod.values or method == IdentityMethod.EMAIL_CODE:
        raise _invalid("method", MSG_IDENTITY)
    with transaction.atomic():
        request = _locked(agency, request_id)
        if request.status != RequestStatus.AWAITING_IDENTITY:
            raise IdentityNotAwaited()
        request.status = RequestStatus.OPEN
        request.identity_method = method
        request.identity_verified_at = now
        request.identity_verified_by_id = _user_id(actor)
        request.verification_code_hash = ""
        request.verification_code_expires_at = None
        request.save()
        _event(
            request,
            action="identity.verified",
            actor=actor,
            now=now,
            fields=["identity_method", "identity_verified_at"],
        )
    return request


def request_extend(
    *,
    agency: Agency,
    actor: Actor,
    request_id: uuid.UUID,
    reason: str,
    months: int,
    now: datetime,
) -> DataSubjectRequest:
    """Extend the deadline by one or two months (P-24), once, while the request is open and
    before its first due date (Oslo date). The person is told the new date and the reason
    by email, to the address on file; nothing else about them is in it.

    Raises NotFound; ValidationFailed for no reason or a bad number of months (nothing
    changed); ExtensionNotAllowed after the due date, a second time, or when not open;
    SubjectGone.
    """
    require_aware(now)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors.setdefault("reason", []).append(str(MSG_REASON))
    elif len(reason) > REASON_MAX:
        errors.setdefault("reason", []).append(str(MSG_REASON_LONG))
    if isinstance(months, bool) or months not in range(1, EXTENSION_MONTHS_MAX + 1):
        errors.setdefault("months", []).append(str(MSG_MONTHS))
    _refuse(errors)
    from fortrolig.messaging.services import email_queue

    with transaction.atomic():
        request = _locked(agency, request_id)
        if request.status in _CLOSED:
            raise RequestClosed()
        if (
            request.status != RequestStatus.OPEN
            or request.extended_due_on is not None
            or oslo_date(now) > request.due_on
        ):
            raise ExtensionNotAllowed()
        subject = _subject_of(request)
        if not subject.email:
            raise _invalid("reason", MSG_NO_EMAIL_ON_FILE)
        new_due = add_months(
            oslo_date(request.received_at), agency.config.request_due_months + months
        )
        if new_due <= request.due_on:
            # The agency's period changed after the request arrived: count from its due date.
            new_due = add_months(request.due_on, months)
        request.extended_due_on = new_due
        request.extension_reason = reason
        request.extension_notice_at = now
        request.status = RequestStatus.EXTENDED
        request.save(
            update_fields=[
                "extended_due_on",
                "extension_reason",
                "extension_notice_at",
                "status",
                "updated_at",
            ]
        )
        email_queue(
            agency=agency,
            to=subject.email,
            template=TEMPLATE_EXTENSION,
            context={
                "agency_name": agency.name,
                "deadline": new_due,
                "reason": reason,
                "reply_email": agency.contact_email,
                "link": _policy_link(agency),
            },
            language=EMAIL_LANGUAGE,
            now=now,
            actor=actor,
        )
        _event(
            request,
            action="extended",
            actor=actor,
            now=now,
            fields=["extended_due_on", "extension_reason", "extension_notice_at", "status"],
        )
    return request


def rule_text(rule: str) -> str:
    """The rule's wording in the language of the answers."""
    with override(EMAIL_LANGUAGE):
        return str(ResponseRule(rule).label)


def request_respond(
    *,
    agency: Agency,
    actor: Actor,
    request_id: uuid.UUID,
    status: str,
    response: str,
    now: datetime,
    rule: str = "",
) -> DataSubjectRequest:
    """Answer the request: done, or refused. A refusal must name the rule that allows it,
    and a limited answer may (P-25); the rule's wording is added to the answer.

    Raises NotFound; ValidationFailed for no answer, an unknown status or rule, or a
    refusal without a rule (nothing changed); RequestClosed; IdentityNotVerified for an
    answer (not a refusal) while the identity is not checked.
    """
    require_aware(now)
    response = (response or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in (RequestStatus.DONE, RequestStatus.REFUSED):
        errors.setdefault("status", []).append(str(MSG_STATUS))
    if not response:
        errors.setdefault("response", []).append(str(MSG_RESPONSE))
    elif len(response) > RESPONSE_MAX:
        errors.setdefault("response", []).append(str(MSG_RESPONSE_LONG))
    if rule and rule not in ResponseRule.values:
        errors.setdefault("rule", []).append(str(MSG_RULE_UNKNOWN))
    elif status == RequestStatus.REFUSED and not rule:
        errors.setdefault("rule", []).append(str(MSG_RULE))
    _refuse(errors)
    with transaction.atomic():
        request = _locked(agency, request_id)
        if request.status in _CLOSED:
            raise RequestClosed()
        if status == RequestStatus.DONE and request.status not in _ANSWERABLE:
            raise IdentityNotVerified()
        request.response = f"{response}\n\n{rule_text(rule)}" if rule else response
        request.status = status
        request.responded_at = now
        request.handled_by_id = _user_id(actor) or request.handled_by_id
        request.save(
            update_fields=["response", "status", "responded_at", "handled_by", "updated_at"]
        )
        RequestEvent.objects.create(
            request=request, at=now, action=f"responded.{status}", actor_id=_user_id(actor)
        )
        record(
            agency=agency,
            actor=actor,
            action=f"privacy.request.responded_{status}",
            subject=request,
            fields=["response", "status", "responded_at"],
            purpose=rule or request.kind,
            now=now,
        )
    return request


def request_rectify(
    *,
    agency: Agency,
    actor: Actor,
    request_id: uuid.UUID,
    changes: Mapping[str, Any],
    now: datetime,
) -> DataSubjectRequest:
    """Correct a candidate's data from a rectification request (P-21), through the
    candidate services, and record `privacy.request.rectified` against the request with the
    names of the corrected fields.

    Raises NotFound; IdentityNotVerified; RequestClosed; RectificationNotPossible (not a
    rectification, or not about a candidate); SubjectGone; ValidationFailed (nothing
    changed).
    """
    from fortrolig.candidates.services import EDITABLE_FIELDS, candidate_patch

    require_aware(now)
    if not changes:
        raise _invalid("changes", MSG_CHANGES)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(MSG_FIELD, field_errors={name: [str(MSG_FIELD)] for name in unknown})
    with transaction.atomic():
        request = _locked(agency, request_id)
        if request.status in _CLOSED:
            raise RequestClosed()
        if request.status not in _ANSWERABLE:
            raise IdentityNotVerified()
        if request.kind != RequestKind.RECTIFICATION:
            raise RectificationNotPossible()
        if request.subject_type != RequestSubjectType.CANDIDATE:
            raise RectificationNotPossible()
        if request.candidate_id is None:
            raise SubjectGone()
        candidate_patch(
            agency=agency,
            actor=actor,
            candidate_id=request.candidate_id,
            changes=changes,
            now=now,
        )
        _event(request, action="rectified", actor=actor, now=now, fields=sorted(changes))
    return request


class WrongKind(Conflict):
    code = "request_wrong_kind"
    default_message = _("This action does not fit this kind of request.")


_EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)


def _fulfillable(request: DataSubjectRequest, kinds: tuple[str, ...]) -> None:
    if request.status in _CLOSED:
        raise RequestClosed()
    if request.status not in _ANSWERABLE:
        # Nothing about the person is disclosed or changed before the identity check.
        raise IdentityNotVerified()
    if request.kind not in kinds:
        raise WrongKind()


def request_access_export(
    *, agency: Agency, actor: Actor, request_id: uuid.UUID, language: str, now: datetime
) -> Any:
    """The access export (P-20) for an access or portability request whose identity is
    verified, recorded against the request. Returns the export service's result (with
    `.zip_bytes`). Raises NotFound, IdentityNotVerified, RequestClosed, WrongKind,
    SubjectGone."""
    from .access_export import subject_export

    require_aware(now)
    with transaction.atomic():
        request = _locked(agency, request_id)
        _fulfillable(request, _EXPORT_KINDS)
        _subject_of(request)
        result = subject_export(
            agency=agency,
            actor=actor,
            subject_type=request.subject_type,
            subject_id=request.subject_id,
            language=language,
            now=now,
        )
        _event(request, action="exported", actor=actor, now=now)
    return result


def request_erase(
    *, agency: Agency, actor: Actor, request_id: uuid.UUID, now: datetime
) -> DataSubjectRequest:
    """Carry out an erasure request (P-22) through the erasure service and answer it: done,
    with what was kept under which rule. Raises NotFound, IdentityNotVerified,
    RequestClosed, WrongKind, SubjectGone, and the erasure service's ErasureLimited
    (nothing changed) when the law or an ongoing agreement requires the data (P-25)."""
    from .erasure import subject_erase

    require_aware(now)
    with transaction.atomic():
        request = _locked(agency, request_id)
        _fulfillable(request, (RequestKind.ERASURE,))
        # Read before the erasure: the receipt goes to the address on file.
        address = _subject_of(request).email
        receipt = subject_erase(
            agency=agency,
            actor=actor,
            subject_type=request.subject_type,
            subject_id=request.subject_id,
            request_id=request.id,
            now=now,
        )
        with override(EMAIL_LANGUAGE):
            kept = kept_lines(receipt.kept)
            lines = [str(_("Your personal data has been erased.")), *kept]
        request.response = "\n\n".join(lines)
        request.status = RequestStatus.DONE
        request.responded_at = now
        request.handled_by_id = _user_id(actor) or request.handled_by_id
        request.save(
            update_fields=["response", "status", "responded_at", "handled_by", "updated_at"]
        )
        _event(
            request,
            action="erased",
            actor=actor,
            now=now,
            fields=["status", "response", "responded_at"],
        )
        if address:
            _receipt_send(request, receipt_id=receipt.id, kept=kept, address=address, now=now)
            _event(request, action="receipt_sent", actor=actor, now=now)
    return request


def _receipt_send(
    request: DataSubjectRequest,
    *,
    receipt_id: uuid.UUID,
    kept: list[str],
    address: str,
    now: datetime,
) -> None:
    """The person's receipt (P-22): when, the reference, and what is kept under which rule
    (P-25). The outbox forgets the address once the email has gone."""
    from fortrolig.messaging.services import email_queue

    agency = request.agency
    email_queue(
        agency=agency,
        to=address,
        template=TEMPLATE_ERASURE_RECEIPT,
        context={
            "agency_name": agency.name,
            "erased_on": oslo_date(now),
            "reference": str(receipt_id),
            "kept": "\n".join(kept),
            "reply_email": agency.contact_email,
            "link": _policy_link(agency),
        },
        language=EMAIL_LANGUAGE,
        now=now,
        actor=Actor.system(),
    )


def kept_lines(kept: list[dict[str, str]]) -> list[str]:
    """The answer's account of what an erasure kept (P-25): each rule once, with the date
    its clock runs out when that is known. Call it in the language of the answer."""
    until_by_rule: dict[str, str] = {}
    for item in kept:
        rule = str(item.get("rule", ""))
        if rule in ResponseRule.values:
            until_by_rule[rule] = max(until_by_rule.get(rule, ""), str(item.get("until") or ""))
    lines = []
    for rule, until in sorted(until_by_rule.items()):
        line = str(_("Kept for now:")) + " " + str(ResponseRule(rule).label)
        if until:
            day = formats.date_format(date.fromisoformat(until), "DATE_FORMAT")
            line += " " + str(_("It will be erased on %(date)s.") % {"date": day})
        lines.append(line)
    return lines


# --- selectors ----------------------------------------------------------------------------


def effective_due(request: DataSubjectRequest) -> date:
    return request.extended_due_on or request.due_on


def is_overdue(request: DataSubjectRequest, *, today: date) -> bool:
    return request.status not in _CLOSED and today > effective_due(request)


@dataclass(frozen=True)
class QueueRow:
    request: DataSubjectRequest
    due: date
    overdue: bool
    days_left: int
    done: list[str]


def requests_queue(
    *, agency: Agency, now: datetime, include_closed: bool = False, status: str = ""
) -> list[QueueRow]:
    """The agency's requests, earliest effective due date first, with overdue ones flagged
    (Oslo today after the due date, not answered) and what is done for each."""
    today = oslo_date(now)
    requests = DataSubjectRequest.objects.filter(agency=agency)
    if status:
        requests = requests.filter(status=status)
    elif not include_closed:
        requests = requests.exclude(status__in=_CLOSED)
    requests = requests.annotate(effective_due=Coalesce("extended_due_on", "due_on")).order_by(
        "effective_due", "received_at", "id"
    )[:500]
    rows = list(requests)
    done: dict[uuid.UUID, list[str]] = {row.id: [] for row in rows}
    events = (
        RequestEvent.objects.filter(request_id__in=done.keys())
        .order_by("at", "created_at")
        .values_list("request_id", "action")
    )
    for request_id, action in events:
        label = str(EVENT_LABELS.get(action, action))
        if label not in done[request_id]:
            done[request_id].append(label)
    return [
        QueueRow(
            request=row,
            due=effective_due(row),
            overdue=is_overdue(row, today=today),
            days_left=(effective_due(row) - today).days,
            done=done[row.id],
        )
        for row in rows
    ]


def request_get(*, agency: Agency, request_id: uuid.UUID) -> DataSubjectRequest:
    """One request of `agency`. Raises NotFound (also for another agency's request)."""
    request = DataSubjectRequest.objects.filter(agency=agency, pk=request_id).first()
    if request is None:
        raise NotFound()
    return request


@dataclass(frozen=True)
class RequestDetail:
    request: DataSubjectRequest
    due: date
    overdue: bool
    can_extend: bool
    events: list[tuple[RequestEvent, str]]
    # Whether the person's record is still there (an employment has no foreign key here).
    subject_exists: bool = True


def _subject_exists(request: DataSubjectRequest) -> bool:
    try:
        _subject_of(request)
    except SubjectGone:
        return False
    return True


def request_open(
    *, agency: Agency, actor: Actor, request_id: uuid.UUID, now: datetime
) -> RequestDetail:
    """A request with its history, for the staff page; the read is audited (the details
    are the person's words). Raises NotFound."""
    require_aware(now)
    with transaction.atomic():
        request = request_get(agency=agency, request_id=request_id)
        record(
            agency=agency,
            actor=actor,
            action="privacy.request.viewed",
            subject=request,
            fields=["details", "response"],
            purpose=request.kind,
            now=now,
        )
    today = oslo_date(now)
    events = list(
        RequestEvent.objects.filter(request=request)
        .select_related("actor")
        .order_by("at", "created_at")
    )
    return RequestDetail(
        request=request,
        due=effective_due(request),
        overdue=is_overdue(request, today=today),
        can_extend=request.status == RequestStatus.OPEN
        and request.extended_due_on is None
        and today <= request.due_on,
        events=[(event, str(EVENT_LABELS.get(event.action, event.action))) for event in events],
        subject_exists=_subject_exists(request),
    )
