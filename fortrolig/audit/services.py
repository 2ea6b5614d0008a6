"""Writing and verifying the audit chain (P-28).

`record` appends an event in the caller's transaction. Each agency has its own chain: an
event stores the keyed hash (HMAC-SHA256) of its content and of the event before it. The
key is derived from the deployment's lookup key, so someone with write access to the
database alone cannot forge a consistent chain.
"""

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models, transaction

from fortrolig.core import clock
from fortrolig.core.bulk import bulk_insert
from fortrolig.core.models import Agency, JobRun

from .models import GENESIS_HASH, ActorType, AuditChainHead, AuditEvent, AuditVerification

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Field names and purposes are codes. The patterns leave no room for an email address,
# a phone number or free text, so a value cannot slip into an event by mistake.
FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PURPOSE_PATTERN = re.compile(r"^[a-z0-9_.\-]{0,100}$")


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(type=ActorType.SYSTEM)


class _HasId(Protocol):
    id: Any


@dataclass(frozen=True)
class SubjectRef:
    type: str
    id: uuid.UUID | None


def actor_for_user(user: _HasId) -> Actor:
    return Actor(type=ActorType.STAFF, id=user.id)


def _subject_ref(subject: models.Model | SubjectRef | None) -> SubjectRef:
    if subject is None:
        return SubjectRef(type="", id=None)
    if isinstance(subject, SubjectRef):
        return subject
    return SubjectRef(type=subject._meta.label_lower, id=subject.pk)


def _chain_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"fortrolig/audit-chain"
    ).derive(settings.FORTROLIG_LOOKUP_KEY)


def event_hash(
    *,
    agency_id: uuid.UUID,
    seq: int,
    occurred_at: datetime,
    actor_type: str,
    actor_id: uuid.UUID | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    fields: list[str],
    purpose: str,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """The keyed hash of one event's content and its predecessor's hash."""
    payload = json.dumps(
        [
            str(agency_id),
            seq,
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_type,
            str(actor_id) if actor_id else "",
            action,
            subject_type,
            str(subject_id) if subject_id else "",
            list(fields),
            purpose,
            prev_hash,
        ],
        separators=(",", ":"),
    ).encode()
    return hmac.new(key or _chain_key(), payload, hashlib.sha256).hexdigest()


def _locked_head(agency_id: uuid.UUID) -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(agency_id=agency_id)
    except AuditChainHead.DoesNotExist:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(agency_id=agency_id)], ignore_conflicts=True
        )
        return AuditChainHead.objects.select_for_update().get(agency_id=agency_id)


@dataclass(frozen=True)
class PendingEvent:
    """One event for `record_many`."""

    action: str
    subject: models.Model | SubjectRef | None = None
    fields: tuple[str, ...] = ()
    purpose: str = ""


def record_many(
    *,
    agency: Agency | uuid.UUID,
    actor: Actor,
    events: Iterable[PendingEvent],
    now: datetime | None = None,
) -> list[AuditEvent]:
    """Append events to one agency's chain under one lock and one insert, in the caller's
    transaction; bulk work such as an import still gives each row its own event.

    Raises RuntimeError outside a transaction (the events and the change must commit
    together), and ValueError for an action, field name or purpose that is not a code.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    agency_id = agency.id if isinstance(agency, Agency) else agency
    occurred_at = now or clock.now()
    key = _chain_key()
    head = _locked_head(agency_id)
    seq, prev = head.seq, head.hash
    rows: list[AuditEvent] = []
    for pending in events:
        if not ACTION_PATTERN.match(pending.action):
            raise ValueError("audit action must be a dotted code such as candidate.viewed")
        field_names = sorted(set(pending.fields))
        if not all(FIELD_PATTERN.match(name) for name in field_names):
            raise ValueError("audit fields must be field names, never values")
        if not PURPOSE_PATTERN.match(pending.purpose):
            raise ValueError("audit purpose must be a code")
        ref = _subject_ref(pending.subject)
        seq += 1
        digest = event_hash(
            agency_id=agency_id,
            seq=seq,
            occurred_at=occurred_at,
            actor_type=actor.type,
            actor_id=actor.id,
            action=pending.action,
            subject_type=ref.type,
            subject_id=ref.id,
            fields=field_names,
            purpose=pending.purpose,
            prev_hash=prev,
            key=key,
        )
        rows.append(
            AuditEvent(
                agency_id=agency_id,
                seq=seq,
                occurred_at=occurred_at,
                actor_type=actor.type,
                actor_id=actor.id,
                action=pending.action,
                subject_type=ref.type,
                subject_id=ref.id,
                fields=field_names,
                purpose=pending.purpose,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    if not rows:
        return []
    bulk_insert(AuditEvent, rows)
    AuditChainHead.objects.filter(agency_id=agency_id).update(seq=seq, hash=prev)
    return rows


def record(
    *,
    agency: Agency | uuid.UUID,
    actor: Actor,
    action: str,
    subject: models.Model | SubjectRef | None = None,
    fields: Iterable[str] = (),
    purpose: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Append an event to the agency's chain, in the caller's transaction.

    Raises RuntimeError outside a transaction (the event and the change must commit
    together), and ValueError for an action, field name or purpose that is not a code.
    """
    [event] = record_many(
        agency=agency,
        actor=actor,
        events=[
            PendingEvent(action=action, subject=subject, fields=tuple(fields), purpose=purpose)
        ],
        now=now,
    )
    return event


