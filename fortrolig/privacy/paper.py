"""The paper register (P-30): paper documents are registered when received, with where they
are locked away; their scan becomes a candidate's document in the vault; their shredding is
recorded with when and by whom. The register shows the paper not yet shredded, oldest
first. Services (writes) and selectors (reads) in one module.

Every change records its audit event in the same transaction, with field names only
(P-28); a list that shows candidates' names records who saw them.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record, record_many
from fortrolig.candidates.models import Candidate
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .models import PaperDocument, PaperKind

__all__ = [
    "PaperAlreadyScanned",
    "PaperCandidateRestricted",
    "PaperDashboard",
    "PaperIsPoliceCertificate",
    "PaperRegister",
    "PaperRow",
    "PaperShredded",
    "PaperWithoutCandidate",
    "paper_dashboard",
    "paper_get",
    "paper_register",
    "paper_register_list",
    "paper_scan",
    "paper_shred",
    "paper_unshredded",
]

LOCATION_MAX = 200
SHREDDED_SHOWN = 100
DASHBOARD_ROWS = 5

MSG_KIND = _("Choose what kind of paper document this is.")
MSG_RECEIVED_ON = _("Give the date the paper was received. It cannot be in the future.")
MSG_LOCATION = _("Say where the paper is locked away, in at most 200 characters.")
MSG_CANDIDATE = _("Choose one of the agency's candidates, or none.")

# The kind of document a scan becomes. A police certificate is left out on purpose: it
# is a background check (P-07), destroyed with the assignment, never a lasting document.
SCAN_KINDS = {
    PaperKind.CV: "cv",
    PaperKind.APPLICATION_LETTER: "application_letter",
    PaperKind.CERTIFICATE: "certificate",
    PaperKind.DIPLOMA: "diploma",
    PaperKind.IDENTITY_DOCUMENT: "other",
    PaperKind.REFERENCE: "other",
    PaperKind.AGREEMENT: "other",
    PaperKind.OTHER: "other",
}


class PaperShredded(Conflict):
    code = "paper_shredded"
    default_message = _("This paper document has already been shredded.")


class PaperAlreadyScanned(Conflict):
    code = "paper_already_scanned"
    default_message = _("This paper document has already been scanned.")


class PaperWithoutCandidate(Conflict):
    code = "paper_without_candidate"
    default_message = _(
        "This paper document is not linked to a candidate, so its scan cannot be stored as "
        "a candidate's document."
    )


class PaperIsPoliceCertificate(Conflict):
    code = "paper_police_certificate"
    default_message = _(
        "A police certificate is not scanned into the candidate's documents. Upload it as "
        "a background check on the application instead, so that it is destroyed when the "
        "assignment ends (privacy promise P-07)."
    )


class PaperCandidateRestricted(Conflict):
    code = "candidate_restricted"
    default_message = _(
        "Processing of this candidate is restricted, so the paper cannot be scanned now."
    )


def _user_id(actor: Actor) -> uuid.UUID | None:
    # Only a staff actor names a user; an ID that no longer resolves is left out.
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    return actor.id if get_user_model().objects.filter(pk=actor.id).exists() else None


def _add(errors: dict[str, list[str]], field: str, message: Promise) -> None:
    errors.setdefault(field, []).append(str(message))


def _refuse(errors: dict[str, list[str]]) -> None:
    if not errors:
        return
    messages = [message for field_messages in errors.values() for message in field_messages]
    raise ValidationFailed(
        messages[0] if len(messages) == 1 else ValidationFailed.default_message,
        field_errors=errors,
    )


# --- register, scan, shred --------------------------------------------------------------


def paper_register(
    *,
    agency: Agency,
    actor: Actor,
    kind: str,
    received_on: date | None,
    storage_location: str,
    candidate_id: uuid.UUID | None,
    now: datetime,
) -> PaperDocument:
    """Register a paper document as received: its kind, the day it came, where it is
    locked away, and the candidate it is about (or none). Records `paper.registered`.

    Raises ValidationFailed (nothing stored) for an unknown kind, a missing or future date,
    a missing or too long location, or a candidate outside the agency.
    """
    require_aware(now)
    location = storage_location.strip()
    errors: dict[str, list[str]] = {}
    if kind not in PaperKind.values:
        _add(errors, "kind", MSG_KIND)
    if received_on is None or received_on > timezone.localdate(now):
        _add(errors, "received_on", MSG_RECEIVED_ON)
    if not location or len(location) > LOCATION_MAX:
        _add(errors, "storage_location", MSG_LOCATION)
    if (
        candidate_id is not None
        and not Candidate.objects.filter(agency=agency, pk=candidate_id).exists()
    ):
        _add(errors, "candidate", MSG_CANDIDATE)
    _refuse(errors)
    assert received_on is not None
    with transaction.atomic():
        paper = PaperDocument.objects.create(
            agency=agency,
            candidate_id=candidate_id,
            kind=kind,
            received_on=received_on,
            storage_location=location,
            registered_by_id=_user_id(actor),
        )
        fields = ["kind", "received_on", "storage_location", "registered_by"]
        if candidate_id is not None:
            fields.append("candidate")
        record(
            agency=agency,
            actor=actor,
            action="paper.registered",
            subject=paper,
            fields=fields,
            now=now,
        )
    return paper


def _paper_locked(agency: Agency, paper_id: uuid.UUID) -> PaperDocument:
    paper = (
        PaperDocument.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(agency=agency, pk=paper_id)
        .first()
    )
    if paper is None:
        raise NotFound()
    return paper


def _ensure_scannable(paper: PaperDocument) -> None:
    if paper.shredded_at is not None:
        raise PaperShredded()
    if paper.scan_id is not None or paper.scanned_at is not None:
        raise PaperAlreadyScanned()
    if paper.kind == PaperKind.POLICE_CERTIFICATE:
        raise PaperIsPoliceCertificate()
    if paper.candidate is None:
        raise PaperWithoutCandidate()
    if paper.candidate.restricted:
        raise PaperCandidateRestricted()


def paper_scan(
    *,
    agency: Agency,
    actor: Actor,
    paper_id: uuid.UUID,
    filename: str,
    content: bytes,
    now: datetime,
) -> PaperDocument:
    """Store the scan of a paper document as one of its candidate's documents (checked by
    content and encrypted, through `document_upload`), and note when it was scanned.
    Records `paper.scanned` (and the upload's own `candidate.document.uploaded`).

    The upload commits on its own first, so that the file check does not run while the
    register row is locked; should linking it fail (another scan came first), the new
    document is deleted again. Raises NotFound, PaperShredded, PaperAlreadyScanned,
    PaperIsPoliceCertificate (P-07), PaperWithoutCandidate, PaperCandidateRestricted
    (P-23), and UploadRefused for a refused file; nothing is stored in any of these cases.
    """
    from fortrolig.documents.services import document_delete, document_upload

    require_aware(now)
    paper = paper_get(agency=agency, paper_id=paper_id)
    _ensure_scannable(paper)
    assert paper.candidate_id is not None
    document = document_upload(
        agency=agency,
        actor=actor,
        candidate_id=paper.candidate_id,
        kind=SCAN_KINDS[PaperKind(paper.kind)],
        filename=filename,
        content=content,
        now=now,
    )
    try:
        with transaction.atomic():
            paper = _paper_locked(agency, paper_id)
            _ensure_scannable(paper)
            paper.scan = document
            paper.scanned_at = now
            paper.save(update_fields=["scan", "scanned_at", "updated_at"])
            record(
                agency=agency,
                actor=actor,
                action="paper.scanned",
                subject=paper,
                fields=("scan", "scanned_at"),
                now=now,
            )
    except BaseException:
        document_delete(agency=agency, actor=actor, document_id=document.id, now=now)
        raise
    return paper


def paper_shred(
    *, agency: Agency, actor: Actor, paper_id: uuid.UUID, now: datetime
) -> PaperDocument:
    """Record that a paper document was shredded, now, by the actor. Records
    `paper.shredded`. Raises NotFound, and PaperShredded when it was shredded before."""
    require_aware(now)
    with transaction.atomic():
        paper = _paper_locked(agency, paper_id)
        if paper.shredded_at is not None:
            raise PaperShredded()
        paper.shredded_at = now
        paper.shredded_by_id = _user_id(actor)
        paper.save(update_fields=["shredded_at", "shredded_by", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="paper.shredded",
            subject=paper,
            fields=("shredded_at", "shredded_by"),
            now=now,
        )
    return paper


# --- reads ------------------------------------------------------------------------------


def paper_get(*, agency: Agency, paper_id: uuid.UUID) -> PaperDocument:
    """One of the agency's paper documents (the candidate is not read out here). Raises
    NotFound for an unknown ID or another agency's paper."""
    paper = (
        PaperDocument.objects.select_related("candidate").filter(agency=agency, pk=paper_id).first()
    )
    if paper is None:
        raise NotFound()
    return paper


@dataclass(frozen=True)
class PaperRow:
    paper: PaperDocument
    # Whole days since it was received, in the agency's time zone.
    age_days: int


def _unshredded(agency: Agency) -> "QuerySet[PaperDocument]":
    return PaperDocument.objects.filter(agency=agency, shredded_at__isnull=True).order_by(
        "received_on", "created_at", "id"
    )


def _row(paper: PaperDocument, today: date) -> PaperRow:
    return PaperRow(paper=paper, age_days=(today - paper.received_on).days)


def paper_unshredded(*, agency: Agency, now: datetime) -> list[PaperRow]:
    """The agency's paper not yet shredded, oldest first, each with its age in days."""
    today = timezone.localdate(require_aware(now))
    return [_row(paper, today) for paper in _unshredded(agency)]


@dataclass(frozen=True)
class PaperRegister:
    unshredded: list[PaperRow]
    shredded: list[PaperRow]
    shredded_total: int


def paper_register_list(
    *, agency: Agency, actor: Actor, now: datetime, shredded_limit: int = SHREDDED_SHOWN
) -> PaperRegister:
    """The register page: the paper not yet shredded, oldest first, then the most recently
    shredded (up to `shredded_limit`). The candidates' names are shown, so each candidate
    shown gets a `candidate.listed` event (P-28)."""
    today = timezone.localdate(require_aware(now))
    with transaction.atomic():
        unshredded = list(_unshredded(agency).select_related("candidate", "registered_by"))
        shredded_rows = PaperDocument.objects.filter(agency=agency, shredded_at__isnull=False)
        shredded = list(
            shredded_rows.select_related("candidate", "shredded_by").order_by(
                "-shredded_at", "-created_at"
            )[:shredded_limit]
        )
        shown = sorted(
            {paper.candidate_id for paper in [*unshredded, *shredded] if paper.candidate_id},
            key=str,
        )
        if shown:
            record_many(
                agency=agency,
                actor=actor,
                events=[
                    PendingEvent(
                        action="candidate.listed",
                        subject=SubjectRef(type=Candidate._meta.label_lower, id=candidate_id),
                        fields=("first_name", "last_name"),
                        purpose="paper_register",
                    )
                    for candidate_id in shown
                ],
                now=now,
            )
        total = shredded_rows.count()
    return PaperRegister(
        unshredded=[_row(paper, today) for paper in unshredded],
        shredded=[_row(paper, today) for paper in shredded],
        shredded_total=total,
    )


@dataclass(frozen=True)
class PaperDashboard:
    count: int
    oldest_days: int | None
    # The oldest few, without names: the dashboard shows kind, age and location only.
    rows: list[PaperRow]


def paper_dashboard(
    *, agency: Agency, now: datetime, limit: int = DASHBOARD_ROWS
) -> PaperDashboard:
    """For the dashboard: how much paper is not yet shredded, the age of the oldest, and
    the oldest few (kind, age and location; no candidate)."""
    today = timezone.localdate(require_aware(now))
    unshredded = _unshredded(agency)
    rows = [_row(paper, today) for paper in unshredded[:limit]]
    return PaperDashboard(
        count=unshredded.count(),
        oldest_days=rows[0].age_days if rows else None,
        rows=rows,
    )
