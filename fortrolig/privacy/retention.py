"""The retention engine (P-18, P-19, P-07): deadlines, the sweep, erasure, and the reads of
the retention dashboard.

What `Candidate.erase_after` means
----------------------------------
- A time: the candidate's data is erased by the first sweep at or after it
  (`erase_after <= now`). It is the later of the last application or activity plus the
  agency's period (`retention_rules`, clock LAST_ACTIVITY) and the latest expiry of a
  storage-extension consent that has not been withdrawn (clock CONSENT_EXPIRY).
- NULL while the candidate has an active legal hold, or an employment through the agency
  that has not ended (P-19): the clock is paused and the sweep leaves the candidate alone.
  When the last hold is released the deadline is computed again from the data; a hold adds
  no time, so a deadline that passed during the hold makes the candidate due at the next
  sweep. The end of an employment counts as activity, so the clock starts again from it.
- NULL without an active hold: not computed yet (a row written by code that does not call
  `candidate_erase_after_refresh`). The sweep computes it, and erases the candidate if due.
  The two NULLs are told apart by the hold and employment tables (`NOT EXISTS` an active
  hold or an ongoing employment), never by guessing.

Months are calendar months in the agency's time zone (settings.TIME_ZONE, Europe/Oslo):
activity at 29 February 2024 14:00 Oslo time with a 24-month period is due at 28 February
2026 14:00 Oslo time (the day is clamped to the month's last day), whatever the UTC date.

The sweep
---------
`retention_sweep` walks every registered `RetainedKind`. It takes only what is due (an
index range on `erase_after`, so its cost grows with what is due, not with the database),
in batches that each commit on their own: a sweep that is killed leaves every batch either
done or untouched, and the next sweep finishes the rest. Within a batch the rows are
locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two sweeps never take the same row),
their deadline is computed again from the current data, and only what is still due is
erased. A batch that fails is tried again row by row, so that one bad row cannot hold back
the others; failures are recorded as codes. Each run is a `RetentionSweep` row, and a
`JobRun` named `retention_sweep` for the dashboard of scheduled jobs.
"""

import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Exists, ForeignObjectRel, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record_many
from fortrolig.candidates.models import Candidate
from fortrolig.core import clock
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import clear_key_cache
from fortrolig.core.models import Agency, AgencySettings, DataKey, JobRun
from fortrolig.core.vault import vault_delete
from fortrolig.staffing.models import Employment

from .datamap import RetentionClock
from .models import (
    Consent,
    ConsentPurpose,
    LegalHold,
    RetentionSweep,
    SweepStatus,
)
from .retention_rules import retention_rules

__all__ = [
    "CANDIDATE_KIND",
    "SWEEP_INTERVAL",
    "Deadline",
    "DueItem",
    "RetainedKind",
    "SweepReport",
    "agency_erase_after_refresh",
    "candidate_deadline",
    "candidate_deadline_current",
    "candidate_erase_after_refresh",
    "candidates_erase_after_refresh",
    "erased_record",
    "register_kind",
    "registered_kinds",
    "retention_dashboard",
    "retention_sweep",
    "rows_due",
]

# The sweep runs daily (Celery beat). P-18: no candidate outlives its deadline by more.
SWEEP_INTERVAL = timedelta(hours=24)
DEFAULT_BATCH_SIZE = 500
JOB_NAME = "retention_sweep"
CANDIDATE_SUBJECT = "candidates.candidate"
ERASED_ACTION = "retention.candidate.erased"
# A failure caused by the sweep being stopped (Ctrl-C, a worker shut down) rather than by
# a row.
INTERRUPTED = "interrupted"


def _local_zone() -> Any:
    return timezone.get_default_timezone()


# --- deadlines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """When a subject's data is due, and the clock that set it."""

    at: datetime
    clock: RetentionClock