class Problem:
    ALTERED = "altered"
    MISSING_BEFORE = "missing_before"
    NOT_LINKED = "not_linked"
    MISSING_AT_END = "missing_at_end"
    ANCHOR_LOST = "anchor_lost"


@dataclass(frozen=True)
class ChainReport:
    agency_id: uuid.UUID
    ok: bool
    events_checked: int
    last_seq: int
    last_hash: str
    first_bad_event_id: uuid.UUID | None = None
    first_bad_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"ok: {self.events_checked} events, chain intact up to #{self.last_seq}"
        texts = {
            Problem.ALTERED: "its content does not match its hash (altered or forged)",
            Problem.MISSING_BEFORE: "one or more events before it are missing (removed)",
            Problem.NOT_LINKED: "it does not follow the event before it (inserted or replaced)",
            Problem.MISSING_AT_END: "events after it are missing (the end of the chain was cut)",
            Problem.ANCHOR_LOST: "an event that an earlier verification saw is gone or changed",
        }
        return (
            f"BROKEN at event #{self.first_bad_seq} ({self.first_bad_event_id}): "
            f"{texts.get(self.problem, self.problem)}"
        )


_VERIFY_COLUMNS = (
    "id",
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "fields",
    "purpose",
    "prev_hash",
    "hash",
)


def chain_check(*, agency_id: uuid.UUID, batch_size: int = 5000) -> ChainReport:
    """Recompute one agency's chain and return where it first breaks, if it does."""
    key = _chain_key()
    expected_seq = 1
    expected_prev = GENESIS_HASH
    last_id: uuid.UUID | None = None
    checked = 0

    def broken(event_id: uuid.UUID | None, seq: int | None, problem: str) -> ChainReport:
        return ChainReport(
            agency_id=agency_id,
            ok=False,
            events_checked=checked,
            last_seq=expected_seq - 1,
            last_hash=expected_prev,
            first_bad_event_id=event_id,
            first_bad_seq=seq,
            problem=problem,
        )

    rows = (
        AuditEvent.objects.filter(agency_id=agency_id)
        .order_by("seq")
        .values_list(*_VERIFY_COLUMNS)
        .iterator(chunk_size=batch_size)
    )
    for row in rows:
        (event_id, seq, occurred_at, actor_type, actor_id, action) = row[:6]
        (subject_type, subject_id, fields, purpose, prev_hash, digest) = row[6:]
        if seq != expected_seq:
            return broken(event_id, seq, Problem.MISSING_BEFORE)
        if prev_hash != expected_prev:
            return broken(event_id, seq, Problem.NOT_LINKED)
        recomputed = event_hash(
            agency_id=agency_id,
            seq=seq,
            occurred_at=occurred_at,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            fields=fields,
            purpose=purpose,
            prev_hash=prev_hash,
            key=key,
        )
        if not hmac.compare_digest(recomputed, digest):
            return broken(event_id, seq, Problem.ALTERED)
        checked += 1
        expected_seq += 1
        expected_prev = digest
        last_id = event_id

    head = AuditChainHead.objects.filter(agency_id=agency_id).first()
    head_seq = head.seq if head else 0
    if head_seq != expected_seq - 1 or (head and head.hash != expected_prev):
        return broken(last_id, expected_seq - 1, Problem.MISSING_AT_END)

    # The chain head lives in the same database, so whoever cuts the end of the chain can
    # move the head too. The last successful verification is an anchor they cannot move
    # back as easily: the event it saw last must still be there, unchanged.
    anchor = (
        AuditVerification.objects.filter(agency_id=agency_id, ok=True, last_seq__gt=0)
        .order_by("-ran_at")
        .first()
    )
    if anchor is not None:
        anchored = (
            AuditEvent.objects.filter(agency_id=agency_id, seq=anchor.last_seq)
            .values_list("hash", flat=True)
            .first()
        )
        if anchored != anchor.last_hash:
            return broken(last_id, anchor.last_seq, Problem.ANCHOR_LOST)
    return ChainReport(
        agency_id=agency_id,
        ok=True,
        events_checked=checked,
        last_seq=expected_seq - 1,
        last_hash=expected_prev,
    )


def chain_verify(*, agency: Agency, now: datetime) -> ChainReport:
    """Check an agency's chain and store the result for the dashboard."""
    report = chain_check(agency_id=agency.id)
    AuditVerification.objects.create(
        agency=agency,
        ran_at=now,
        ok=report.ok,
        events_checked=report.events_checked,
        last_seq=report.last_seq,
        last_hash=report.last_hash,
        first_bad_event_id=report.first_bad_event_id,
        first_bad_seq=report.first_bad_seq,
        problem=report.problem,
    )
    return report


def chains_verify_all(
    *, now: datetime, agencies: Iterable[Agency] | None = None
) -> list[ChainReport]:
    """Verify every agency's chain (the daily scheduled job) and record the run."""
    run = JobRun.objects.create(job="audit_verify", started_at=now)
    reports: list[ChainReport] = []
    try:
        for agency in agencies if agencies is not None else Agency.objects.order_by("slug"):
            reports.append(chain_verify(agency=agency, now=now))
    except Exception:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED, finished_at=clock.now()
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED if all(r.ok for r in reports) else JobRun.Status.FAILED,
        finished_at=clock.now(),
        summary={
            "chains": len(reports),
            "broken": sum(1 for r in reports if not r.ok),
            "events": sum(r.events_checked for r in reports),
        },
    )
    return reports
