"""Background checks (P-07): a police certificate, security clearance or credit check for
one application. Services (writes) and selectors (reads) in one module.

The rules, kept here so that no page or endpoint can forget one:
- A check is requested only for an application whose position requires that kind, while
  the assignment is open and the candidate is still in the recruitment, never for a
  restricted candidate (P-23), and once per application and kind while not destroyed.
- The candidate is told first: the notice email is queued in the same transaction, before
  the check row exists. A candidate without an email address cannot be told, so the
  request is refused.
- The document (P-29: checked by content) and its details are encrypted under the
  candidate's data key (P-27).
- When the assignment ends (the `assignment_ended_hook` in `hooks.py`) or the candidate
  leaves the recruitment, the document and its details are destroyed in the transaction of
  that change, the blob file after its commit. Only the dated note remains: kind, outcome,
  the date of the outcome and when it was requested.

Every read and change records its audit event in the same transaction, with field names
only (P-28).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.assignments.models import (
    Application,
    Assignment,
    AssignmentStatus,
    Position,
    StageOutcome,
)
from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record, record_many
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_delete, vault_read, vault_store

from .models import BackgroundCheck, Candidate, CheckKind, CheckOutcome, CheckStatus

__all__ = [
    "NOTICE_TEMPLATE",
    "ApplicationChecks",
    "CandidateChecks",
    "CandidateLeftRecruitment",
    "CandidateWithoutEmail",
    "CheckAlreadyReceived",
    "CheckAlreadyRequested",
    "CheckAssignmentEnded",
    "CheckCandidateRestricted",
    "CheckDestroyed",
    "CheckFile",
    "CheckNoDocument",
    "CheckNotRequired",
    "CheckReading",
    "background_check_destroy_due",
    "background_check_get",
    "background_check_open",
    "background_check_read",
    "background_check_receive",
    "background_check_record_outcome",
    "background_check_request",
    "background_checks_destroy_for_application",
    "background_checks_destroy_for_assignment",
    "background_checks_for_candidate",
    "position_required_kinds",
]

NOTICE_TEMPLATE = "background_check.notice"
DETAILS_MAX = 5_000
DESTROY_BATCH = 500

# What the dated note keeps after destruction is what the row still holds; these are what
# destruction removes, named in the audit event.
DESTROYED_FIELDS = ("filename", "content", "details")

MSG_KIND = _("Choose one of the listed background checks.")
MSG_DETAILS = _("The details can be at most 5,000 characters.")
MSG_OUTCOME = _("Choose “checked, satisfactory” or “checked, not satisfactory”.")
MSG_OUTCOME_ON = _("Give the date the check was done. It cannot be in the future.")

# The position flag that allows each kind (P-07).
REQUIREMENT_FIELDS = {
    CheckKind.POLICE_CERTIFICATE: "requires_police_certificate",
    CheckKind.SECURITY_CLEARANCE: "requires_security_clearance",
    CheckKind.CREDIT_CHECK: "requires_credit_check",
}


class CheckNotRequired(Conflict):
    code = "check_not_required"
    default_message = _(
        "The position does not require this background check. A police certificate, "
        "security clearance or credit check is collected only for a position marked as "
        "requiring it (privacy promise P-07)."
    )


class CheckAssignmentEnded(Conflict):
    code = "assignment_ended"
    default_message = _("The assignment has ended, so no background check can be collected for it.")


class CandidateLeftRecruitment(Conflict):
    code = "candidate_left"
    default_message = _(
        "The candidate is no longer in this recruitment, so no background check can be "
        "collected for it."
    )


class CheckCandidateRestricted(Conflict):
    code = "candidate_restricted"
    default_message = _(
        "Processing of this candidate is restricted, so no background check can be "
        "requested or recorded."
    )


class CheckAlreadyRequested(Conflict):
    code = "check_already_requested"
    default_message = _("This background check has already been requested for this application.")


class CandidateWithoutEmail(Conflict):
    code = "candidate_without_email"
    default_message = _(
        "The candidate has no email address. They must be told before a background check "
        "is requested: add their email address first."
    )


class CheckDestroyed(Conflict):
    code = "check_destroyed"
    default_message = _(
        "This background check has been destroyed. Only the dated note of its outcome remains."
    )


class CheckAlreadyReceived(Conflict):
    code = "check_already_received"
    default_message = _("The document for this background check has already been received.")


class CheckNoDocument(Conflict):
    code = "check_no_document"
    default_message = _("No document has been received for this background check.")


def _refuse(field: str, message: Promise) -> None:
    raise ValidationFailed(message, field_errors={field: [str(message)]})


def _user_id(actor: Actor) -> uuid.UUID | None:
    # Only a staff actor names a user; an ID that no longer resolves is left out.
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    return actor.id if get_user_model().objects.filter(pk=actor.id).exists() else None


def position_required_kinds(position: Position) -> list[str]:
    """The kinds of background check the position is marked as requiring, in the order of
    `CheckKind`."""
    return [kind for kind, flag in REQUIREMENT_FIELDS.items() if getattr(position, flag)]


def _decrypted(value: object) -> str | None:
    # EncryptedTextField is a BinaryField to the type checker; on an instance it reads as
    # the decrypted str (or None).
    assert value is None or isinstance(value, str)
    return value


# --- request ----------------------------------------------------------------------------


def background_check_request(
    *, agency: Agency, actor: Actor, application_id: uuid.UUID, kind: str, now: datetime
) -> BackgroundCheck:
    """Request a background check for an application, after telling the candidate (P-07).

    In one transaction: the notice email to the candidate is queued first (which check, for
    which recruitment, without the client's name while the client is confidential and not
    released, P-15, and with the agency's contact address to reply to), then the check is
    stored as requested with `notice_sent_at` and `requested_at` set, and
    `candidate.background_check.requested` is recorded.

    Raises ValidationFailed for an unknown kind, NotFound for another agency's application,
    CheckCandidateRestricted (P-23), CheckAssignmentEnded, CandidateLeftRecruitment (the
    application is in a stage whose outcome is "not going further"), CheckNotRequired when
    the position does not require this kind, CheckAlreadyRequested while a check of this
    kind for this application is not destroyed, CandidateWithoutEmail, and
    RecipientRestricted (P-23) when the address is also that of a restricted candidate
    record (the email guard refuses it). Nothing is stored or sent in any of these cases.
    """
    from fortrolig.messaging.services import email_queue
    from fortrolig.privacy.policy import policy_path

    require_aware(now)
    if kind not in CheckKind.values:
        _refuse("kind", MSG_KIND)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("candidate", "stage", "position__assignment__client")
            .filter(agency=agency, pk=application_id)
            .first()
        )
        if application is None:
            raise NotFound()
        candidate = application.candidate
        position = application.position
        assignment = position.assignment
        _ensure_open(candidate=candidate, application=application, assignment=assignment)
        if kind not in position_required_kinds(position):
            raise CheckNotRequired()
        active = BackgroundCheck.objects.filter(application=application, kind=kind).exclude(
            status=CheckStatus.DESTROYED
        )
        if active.exists():
            raise CheckAlreadyRequested()
        if not candidate.email:
            raise CandidateWithoutEmail()
        # The candidate is told first (P-07): the email and the check commit together or
        # not at all, and the email is queued before the check exists.
        email_queue(
            agency=agency,
            to=candidate.email,
            template=NOTICE_TEMPLATE,
            context={
                "agency_name": agency.name,
                "check_kind": CheckKind(kind).label,
                "position_title": position.title,
                # P-15: a confidential client stays unnamed until a consultant releases it.
                "client_name": "" if assignment.client_name_hidden else assignment.client.name,
                "reply_email": agency.contact_email,
                # The agency's privacy notice, in the email's language (the default).
                "link": settings.PUBLIC_BASE_URL + policy_path(agency_slug=agency.slug),
            },
            # Candidates have no language of their own yet: the agency's default.
            language=settings.LANGUAGE_CODE,
            now=now,
            actor=actor,
        )
        check = BackgroundCheck.objects.create(
            agency=agency,
            candidate=candidate,
            application=application,
            data_key_id=candidate.data_key_id,
            kind=kind,
            status=CheckStatus.REQUESTED,
            requested_at=now,
            notice_sent_at=now,
            requested_by_id=_user_id(actor),
        )
        record(
            agency=agency,
            actor=actor,
            action="candidate.background_check.requested",
            subject=check,
            fields=("kind", "status", "requested_at", "notice_sent_at", "requested_by"),
            now=now,
        )
    return check


def _ensure_open(*, candidate: Candidate, application: Application, assignment: Assignment) -> None:
    """Raise unless a check may be collected for this application now."""
    if candidate.restricted:
        raise CheckCandidateRestricted()
    if assignment.status == AssignmentStatus.ENDED:
        raise CheckAssignmentEnded()
    if application.stage.outcome == StageOutcome.REJECTED:
        raise CandidateLeftRecruitment()


# --- receive, outcome, read -------------------------------------------------------------


def _check_get(agency: Agency, check_id: uuid.UUID, *, lock: bool = False) -> BackgroundCheck:
    checks = BackgroundCheck.objects.filter(agency=agency, pk=check_id).select_related(
        "candidate", "application__stage", "application__position__assignment"
    )
    if lock:
        checks = checks.select_for_update(of=("self",))
    check = checks.first()
    if check is None:
        raise NotFound()
    return check


def background_check_get(*, agency: Agency, check_id: uuid.UUID) -> BackgroundCheck:
    """One of the agency's checks, with its candidate and application; no secret is read.
    Raises NotFound for an unknown ID or another agency's check."""
    return _check_get(agency, check_id)


def _ensure_collectable(check: BackgroundCheck) -> None:
    if check.status == CheckStatus.DESTROYED:
        raise CheckDestroyed()
    _ensure_open(
        candidate=check.candidate,
        application=check.application,
        assignment=check.application.position.assignment,
    )


def background_check_receive(
    *,
    agency: Agency,
    actor: Actor,
    check_id: uuid.UUID,
    filename: str,
    content: bytes,
    details: str,
    now: datetime,
) -> BackgroundCheck:
    """Store the document of a requested check, checked by content (P-29) and encrypted
    under the candidate's data key (P-27), with its details (encrypted too). Status
    received. Records `candidate.background_check.received`.

    Raises ValidationFailed for details too long, NotFound, CheckDestroyed,
    CheckAlreadyReceived, CheckCandidateRestricted, CheckAssignmentEnded,
    CandidateLeftRecruitment, and UploadRefused for a refused file. Nothing is stored in
    any of these cases: the blob is removed if the transaction does not commit.
    """
    from fortrolig.documents.services import filename_clean, upload_check

    require_aware(now)
    details = details.strip()
    if len(details) > DETAILS_MAX:
        _refuse("details", MSG_DETAILS)
    # Refuse early, before the file is checked; the state is checked again under the lock.
    check = _check_get(agency, check_id)
    _ensure_receivable(check)
    verdict = upload_check(content=content)
    stored_name = filename_clean(filename, extension=verdict.extension, fmt=verdict.format)
    blob_name = vault_store(data_key_id=check.data_key_id, content=verdict.content)
    try:
        with transaction.atomic():
            check = _check_get(agency, check_id, lock=True)
            _ensure_receivable(check)
            check.status = CheckStatus.RECEIVED
            check.received_at = now
            check.filename = stored_name
            check.content_type = verdict.content_type
            check.size = len(verdict.content)
            check.blob_name = blob_name
            check.details = details or None
            check.save(
                update_fields=[
                    "status",
                    "received_at",
                    "filename",
                    "content_type",
                    "size",
                    "blob_name",
                    "details",
                    "updated_at",
                ]
            )
            fields = ["status", "received_at", "filename", "content"]
            if details:
                fields.append("details")
            record(
                agency=agency,
                actor=actor,
                action="candidate.background_check.received",
                subject=check,
                fields=fields,
                now=now,
            )
    except BaseException:
        # The row never pointed at the blob in a committed state: it must not outlive it.
        vault_delete(name=blob_name)
        raise
    return check


def _ensure_receivable(check: BackgroundCheck) -> None:
    _ensure_collectable(check)
    if check.status == CheckStatus.RECEIVED:
        raise CheckAlreadyReceived()


def background_check_record_outcome(
    *,
    agency: Agency,
    actor: Actor,
    check_id: uuid.UUID,
    outcome: str,
    outcome_on: date | None,
    now: datetime,
) -> BackgroundCheck:
    """Record (or correct) the outcome of a check and the date it was done: the note that
    remains after the document is destroyed. Records
    `candidate.background_check.outcome_recorded` with the changed fields; recording the
    same outcome again changes nothing.

    Raises ValidationFailed for an unknown outcome or a missing or future date, NotFound,
    CheckDestroyed, CheckCandidateRestricted, CheckAssignmentEnded and
    CandidateLeftRecruitment. Nothing changes in any of these cases.
    """
    require_aware(now)
    errors: dict[str, list[str]] = {}
    if outcome not in CheckOutcome.values:
        errors["outcome"] = [str(MSG_OUTCOME)]
    if outcome_on is None or outcome_on > timezone.localdate(now):
        errors["outcome_on"] = [str(MSG_OUTCOME_ON)]
    if errors:
        messages = [message for field_messages in errors.values() for message in field_messages]
        raise ValidationFailed(
            messages[0] if len(messages) == 1 else ValidationFailed.default_message,
            field_errors=errors,
        )
    with transaction.atomic():
        check = _check_get(agency, check_id, lock=True)
        _ensure_collectable(check)
        changed = [
            name
            for name, value in (("outcome", outcome), ("outcome_on", outcome_on))
            if getattr(check, name) != value
        ]
        if not changed:
            return check
        check.outcome = outcome
        check.outcome_on = outcome_on
        check.save(update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="candidate.background_check.outcome_recorded",
            subject=check,
            fields=changed,
            now=now,
        )
    return check


@dataclass(frozen=True)
class CheckFile:
    filename: str
    content_type: str
    content: bytes


def background_check_open(
    *, agency: Agency, actor: Actor, check_id: uuid.UUID, now: datetime
) -> CheckFile:
    """Decrypt a check's document for an authorised download, recording
    `candidate.background_check.viewed` (fields filename and content).

    Raises NotFound, CheckDestroyed, CheckNoDocument, and KeyDestroyed once the
    candidate's data key is destroyed.
    """
    require_aware(now)
    with transaction.atomic():
        check = _check_get(agency, check_id)
        if check.status == CheckStatus.DESTROYED:
            raise CheckDestroyed()
        if not check.blob_name:
            raise CheckNoDocument()
        content = vault_read(name=check.blob_name)
        filename = _decrypted(check.filename) or "document"
        record(
            agency=agency,
            actor=actor,
            action="candidate.background_check.viewed",
            subject=check,
            fields=("filename", "content"),
            now=now,
        )
    return CheckFile(filename=filename, content_type=check.content_type, content=content)


@dataclass(frozen=True)
class CheckReading:
    check: BackgroundCheck
    filename: str | None
    details: str | None


def background_check_read(
    *, agency: Agency, actor: Actor, check_id: uuid.UUID, now: datetime
) -> CheckReading:
    """A check with its decrypted file name and details, for the person who reads it;
    records `candidate.background_check.viewed` naming the fields shown. A destroyed check
    shows only its dated note. Raises NotFound."""
    require_aware(now)
    with transaction.atomic():
        check = _check_get(agency, check_id)
        filename = _decrypted(check.filename)
        details = _decrypted(check.details)
        fields = ["kind", "status", "outcome", "outcome_on"]
        fields += [name for name, value in (("filename", filename), ("details", details)) if value]
        record(
            agency=agency,
            actor=actor,
            action="candidate.background_check.viewed",
            subject=check,
            fields=fields,
            now=now,
        )
    return CheckReading(check=check, filename=filename, details=details)


# --- destruction ------------------------------------------------------------------------


def _destroy(checks: list[BackgroundCheck], *, actor: Actor, now: datetime, purpose: str) -> int:
    """Destroy locked checks in the caller's transaction: the row loses its pointer to the
    blob, its file name and details; the blob file goes after the commit, so that a
    rollback keeps it. Records `candidate.background_check.destroyed` per check."""
    blobs: list[str] = []
    by_agency: dict[uuid.UUID, list[PendingEvent]] = defaultdict(list)
    for check in checks:
        if check.blob_name:
            blobs.append(check.blob_name)
        check.status = CheckStatus.DESTROYED
        check.filename = None
        check.details = None
        check.blob_name = ""
        check.content_type = ""
        check.size = None
        check.destroyed_at = now
        check.erase_after = now
        check.save(
            update_fields=[
                "status",
                "filename",
                "details",
                "blob_name",
                "content_type",
                "size",
                "destroyed_at",
                "erase_after",
                "updated_at",
            ]
        )
        by_agency[check.agency_id].append(
            PendingEvent(
                action="candidate.background_check.destroyed",
                subject=check,
                fields=DESTROYED_FIELDS,
                purpose=purpose,
            )
        )
    # One agency chain after the other, in a fixed order (no deadlock between two sweeps).
    for agency_id in sorted(by_agency):
        record_many(agency=agency_id, actor=actor, events=by_agency[agency_id], now=now)
    if blobs:
        transaction.on_commit(partial(_blobs_delete, blobs))
    return len(checks)


def _blobs_delete(names: list[str]) -> None:
    for name in names:
        vault_delete(name=name)


def _not_destroyed_locked(filter_q: Q) -> list[BackgroundCheck]:
    return list(
        BackgroundCheck.objects.select_for_update(of=("self",))
        .filter(filter_q)
        .exclude(status=CheckStatus.DESTROYED)
        .order_by("created_at", "id")
    )


def background_checks_destroy_for_assignment(
    *, agency: Agency, actor: Actor, assignment: Assignment, now: datetime
) -> int:
    """Destroy every background check collected for the assignment's applications (P-07):
    the document and its details go, the dated note stays. Registered as an
    assignment-ended hook, so it runs in the transaction of `assignment_end`; the blob
    files are deleted after that commits. Returns the number of checks destroyed."""
    require_aware(now)
    with transaction.atomic():
        checks = _not_destroyed_locked(
            Q(agency=agency, application__position__assignment_id=assignment.id)
        )
        return _destroy(checks, actor=actor, now=now, purpose="assignment_ended")


def background_checks_destroy_for_application(
    *, agency: Agency, actor: Actor, application_id: uuid.UUID, now: datetime
) -> int:
    """Destroy every background check of one application, because the candidate left the
    recruitment (moved to a stage whose outcome is "not going further", or withdrew):
    the document and its details go, the dated note stays (P-07). Runs in the caller's
    transaction when there is one; the blob files are deleted after the commit. An
    application of another agency has no checks here. Returns the number destroyed."""
    require_aware(now)
    with transaction.atomic():
        checks = _not_destroyed_locked(Q(agency=agency, application_id=application_id))
        return _destroy(checks, actor=actor, now=now, purpose="candidate_left")


def _due_q(now: datetime) -> Q:
    return (
        Q(erase_after__lte=now)
        | Q(application__position__assignment__status=AssignmentStatus.ENDED)
        | Q(application__stage__outcome=StageOutcome.REJECTED)
    )


def background_check_destroy_due(*, now: datetime, batch_size: int = DESTROY_BATCH) -> int:
    """The safety net for the retention sweep: destroy, as the system, up to `batch_size`
    checks that should be gone but are not: `erase_after` has passed, the assignment has
    ended, or the candidate left the recruitment. Idempotent; on PostgreSQL rows another
    transaction holds are skipped (the next run takes them). Returns the number destroyed;
    call again until it returns less than `batch_size`."""
    require_aware(now)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with transaction.atomic():
        ids = list(
            BackgroundCheck.objects.filter(_due_q(now))
            .exclude(status=CheckStatus.DESTROYED)
            .order_by("created_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        checks = list(
            BackgroundCheck.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=ids)
            .exclude(status=CheckStatus.DESTROYED)
            .order_by("created_at", "id")
        )
        return _destroy(checks, actor=Actor.system(), now=now, purpose="retention")


# --- the candidate's checks -------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationChecks:
    """One application of the candidate with the checks its position requires."""

    application: Application
    position: Position
    assignment: Assignment
    required_kinds: list[tuple[str, str]]
    checks: list[BackgroundCheck]
    # The kinds that can be requested now (required, and not requested or destroyed).
    requestable_kinds: list[tuple[str, str]]
    # Why nothing can be collected for this application now, or "" when it can.
    closed_reason: str

    @property
    def open(self) -> bool:
        return not self.closed_reason


@dataclass(frozen=True)
class CandidateChecks:
    candidate: Candidate
    applications: list[ApplicationChecks]


def _closed_reason(candidate: Candidate, application: Application) -> str:
    try:
        _ensure_open(
            candidate=candidate, application=application, assignment=application.position.assignment
        )
    except Conflict as error:
        return str(error.message)
    return ""


def background_checks_for_candidate(
    *, agency: Agency, actor: Actor, candidate_id: uuid.UUID, now: datetime
) -> CandidateChecks:
    """The candidate's applications whose position requires a check or that have checks,
    newest first, each with its checks (the destroyed ones as their dated notes) and the
    kinds that can be requested now. No secret is decrypted.

    Records `candidate.viewed` (the name, purpose background_checks) and a
    `candidate.background_check.listed` per check shown (P-28). Raises NotFound for another
    agency's candidate.
    """
    require_aware(now)
    with transaction.atomic():
        candidate = Candidate.objects.filter(agency=agency, pk=candidate_id).first()
        if candidate is None:
            raise NotFound()
        applications = list(
            Application.objects.filter(agency=agency, candidate=candidate)
            .select_related("stage", "position__assignment__client")
            .order_by("-created_at", "id")
        )
        checks_by_application: dict[uuid.UUID, list[BackgroundCheck]] = defaultdict(list)
        for check in BackgroundCheck.objects.filter(agency=agency, candidate=candidate).order_by(
            "requested_at", "id"
        ):
            checks_by_application[check.application_id].append(check)
        rows: list[ApplicationChecks] = []
        for application in applications:
            position = application.position
            required = position_required_kinds(position)
            checks = checks_by_application.get(application.id, [])
            if not required and not checks:
                continue
            closed = _closed_reason(candidate, application)
            taken = {c.kind for c in checks if c.status != CheckStatus.DESTROYED}
            rows.append(
                ApplicationChecks(
                    application=application,
                    position=position,
                    assignment=position.assignment,
                    required_kinds=[(kind, str(CheckKind(kind).label)) for kind in required],
                    checks=checks,
                    requestable_kinds=[]
                    if closed
                    else [
                        (kind, str(CheckKind(kind).label)) for kind in required if kind not in taken
                    ],
                    closed_reason=closed,
                )
            )
        events = [
            PendingEvent(
                action="candidate.viewed",
                subject=SubjectRef(type=Candidate._meta.label_lower, id=candidate.id),
                fields=("first_name", "last_name"),
                purpose="background_checks",
            )
        ]
        events += [
            PendingEvent(
                action="candidate.background_check.listed",
                subject=check,
                fields=("kind", "status", "outcome", "outcome_on"),
            )
            for row in rows
            for check in row.checks
        ]
        record_many(agency=agency, actor=actor, events=events, now=now)
    return CandidateChecks(candidate=candidate, applications=rows)