def candidate_deadline(
    *,
    last_activity_at: datetime,
    storage_consent_expiry: datetime | None,
    config: AgencySettings,
) -> Deadline:
    """The candidate's deadline (P-18): the last activity plus the agency's period, counted
    in calendar months in the agency's time zone, or the end of a storage-extension
    consent when that is later. Returned in UTC."""
    require_aware(last_activity_at, name="last_activity_at")
    rules = retention_rules(config)
    local_event = last_activity_at.astimezone(_local_zone())
    by_activity = rules[RetentionClock.LAST_ACTIVITY].deadline(local_event).astimezone(UTC)
    if storage_consent_expiry is not None:
        require_aware(storage_consent_expiry, name="storage_consent_expiry")
        by_consent = (
            rules[RetentionClock.CONSENT_EXPIRY]
            .deadline(storage_consent_expiry.astimezone(_local_zone()))
            .astimezone(UTC)
        )
        if by_consent > by_activity:
            return Deadline(by_consent, RetentionClock.CONSENT_EXPIRY)
    return Deadline(by_activity, RetentionClock.LAST_ACTIVITY)


def _configs(agency_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AgencySettings]:
    return {
        agency.id: agency.config
        for agency in Agency.objects.filter(pk__in=set(agency_ids)).only("id", "settings")
    }


def _storage_consent_expiries(candidate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The latest expiry of each candidate's storage-extension consents that have not been
    withdrawn. A consent without an expiry extends nothing (consents.consent_give refuses
    one for this purpose)."""
    rows = (
        Consent.objects.filter(
            candidate_id__in=candidate_ids,
            purpose=ConsentPurpose.STORAGE_EXTENSION,
            withdrawn_at__isnull=True,
            expires_at__isnull=False,
        )
        .values("candidate_id")
        .annotate(latest=Max("expires_at"))
    )
    return {row["candidate_id"]: row["latest"] for row in rows}


def _held_candidates(candidate_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The candidates whose clock is paused: by an active legal hold, or by an employment
    through the agency that has not ended (P-19: kept as long as the employment lasts)."""
    held = set(
        LegalHold.objects.filter(
            candidate_id__in=candidate_ids, released_at__isnull=True
        ).values_list("candidate_id", flat=True)
    )
    employed = Employment.objects.filter(
        candidate_id__in=candidate_ids, ended_on__isnull=True
    ).values_list("candidate_id", flat=True)
    return held | {candidate_id for candidate_id in employed if candidate_id is not None}


def _active_hold() -> Q:
    """The candidate's clock is paused (see `_held_candidates`), as a query condition."""
    return Q(
        Exists(LegalHold.objects.filter(candidate_id=OuterRef("pk"), released_at__isnull=True))
    ) | Q(Exists(Employment.objects.filter(candidate_id=OuterRef("pk"), ended_on__isnull=True)))


@dataclass(frozen=True)
class _CandidateState:
    deadline: Deadline
    held: bool

    @property
    def erase_after(self) -> datetime | None:
        return None if self.held else self.deadline.at


def _candidate_states(rows: Sequence[Candidate]) -> dict[uuid.UUID, _CandidateState]:
    """The deadline and hold of each candidate, from the current data (three queries)."""
    ids = [row.id for row in rows]
    configs = _configs(row.agency_id for row in rows)
    expiries = _storage_consent_expiries(ids)
    held = _held_candidates(ids)
    return {
        row.id: _CandidateState(
            deadline=candidate_deadline(
                last_activity_at=row.last_activity_at,
                storage_consent_expiry=expiries.get(row.id),
                config=configs[row.agency_id],
            ),
            held=row.id in held,
        )
        for row in rows
    }


_STATE_FIELDS = ("id", "agency_id", "data_key_id", "last_activity_at", "erase_after")


def candidate_erase_after_refresh(*, candidate_id: uuid.UUID, now: datetime) -> datetime | None:
    """Compute the candidate's `erase_after` again from the current data and store it.

    Call it whenever the last activity changes, a storage-extension consent is given or
    withdrawn, or a legal hold is set or released. Returns the new value: the deadline,
    or None while a legal hold pauses the clock, or when the candidate no longer exists.
    Locks the candidate's row until the caller's transaction ends.
    """
    require_aware(now)
    with transaction.atomic():
        row = (
            Candidate.objects.select_for_update()
            .filter(pk=candidate_id)
            .only(*_STATE_FIELDS)
            .first()
        )
        if row is None:
            return None
        value = _candidate_states([row])[row.id].erase_after
        if row.erase_after != value:
            Candidate.objects.filter(pk=row.pk).update(erase_after=value)
        return value


def candidates_erase_after_refresh(*, candidate_ids: Sequence[uuid.UUID], now: datetime) -> int:
    """`candidate_erase_after_refresh` for many candidates at once (an import, a merge),
    in the caller's transaction or its own. Returns how many deadlines changed."""
    require_aware(now)
    with transaction.atomic():
        rows = list(
            Candidate.objects.select_for_update()
            .filter(pk__in=list(candidate_ids))
            .only(*_STATE_FIELDS)
            .order_by("id")
        )
        states = _candidate_states(rows)
        changed = []
        for row in rows:
            value = states[row.id].erase_after
            if row.erase_after != value:
                row.erase_after = value
                changed.append(row)
        if changed:
            Candidate.objects.bulk_update(changed, ["erase_after"])
    return len(changed)


def agency_erase_after_refresh(*, agency: Agency, now: datetime, batch_size: int = 1000) -> int:
    """Compute every deadline of the agency's candidates again, batch by batch. Call it when
    the agency's retention period changes: a shorter period must not wait for the old,
    later deadlines. Returns how many changed."""
    changed = 0
    after: uuid.UUID | None = None
    while True:
        ids_query = Candidate.objects.filter(agency=agency).order_by("id")
        if after is not None:
            ids_query = ids_query.filter(pk__gt=after)
        ids = list(ids_query.values_list("id", flat=True)[:batch_size])
        if not ids:
            return changed
        changed += candidates_erase_after_refresh(candidate_ids=ids, now=now)
        after = ids[-1]


def candidate_deadline_current(*, candidate: Candidate) -> Deadline:
    """The candidate's deadline from the current data, as if no legal hold applied (the
    renewal page states it)."""
    return _candidate_states([candidate])[candidate.id].deadline


# --- the kind registry --------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """One retained row that a sweep erased (or, in a dry run, would erase), and why."""

    kind: str
    id: uuid.UUID
    agency_id: uuid.UUID
    clock: str
    deadline: datetime | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "id": str(self.id),
            "agency": str(self.agency_id),
            "clock": self.clock,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


@dataclass
class BatchResult:
    """What one batch of one kind did. `skipped` are rows another transaction held locked
    (PostgreSQL): the sweep tries them again at its end."""

    erased: list[DueItem] = field(default_factory=list)
    rescheduled: int = 0
    paused: int = 0
    skipped: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


# (id, agency_id) of a row that looks due.
DueRef = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class RetainedKind:
    """A kind of retained row that the sweep erases when its `erase_after` has passed.

    `due(now)` lists the rows that look due, cheaply, through the `erase_after` index: it
    must not read rows that are not due. `process(refs, now, dry_run)` runs inside the
    batch's transaction: it locks the rows (skipping rows another transaction holds),
    checks each against the current data, erases what is still due (deleting it or
    clearing its data, so that it is no longer due) with an audit event each, and moves
    the `erase_after` of the rest. In a dry run it changes nothing and only reports.
    """

    label: str
    due: Callable[[datetime], list[DueRef]]
    process: Callable[[Sequence[DueRef], datetime, bool], BatchResult]


_kinds: dict[str, RetainedKind] = {}


def register_kind(kind: RetainedKind) -> RetainedKind:
    """Add a kind to the sweep. Raises ValueError when the label is taken by another."""
    existing = _kinds.get(kind.label)
    if existing is not None and existing != kind:
        raise ValueError(f"retained kind {kind.label} is registered twice, differently")
    _kinds[kind.label] = kind
    return kind


def rows_due(model: type[models.Model], now: datetime) -> list[DueRef]:
    """`RetainedKind.due` for a model with `agency` and an indexed `erase_after`: the rows
    whose deadline has passed, oldest first, read through the index only."""
    return list(
        model._default_manager.filter(erase_after__lte=now)
        .order_by("erase_after", "id")
        .values_list("id", "agency_id")
    )


def erased_record(
    rows: Sequence[models.Model],
    *,
    action: str,
    purpose: str,
    now: datetime,
    fields: Sequence[str] = (),
) -> None:
    """One audit event per erased row, by the system, with IDs and field names only. One
    agency's chain after the other, in a fixed order, so two sweeps cannot deadlock."""
    by_agency: dict[uuid.UUID, list[PendingEvent]] = defaultdict(list)
    for row in rows:
        by_agency[row.agency_id].append(  # type: ignore[attr-defined]
            PendingEvent(
                action=action,
                subject=SubjectRef(type=row._meta.label_lower, id=row.pk),
                fields=tuple(fields),
                purpose=purpose,
            )
        )
    for agency_id in sorted(by_agency):
        record_many(agency=agency_id, actor=Actor.system(), events=by_agency[agency_id], now=now)


def unregister_kind(label: str) -> None:
    """Remove a kind (tests)."""
    _kinds.pop(label, None)


_discovered = False


def registered_kinds() -> list[RetainedKind]:
    """Every kind the sweep takes: the candidates (here), and whatever an app registers in
    its own `retention_kinds` module (imported on first use)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("retention_kinds")
        _discovered = True
    return list(_kinds.values())


# --- candidates -------------------------------------------------------------------------


def _candidate_due_q(now: datetime) -> Q:
    return Q(erase_after__lte=now) | Q(erase_after__isnull=True)


def _candidates_due(now: datetime) -> list[DueRef]:
    """Candidates whose deadline has passed, and those whose deadline is not computed yet
    and that no legal hold pauses. Oldest deadline first."""
    rows = (
        Candidate.objects.filter(Q(erase_after__lte=now) | Q(erase_after__isnull=True))
        .exclude(Q(erase_after__isnull=True) & _active_hold())
        .order_by("erase_after", "id")
        .values_list("id", "agency_id")
    )
    return list(rows)


def _lock_supported() -> bool:
    return bool(connection.features.has_select_for_update_skip_locked)


def _candidates_process(refs: Sequence[DueRef], now: datetime, dry_run: bool) -> BatchResult:
    ids = [ref[0] for ref in refs]
    rows_query: QuerySet[Candidate] = (
        Candidate.objects.filter(pk__in=ids).filter(_candidate_due_q(now)).only(*_STATE_FIELDS)
    )
    if not dry_run:
        # A row that another sweep (or a user's change) holds is skipped, never waited for:
        # the other sweep erases it, or this one tries it again at its end.
        rows_query = rows_query.select_for_update(skip_locked=True)
    rows = list(rows_query.order_by("id"))
    result = BatchResult()
    if not dry_run and _lock_supported() and len(rows) < len(ids):
        found = {row.id for row in rows}
        missing = [i for i in ids if i not in found]
        # Without a lock: rows that are still there and due were locked by someone else.
        result.skipped = list(
            Candidate.objects.filter(pk__in=missing)
            .filter(_candidate_due_q(now))
            .values_list("id", "agency_id")
        )
    states = _candidate_states(rows)
    to_erase: list[tuple[Candidate, Deadline]] = []
    to_move: list[Candidate] = []
    to_pause: list[uuid.UUID] = []
    for row in rows:
        state = states[row.id]
        if state.held:
            if row.erase_after is not None:
                to_pause.append(row.id)
        elif state.deadline.at <= now:
            to_erase.append((row, state.deadline))
        else:
            # A stale or uncomputed deadline that turns out to be later.
            row.erase_after = state.deadline.at
            to_move.append(row)
    result.rescheduled = len(to_move)
    result.paused = len(to_pause)
    result.erased = [
        DueItem(
            kind=CANDIDATE_KIND.label,
            id=row.id,
            agency_id=row.agency_id,
            clock=deadline.clock.value,
            deadline=deadline.at,
        )
        for row, deadline in to_erase
    ]
    if dry_run:
        return result
    if to_move:
        Candidate.objects.bulk_update(to_move, ["erase_after"])
    if to_pause:
        Candidate.objects.filter(pk__in=to_pause).update(erase_after=None)
    if to_erase:
        _candidates_erase(to_erase, now=now)
    return result


def _blobs_delete(names: list[str]) -> None:
    for name in names:
        vault_delete(name=name)


def _qn(name: str | None) -> str:
    # Table and column names come from the models, never from input; values are parameters.
    if not name:
        raise ValueError("a table or column without a name")
    return connection.ops.quote_name(name)


def _in(column_sql: str, field: Any, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column IN (values)` as SQL and parameters, the values prepared by `field`: one array
    parameter on PostgreSQL (cheap to build and to plan for thousands of values), a list of
    placeholders elsewhere."""
    prepared = [field.get_db_prep_value(value, connection) for value in values]
    if connection.vendor == "postgresql":
        return f"{column_sql} = ANY(%s)", [prepared]
    return f"{column_sql} IN ({', '.join(['%s'] * len(prepared))})", prepared


@dataclass
class _Erasure:
    """What an erasure collects on its way: stored blobs and data keys to destroy."""

    blobs: list[str] = field(default_factory=list)
    key_ids: set[Any] = field(default_factory=set)
    # Rows deleted per model label (the erasure receipt states them, privacy.erasure).
    counts: dict[str, int] = field(default_factory=dict)


_LEFT_TO_THE_DATABASE = (models.PROTECT, models.RESTRICT, models.DO_NOTHING)


def _cascade_erase(
    model: type[models.Model],
    where: str,
    params: list[Any],
    erasure: _Erasure,
    *,
    depth: int = 0,
) -> None:
    """Delete the rows of `model` that `where` selects, after everything that points at
    them: CASCADE rows are erased the same way (recursively), SET_NULL references are
    cleared. Any other reference (PROTECT, RESTRICT, DO_NOTHING) is left to the database's
    foreign-key constraint, which refuses the commit while such a row remains, so that
    nothing is half erased. Blob names and data keys of every erased row are collected.

    This is what Django's delete collector does, as a few set-based statements per table
    instead of queries per chunk of rows; it follows the model relations at run time, so a
    new table that cascades from the candidate is erased without being named here.
    """
    if depth > 4:
        raise RuntimeError("cascade too deep")
    table = _qn(model._meta.db_table)
    concrete = {f.name: f for f in model._meta.concrete_fields}
    with connection.cursor() as cursor:
        for relation in model._meta.get_fields(include_hidden=True):
            if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
                continue
            child = relation.related_model
            assert isinstance(child, type) and issubclass(child, models.Model)
            fk = relation.field
            parent = f"SELECT {_qn(fk.target_field.column)} FROM {table} WHERE {where}"  # noqa: S608
            child_where = f"{_qn(fk.column)} IN ({parent})"
            if relation.on_delete is models.CASCADE:
                _cascade_erase(child, child_where, params, erasure, depth=depth + 1)
            elif relation.on_delete is models.SET_NULL:
                child_table, column = _qn(child._meta.db_table), _qn(fk.column)
                sql = f"UPDATE {child_table} SET {column} = NULL WHERE {child_where}"  # noqa: S608
                cursor.execute(sql, params)
            elif relation.on_delete not in _LEFT_TO_THE_DATABASE:
                raise NotImplementedError("on_delete rule not supported by the erasure")
        rows = f" FROM {table} WHERE {where}"
        if "blob_name" in concrete:
            cursor.execute(f"SELECT {_qn(concrete['blob_name'].column)}" + rows, params)
            erasure.blobs.extend(name for (name,) in cursor.fetchall() if name)
        if "data_key" in concrete:
            cursor.execute(f"SELECT DISTINCT {_qn(concrete['data_key'].column)}" + rows, params)
            erasure.key_ids.update(key for (key,) in cursor.fetchall())
        cursor.execute("DELETE" + rows, params)
        if cursor.rowcount > 0:
            label = model._meta.label
            erasure.counts[label] = erasure.counts.get(label, 0) + cursor.rowcount


def _data_keys_destroy(key_ids: set[Any], *, now: datetime) -> None:
    """Crypto-shred many data keys in one statement: what `core.crypto.data_key_destroy`
    does for one key (forget the wrapped key, note when), for a whole batch."""
    if not key_ids:
        return
    pk = DataKey._meta.pk
    assert pk is not None
    where, params = _in(_qn(pk.column), pk, list(key_ids))
    destroyed = DataKey._meta.get_field("destroyed_at")
    column = _qn(destroyed.column)
    table, wrapped = _qn(DataKey._meta.db_table), _qn("wrapped_key")
    sql = f"UPDATE {table} SET {wrapped} = NULL, {column} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql + f" WHERE {where} AND {column} IS NULL",
            [destroyed.get_db_prep_value(now, connection), *params],
        )
    # No unwrapped copy may outlive the key in this thread's cache.
    clear_key_cache()


def _candidates_erase(items: Sequence[tuple[Candidate, Deadline]], *, now: datetime) -> None:
    """Erase locked candidates and every row the data map ties to them, in the caller's
    transaction: documents (their blobs after the commit), background checks (and their
    blobs), references, applications, consents, legal holds (released ones: a candidate on
    hold is never erased), the search entry, and whatever else cascades from a candidate;
    the data keys are destroyed, which crypto-shreds every copy, backups included. A paper
    register entry stays, without the link to the candidate, so that paper not yet shredded
    still shows (P-30). Records `retention.candidate.erased` per candidate: its ID and the
    clock, no values.
    """
    pk = Candidate._meta.pk
    assert pk is not None
    where, params = _in(_qn(pk.column), pk, [row.id for row, _deadline in items])
    erasure = _Erasure()
    _cascade_erase(Candidate, where, params, erasure)
    _data_keys_destroy(erasure.key_ids, now=now)

    by_agency: dict[uuid.UUID, list[PendingEvent]] = defaultdict(list)
    for row, deadline in items:
        by_agency[row.agency_id].append(
            PendingEvent(
                action=ERASED_ACTION,
                subject=SubjectRef(type=CANDIDATE_SUBJECT, id=row.id),
                purpose=deadline.clock.value,
            )
        )
    # One agency chain after the other, in a fixed order: two sweeps lock the chain heads
    # in the same order and cannot deadlock on them.
    for agency_id in sorted(by_agency):
        record_many(agency=agency_id, actor=Actor.system(), events=by_agency[agency_id], now=now)
    if erasure.blobs:
        # After the commit only: a rollback must find the blobs still there. Should the
        # process die before this runs, the blobs are unreadable anyway (key destroyed).
        transaction.on_commit(partial(_blobs_delete, erasure.blobs))


CANDIDATE_KIND = register_kind(
    RetainedKind(label="candidates.Candidate", due=_candidates_due, process=_candidates_process)
)


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a sweep did (or, in a dry run, would do). Counts per kind; `items` lists, in a
    dry run, each row it would erase and why."""

    sweep_id: uuid.UUID
    as_of: datetime
    dry_run: bool
    due: dict[str, int] = field(default_factory=dict)
    erased: dict[str, int] = field(default_factory=dict)
    rescheduled: dict[str, int] = field(default_factory=dict)
    paused: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    by_agency: dict[str, dict[str, int]] = field(default_factory=dict)
    items: list[DueItem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def erased_total(self) -> int:
        return sum(self.erased.values())

    @property
    def failed_total(self) -> int:
        return sum(int(failure.get("count", 1)) for failure in self.failures)

    def to_json(self) -> dict[str, Any]:
        return {
            "sweep": str(self.sweep_id),
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "due": self.due,
            "erased": self.erased,
            "rescheduled": self.rescheduled,
            "paused": self.paused,
            "skipped": self.skipped,
            "failures": self.failures,
            "seconds": round(self.seconds, 3),
            "items": [item.to_json() for item in self.items],
        }

    def _add(self, result: BatchResult, kind: str) -> None:
        self.erased[kind] = self.erased.get(kind, 0) + len(result.erased)
        self.rescheduled[kind] = self.rescheduled.get(kind, 0) + result.rescheduled
        self.paused[kind] = self.paused.get(kind, 0) + result.paused
        for item in result.erased:
            counts = self.by_agency.setdefault(str(item.agency_id), {})
            counts[kind] = counts.get(kind, 0) + 1
        if self.dry_run:
            self.items.extend(result.erased)

    def _fail(self, kind: str, code: str, agency_id: uuid.UUID | None) -> None:
        agency = str(agency_id) if agency_id else ""
        for failure in self.failures:
            if (failure["kind"], failure["code"], failure["agency"]) == (kind, code, agency):
                failure["count"] += 1
                return
        self.failures.append({"kind": kind, "code": code, "agency": agency, "count": 1})

    def stored_counts(self, *, adding: tuple[str, BatchResult] | None = None) -> dict[str, Any]:
        """The `RetentionSweep.erased` value: totals per kind, and per agency (for each
        agency's dashboard); with `adding`, as if that batch were added. Counts only."""
        total = dict(self.erased)
        by_agency = {agency: dict(counts) for agency, counts in self.by_agency.items()}
        if adding is not None:
            kind, result = adding
            total[kind] = total.get(kind, 0) + len(result.erased)
            for item in result.erased:
                counts = by_agency.setdefault(str(item.agency_id), {})
                counts[kind] = counts.get(kind, 0) + 1
        return {"total": total, "by_agency": by_agency, "rescheduled": dict(self.rescheduled)}


def _chunks(refs: Sequence[DueRef], size: int) -> Iterable[Sequence[DueRef]]:
    for start in range(0, len(refs), size):
        yield refs[start : start + size]


def _failure_code(exc: Exception) -> str:
    # The class name only: an exception's message may quote a value.
    return type(exc).__name__


def _run_batch(
    kind: RetainedKind,
    refs: Sequence[DueRef],
    *,
    now: datetime,
    dry_run: bool,
    report: SweepReport,
    sweep_id: uuid.UUID,
) -> list[DueRef]:
    """Process one batch in its own transaction; on failure, each row alone. Returns the
    rows another transaction held locked."""
    try:
        with transaction.atomic():
            result = kind.process(refs, now, dry_run)
            if not dry_run and result.erased:
                # In the batch's transaction, so that the stored counts are exactly what
                # committed, even if the sweep dies after this batch.
                RetentionSweep.objects.filter(pk=sweep_id).update(
                    erased=report.stored_counts(adding=(kind.label, result))
                )
    except Exception as exc:
        if len(refs) == 1:
            report._fail(kind.label, _failure_code(exc), refs[0][1])
            return []
        skipped: list[DueRef] = []
        for ref in refs:
            skipped += _run_batch(
                kind, [ref], now=now, dry_run=dry_run, report=report, sweep_id=sweep_id
            )
        return skipped
    report._add(result, kind.label)
    return result.skipped


def retention_sweep(
    *, now: datetime, dry_run: bool = False, batch_size: int = DEFAULT_BATCH_SIZE
) -> SweepReport:
    """Erase everything whose retention deadline is at or before `now` (P-18).

    Works kind by kind and batch by batch, each batch in its own transaction, so that it
    is idempotent and resumable. In a dry run nothing changes except the record of the
    run, and the report lists what would be erased and why. Records a `RetentionSweep`
    row (and, for a real run, a `JobRun`). Raises ValueError for a naive `now` or a batch
    size below 1; a batch's failure is recorded, not raised. An interruption
    (KeyboardInterrupt, SystemExit) marks the run failed and is raised again.
    """
    require_aware(now)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    sweep = RetentionSweep.objects.create(as_of=now, started_at=clock.now(), dry_run=dry_run)
    job = None if dry_run else JobRun.objects.create(job=JOB_NAME, started_at=clock.now())
    report = SweepReport(sweep_id=sweep.id, as_of=now, dry_run=dry_run)
    try:
        for kind in registered_kinds():
            try:
                refs = kind.due(now)
            except Exception as exc:
                # One kind that cannot be read must not keep the others from their sweep.
                report._fail(kind.label, _failure_code(exc), None)
                continue
            report.due[kind.label] = len(refs)
            report.erased.setdefault(kind.label, 0)
            retry: list[DueRef] = []
            for chunk in _chunks(refs, batch_size):
                retry += _run_batch(
                    kind, chunk, now=now, dry_run=dry_run, report=report, sweep_id=sweep.id
                )
            # Rows another transaction held: once more, now that it has likely finished.
            still_locked: list[DueRef] = []
            for chunk in _chunks(retry, batch_size):
                still_locked += _run_batch(
                    kind, chunk, now=now, dry_run=dry_run, report=report, sweep_id=sweep.id
                )
            report.skipped[kind.label] = len(still_locked)
    except BaseException:
        report.seconds = time.perf_counter() - started
        report._fail("", INTERRUPTED, None)
        # The interruption is what to raise, even if recording it fails too.
        with contextlib.suppress(Exception):
            _finish(sweep, job, report, SweepStatus.FAILED)
        raise
    report.seconds = time.perf_counter() - started
    _finish(sweep, job, report, SweepStatus.FAILED if report.failures else SweepStatus.DONE)
    return report


def _finish(
    sweep: RetentionSweep, job: JobRun | None, report: SweepReport, status: SweepStatus
) -> None:
    finished = clock.now()
    RetentionSweep.objects.filter(pk=sweep.pk).update(
        finished_at=finished,
        status=status,
        erased=report.stored_counts(),
        failures=report.failures,
    )
    if job is not None:
        JobRun.objects.filter(pk=job.pk).update(
            finished_at=finished,
            status=JobRun.Status.SUCCEEDED if status == SweepStatus.DONE else JobRun.Status.FAILED,
            summary={
                "erased": report.erased_total,
                "failures": report.failed_total,
                "rescheduled": sum(report.rescheduled.values()),
            },
        )


# --- the dashboard (reads) ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: date
    count: int


@dataclass(frozen=True)
class SweepSummary:
    """One sweep as an agency sees it: its own counts and failures, and failures of the
    run itself (an interruption)."""

    sweep: RetentionSweep
    erased: int
    failures: list[dict[str, Any]]


@dataclass(frozen=True)
class RetentionDashboard:
    # Deadline passed more than one sweep interval ago: must be zero (P-18).
    overdue: int
    # Deadline passed, within one interval: the next sweep takes them.
    due_now: int
    # Deadline not computed yet (the next sweep computes it).
    not_computed: int
    months: list[MonthCount]
    sweeps: list[SweepSummary]
    holds: list[LegalHold]
    released_holds: list[LegalHold]
    interval: timedelta
    # Every other kind the sweep erases, with how many of the agency's rows are more than
    # one interval past their deadline: each must be zero too.
    other_overdue: list["KindCount"] = field(default_factory=list)


@dataclass(frozen=True)
class KindCount:
    label: str
    name: str
    count: int


def _other_overdue(agency: Agency, cutoff: datetime) -> list[KindCount]:
    from django.apps import apps

    out = []
    for kind in registered_kinds():
        if kind.label == CANDIDATE_KIND.label:
            continue
        try:
            name = str(apps.get_model(kind.label)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            name = kind.label
        # `due` reads through the deadline index, so this stays cheap while all is well.
        count = sum(1 for _row, agency_id in kind.due(cutoff) if agency_id == agency.id)
        out.append(KindCount(label=kind.label, name=name[:1].upper() + name[1:], count=count))
    return sorted(out, key=lambda item: item.name)


def _month_starts(now: datetime, count: int) -> list[datetime]:
    local = now.astimezone(_local_zone())
    year, month = local.year, local.month
    starts = []
    for _index in range(count + 1):
        starts.append(datetime(year, month, 1, tzinfo=_local_zone()))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def retention_dashboard(*, agency: Agency, now: datetime, sweeps: int = 10) -> RetentionDashboard:
    """The agency's retention at a glance: overdue candidates (must be none), erasures due
    in each of the next 12 months (this month from now on), the last sweeps with this
    agency's counts, and the legal holds."""
    require_aware(now)
    candidates = Candidate.objects.filter(agency=agency)
    overdue = candidates.filter(erase_after__lte=now - SWEEP_INTERVAL).count()
    due_now = candidates.filter(erase_after__gt=now - SWEEP_INTERVAL, erase_after__lte=now).count()
    not_computed = candidates.filter(erase_after__isnull=True).exclude(_active_hold()).count()

    starts = _month_starts(now, 12)
    rows = (
        candidates.filter(erase_after__gt=now, erase_after__lt=starts[-1])
        .annotate(month=TruncMonth("erase_after", tzinfo=_local_zone()))
        .values("month")
        .annotate(n=Count("id"))
    )
    counts = {row["month"].astimezone(_local_zone()).date(): row["n"] for row in rows}
    months = [
        MonthCount(month=start.date(), count=counts.get(start.date(), 0)) for start in starts[:-1]
    ]

    key = str(agency.id)
    summaries = []
    for sweep in RetentionSweep.objects.order_by("-started_at")[:sweeps]:
        stored = sweep.erased if isinstance(sweep.erased, dict) else {}
        own = stored.get("by_agency", {}).get(key, {})
        failures = [
            failure
            for failure in (sweep.failures or [])
            if isinstance(failure, dict) and failure.get("agency") in ("", key)
        ]
        summaries.append(SweepSummary(sweep=sweep, erased=sum(own.values()), failures=failures))
    holds = list(
        LegalHold.objects.filter(agency=agency, released_at__isnull=True)
        .select_related("set_by")
        .order_by("-set_at")
    )
    released = list(
        LegalHold.objects.filter(agency=agency, released_at__isnull=False)
        .select_related("set_by", "released_by")
        .order_by("-released_at")[:10]
    )
    return RetentionDashboard(
        overdue=overdue,
        due_now=due_now,
        not_computed=not_computed,
        months=months,
        sweeps=summaries,
        holds=holds,
        released_holds=released,
        interval=SWEEP_INTERVAL,
        other_overdue=_other_overdue(agency, now - SWEEP_INTERVAL),
    )
