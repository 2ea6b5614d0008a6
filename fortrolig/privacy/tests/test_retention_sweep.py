"""The retention sweep (P-18): it erases exactly what is due, everything tied to it, once,
in batches that survive a crash and a second sweep running at the same time."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fortrolig.assignments.models import Application, ApplicationSource
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, chain_check
from fortrolig.candidates.models import BackgroundCheck, Candidate, CheckKind, Reference
from fortrolig.conftest import make_agency, make_position
from fortrolig.core.models import DataKey, JobRun
from fortrolig.core.vault import vault_read, vault_store
from fortrolig.documents.models import Document
from fortrolig.privacy import retention
from fortrolig.privacy.consents import consent_give
from fortrolig.privacy.legal_holds import legal_hold_release, legal_hold_set
from fortrolig.privacy.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    LegalHold,
    PaperDocument,
    RetentionSweep,
)
from fortrolig.privacy.retention import (
    BatchResult,
    DueItem,
    RetainedKind,
    candidate_erase_after_refresh,
    register_kind,
    retention_sweep,
    unregister_kind,
)
from fortrolig.search.models import CandidateSearchEntry
from fortrolig.search.services import search_index_refresh

from .test_retention_support import NOW, OSLO, make_candidate, use_test_policy

ACTIVITY = datetime(2024, 2, 29, 14, 0, tzinfo=OSLO)
DEADLINE = datetime(2026, 2, 28, 14, 0, tzinfo=OSLO)


@pytest.fixture
def policy(monkeypatch):
    use_test_policy(monkeypatch)


def sweep(now, **kwargs):
    with time_machine.travel(now, tick=False):
        return retention_sweep(now=now, **kwargs)


def erased_events(candidate_id=None):
    events = AuditEvent.objects.filter(action="retention.candidate.erased")
    if candidate_id is not None:
        events = events.filter(subject_id=candidate_id)
    return events


# --- boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "erased"),
    [
        (DEADLINE - timedelta(days=1), False),
        (DEADLINE - timedelta(microseconds=1), False),
        (DEADLINE, True),
        (DEADLINE + timedelta(days=1), True),
    ],
    ids=["day-before", "just-before", "at-the-deadline", "day-after"],
)
def test_p18_a_candidate_is_erased_from_its_deadline_on(agency, moment, erased):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    assert candidate.erase_after == DEADLINE
    report = sweep(moment)
    assert Candidate.objects.filter(pk=candidate.pk).exists() is not erased
    assert report.erased["candidates.Candidate"] == int(erased)


@pytest.mark.parametrize("zone", [UTC, OSLO], ids=["utc", "oslo"])
def test_p18_the_same_instant_in_oslo_or_utc_sweeps_the_same(agency, zone):
    # Midnight in Oslo on the deadline's day is 23:00 UTC the day before: not yet due.
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    oslo_midnight = datetime(2026, 2, 28, 0, 0, tzinfo=OSLO)
    sweep(oslo_midnight.astimezone(zone))
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    sweep(DEADLINE.astimezone(zone))
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_p18_month_end_deadline_with_a_one_month_period(db):
    agency = make_agency("kort", index=2, settings={"candidate_retention_months": 1})
    candidate = make_candidate(agency, last_activity_at=datetime(2025, 1, 31, 12, tzinfo=OSLO))
    sweep(datetime(2025, 2, 28, 11, 59, tzinfo=OSLO))
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    sweep(datetime(2025, 2, 28, 12, 0, tzinfo=OSLO))
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


# --- what an erasure takes ----------------------------------------------------------------


def _application_with_check(agency, candidate):
    position = make_position(agency)
    stage = pipeline_stages_ensure(agency=agency, now=NOW)
    application = Application.objects.create(
        agency=agency,
        candidate=candidate,
        position=position,
        stage=stage,
        source=ApplicationSource.CONSULTANT,
        data_key_id=candidate.data_key_id,
        cover_letter="Jeg søker stillingen.",
        stage_changed_at=NOW,
    )
    blob = vault_store(data_key_id=candidate.data_key_id, content=b"police certificate")
    check = BackgroundCheck.objects.create(
        agency=agency,
        candidate=candidate,
        application=application,
        data_key_id=candidate.data_key_id,
        kind=CheckKind.POLICE_CERTIFICATE,
        requested_at=NOW,
        notice_sent_at=NOW,
        blob_name=blob,
        details="Ingen merknader",
    )
    return application, check


def test_p18_erasure_takes_every_row_tied_to_the_candidate(
    agency, policy, django_capture_on_commit_callbacks
):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY, documents=2, references=2)
    keeper = make_candidate(
        agency, last_activity_at=NOW, first_name="Per", email="per@example.com", documents=1
    )
    application, check = _application_with_check(agency, candidate)
    consent_give(
        agency=agency,
        actor=Actor.system(),
        candidate_id=candidate.id,
        purpose=ConsentPurpose.JOB_ALERTS,
        channel=ConsentChannel.JOB_BOARD,
        now=ACTIVITY,
    )
    hold = legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=candidate.id, reason="Sak 1", now=NOW
    )
    legal_hold_release(agency=agency, actor=Actor.system(), hold_id=hold.id, now=NOW)
    search_index_refresh(candidate_id=candidate.id)
    search_index_refresh(candidate_id=keeper.id)
    paper = PaperDocument.objects.create(
        agency=agency,
        candidate=candidate,
        kind="cv",
        received_on=NOW.date(),
        storage_location="Arkivskap 3",
        scan=Document.objects.filter(candidate=candidate).first(),
    )
    blobs = list(Document.objects.filter(candidate=candidate).values_list("blob_name", flat=True))
    blobs.append(check.blob_name)
    assert all(default_storage.exists(name) for name in blobs)
    key_id = candidate.data_key_id

    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(DEADLINE)

    assert report.erased["candidates.Candidate"] == 1
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert not Document.objects.filter(candidate_id=candidate.id).exists()
    assert not Reference.objects.filter(candidate_id=candidate.id).exists()
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not BackgroundCheck.objects.filter(pk=check.pk).exists()
    assert not Consent.objects.filter(candidate_id=candidate.id).exists()
    assert not LegalHold.objects.filter(candidate_id=candidate.id).exists()
    assert not CandidateSearchEntry.objects.filter(candidate_id=candidate.id).exists()
    assert not any(default_storage.exists(name) for name in blobs)
    key = DataKey.objects.get(pk=key_id)
    assert key.wrapped_key is None
    assert key.destroyed_at == DEADLINE
    # The paper stays in the register (it may not be shredded yet), unlinked.
    paper.refresh_from_db()
    assert paper.candidate_id is None and paper.scan_id is None
    # The other candidate is untouched.
    assert Document.objects.filter(candidate=keeper).count() == 1
    assert CandidateSearchEntry.objects.filter(candidate_id=keeper.id).exists()
    assert DataKey.objects.get(pk=keeper.data_key_id).wrapped_key is not None

    [event] = erased_events(candidate.id)
    assert event.subject_type == "candidates.candidate"
    assert event.actor_type == "system"
    assert event.fields == []
    assert event.purpose == "last_activity"
    assert chain_check(agency_id=agency.id).ok


def test_p18_the_clock_that_expired_is_recorded(agency, policy):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    until = DEADLINE + timedelta(days=100)
    consent_give(
        agency=agency,
        actor=Actor.system(),
        candidate_id=candidate.id,
        purpose=ConsentPurpose.STORAGE_EXTENSION,
        channel=ConsentChannel.PORTAL,
        expires_at=until,
        now=NOW - timedelta(days=30),
    )
    sweep(DEADLINE)
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    sweep(until)
    assert erased_events(candidate.id).get().purpose == "consent_expiry"


def test_p18_a_second_sweep_erases_nothing(agency):
    for index in range(3):
        make_candidate(agency, last_activity_at=ACTIVITY, email=f"k{index}@example.com")
    first = sweep(DEADLINE)
    second = sweep(DEADLINE)
    assert first.erased_total == 3
    assert second.erased_total == 0
    assert erased_events().count() == 3


def test_p18_only_what_is_due_is_taken(agency):
    due = make_candidate(agency, last_activity_at=ACTIVITY)
    fresh = make_candidate(agency, last_activity_at=NOW, email="ny@example.com")
    report = sweep(DEADLINE)
    assert report.due["candidates.Candidate"] == 1
    assert not Candidate.objects.filter(pk=due.pk).exists()
    assert Candidate.objects.filter(pk=fresh.pk).exists()


def test_p18_a_stale_deadline_is_computed_again_not_erased(agency):
    # Activity moved on by code that did not refresh the deadline.
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=NOW)
    report = sweep(DEADLINE)
    candidate.refresh_from_db()
    assert report.erased_total == 0
    assert report.rescheduled == {"candidates.Candidate": 1}
    assert candidate.erase_after == datetime(2028, 3, 2, 9, 30, tzinfo=UTC)


def test_p18_a_deadline_never_computed_is_computed_by_the_sweep(agency):
    old = make_candidate(agency, last_activity_at=ACTIVITY, refresh=False)
    new = make_candidate(agency, last_activity_at=NOW, refresh=False, email="ny@example.com")
    assert old.erase_after is None and new.erase_after is None
    sweep(DEADLINE)
    assert not Candidate.objects.filter(pk=old.pk).exists()
    new.refresh_from_db()
    assert new.erase_after == datetime(2028, 3, 2, 9, 30, tzinfo=UTC)


def test_p18_a_candidate_on_legal_hold_is_never_erased(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    hold = legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=candidate.id, reason="Tvist", now=NOW
    )
    report = sweep(DEADLINE + timedelta(days=400))
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert report.due["candidates.Candidate"] == 0
    # Released after the deadline: due at the next sweep, no time added.
    legal_hold_release(agency=agency, actor=Actor.system(), hold_id=hold.id, now=NOW)
    sweep(DEADLINE + timedelta(days=401))
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_p18_a_hold_row_without_a_cleared_deadline_still_pauses(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    LegalHold.objects.create(agency=agency, candidate=candidate, reason="Direkte", set_at=NOW)
    report = sweep(DEADLINE)
    candidate.refresh_from_db()
    assert report.paused == {"candidates.Candidate": 1}
    assert candidate.erase_after is None


def test_p18_a_dry_run_changes_nothing_and_says_why(agency):
    due = make_candidate(agency, last_activity_at=ACTIVITY, documents=1)
    stale = make_candidate(agency, last_activity_at=ACTIVITY, email="b@example.com")
    Candidate.objects.filter(pk=stale.pk).update(last_activity_at=NOW)
    report = sweep(DEADLINE, dry_run=True)
    assert [(item.id, item.clock, item.deadline) for item in report.items] == [
        (due.id, "last_activity", DEADLINE)
    ]
    assert report.erased["candidates.Candidate"] == 1
    assert report.rescheduled == {"candidates.Candidate": 1}
    assert Candidate.objects.count() == 2
    stale.refresh_from_db()
    assert stale.erase_after == DEADLINE  # not moved in a dry run
    assert not erased_events().exists()
    run = RetentionSweep.objects.get(pk=report.sweep_id)
    assert run.dry_run and run.status == "done"
    assert not JobRun.objects.filter(job="retention_sweep").exists()


def test_p18_a_sweep_is_recorded_with_counts_and_no_personal_data(agency, other_agency):
    make_candidate(agency, last_activity_at=ACTIVITY)
    make_candidate(other_agency, last_activity_at=ACTIVITY)
    make_candidate(other_agency, last_activity_at=ACTIVITY, email="c@example.com")
    report = sweep(DEADLINE)
    run = RetentionSweep.objects.get(pk=report.sweep_id)
    assert run.status == "done" and run.finished_at is not None and run.as_of == DEADLINE
    assert run.erased["total"]["candidates.Candidate"] == 3
    assert run.erased["by_agency"] == {
        str(agency.id): {"candidates.Candidate": 1},
        str(other_agency.id): {"candidates.Candidate": 2},
    }
    assert run.failures == []
    assert "example.com" not in str(run.erased) and "Kari" not in str(run.erased)
    job = JobRun.objects.get(job="retention_sweep")
    assert job.status == "succeeded" and job.summary["erased"] == 3


# --- failures, crashes and concurrency ---------------------------------------------------


def test_p18_one_bad_row_does_not_hold_back_the_others(agency, monkeypatch):
    candidates = [
        make_candidate(agency, last_activity_at=ACTIVITY, email=f"k{i}@example.com")
        for i in range(6)
    ]
    bad = candidates[2].id
    real = retention._candidates_erase

    def failing(items, *, now):
        if any(row.id == bad for row, _deadline in items):
            raise RuntimeError("simulated failure with kari@example.com in the message")
        real(items, now=now)

    monkeypatch.setattr(retention, "_candidates_erase", failing)
    report = sweep(DEADLINE, batch_size=4)
    assert report.erased_total == 5
    assert list(Candidate.objects.values_list("id", flat=True)) == [bad]
    assert report.failures == [
        {
            "kind": "candidates.Candidate",
            "code": "RuntimeError",
            "agency": str(agency.id),
            "count": 1,
        }
    ]
    run = RetentionSweep.objects.get(pk=report.sweep_id)
    assert run.status == "failed"
    assert "example.com" not in str(run.failures)
    assert JobRun.objects.get(job="retention_sweep").status == "failed"


def test_p18_a_sweep_killed_halfway_leaves_whole_batches_and_a_rerun_finishes(
    transactional_db, monkeypatch
):
    agency = make_agency()
    candidates = [
        make_candidate(agency, last_activity_at=ACTIVITY, email=f"k{i}@example.com", documents=1)
        for i in range(12)
    ]
    blobs = dict(Document.objects.values_list("candidate_id", "blob_name"))
    real = retention._candidates_erase
    calls = {"n": 0}

    def killed_in_second_batch(items, *, now):
        calls["n"] += 1
        real(items, now=now)  # the batch's work is done ...
        if calls["n"] == 2:
            raise KeyboardInterrupt  # ... and the process dies before the commit

    monkeypatch.setattr(retention, "_candidates_erase", killed_in_second_batch)
    with pytest.raises(KeyboardInterrupt):
        sweep(DEADLINE, batch_size=5)

    remaining = set(Candidate.objects.values_list("id", flat=True))
    assert len(remaining) == 7  # the first batch only
    for candidate in candidates:
        key = DataKey.objects.get(pk=candidate.data_key_id)
        if candidate.id in remaining:
            # Untouched: the row, its document, its blob and its key.
            assert key.wrapped_key is not None
            assert vault_read(name=blobs[candidate.id]).startswith(b"CV 0")
        else:
            assert key.wrapped_key is None
            assert not default_storage.exists(blobs[candidate.id])
    killed = RetentionSweep.objects.get()
    assert killed.status == "failed"
    assert killed.erased["total"] == {"candidates.Candidate": 5}
    assert {"kind": "", "code": "interrupted", "agency": "", "count": 1} in killed.failures

    monkeypatch.setattr(retention, "_candidates_erase", real)
    report = sweep(DEADLINE, batch_size=5)
    assert report.erased_total == 7
    assert not Candidate.objects.exists()
    assert not any(default_storage.exists(name) for name in blobs.values())
    assert erased_events().count() == 12
    assert len(set(erased_events().values_list("subject_id", flat=True))) == 12
    assert chain_check(agency_id=agency.id).ok


def test_p18_two_sweeps_at_once_erase_each_candidate_once(transactional_db, monkeypatch):
    agency = make_agency()
    other = make_agency("fjellet", index=1)
    count = 40
    for index in range(count):
        make_candidate(
            agency if index % 2 else other,
            last_activity_at=ACTIVITY,
            email=f"k{index}@example.com",
            documents=1,
        )
    real = retention._candidates_erase

    def slow(items, *, now):
        real(items, now=now)
        time.sleep(0.02)  # hold the batch's locks a little, so that the sweeps overlap

    monkeypatch.setattr(retention, "_candidates_erase", slow)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            if connection.vendor == "sqlite":
                # As in production (config/settings/base.py): writers take the lock when
                # they begin, and wait for it; the test settings leave SQLite's default.
                connection.ensure_connection()
                connection.transaction_mode = "IMMEDIATE"  # type: ignore[attr-defined]
            barrier.wait()
            reports.append(retention_sweep(now=DEADLINE, batch_size=3))
        except Exception as exc:  # asserted on in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert [r.failures for r in reports] == [[], []]
    assert sum(r.erased_total for r in reports) == count
    assert not Candidate.objects.exists()
    assert erased_events().count() == count
    assert len(set(erased_events().values_list("subject_id", flat=True))) == count
    assert chain_check(agency_id=agency.id).ok and chain_check(agency_id=other.id).ok


def test_p18_a_row_that_protects_the_candidates_data_stops_its_erasure_whole(transactional_db):
    # Another candidate's background check points at this candidate's application (PROTECT):
    # the erasure may not leave it dangling, so nothing of this candidate is erased, the
    # failure is recorded, and the other candidates of the batch are erased.
    agency = make_agency()
    candidate = make_candidate(agency, last_activity_at=ACTIVITY, documents=1)
    others = [
        make_candidate(agency, last_activity_at=ACTIVITY, email=f"o{i}@example.com")
        for i in range(3)
    ]
    keeper = make_candidate(agency, last_activity_at=NOW, email="keeper@example.com")
    application, check = _application_with_check(agency, candidate)
    BackgroundCheck.objects.filter(pk=check.pk).update(candidate=keeper)
    report = sweep(DEADLINE, batch_size=10)
    assert report.erased_total == 3
    assert [f["count"] for f in report.failures] == [1]
    assert report.failures[0]["code"] == "IntegrityError"
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert Application.objects.filter(pk=application.pk).exists()
    assert Document.objects.filter(candidate=candidate).exists()
    assert DataKey.objects.get(pk=candidate.data_key_id).wrapped_key is not None
    assert not Candidate.objects.filter(pk__in=[o.pk for o in others]).exists()
    assert not erased_events(candidate.id).exists()


# --- the invariant ----------------------------------------------------------------------

_days = st.integers(min_value=-1500, max_value=1500)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(
            _days,  # last activity, days from NOW
            st.sampled_from(["fresh", "stale", "never", "held", "consent", "withdrawn"]),
            _days,  # activity moved to / consent end, days from NOW
        ),
        min_size=1,
        max_size=6,
    ),
    sweep_at=_days,
    zone=st.sampled_from([UTC, OSLO]),
)
def test_p18_after_a_sweep_at_any_date_no_deadline_is_before_it(agency, people, sweep_at, zone):
    from fortrolig.privacy import consents as consents_module
    from fortrolig.privacy.consents import consent_withdraw

    from .test_retention_support import make_policy

    savepoint = transaction.savepoint()
    try:
        version = make_policy(agency, number=1)
        original = consents_module._policy_current
        consents_module._policy_current = lambda **_kwargs: version
        try:
            for index, (activity, state, other) in enumerate(people):
                candidate = make_candidate(
                    agency,
                    last_activity_at=NOW + timedelta(days=activity),
                    email=f"p{index}@example.com",
                    refresh=state != "never",
                )
                if state == "stale":
                    Candidate.objects.filter(pk=candidate.pk).update(
                        last_activity_at=NOW + timedelta(days=max(activity, other))
                    )
                elif state == "held":
                    legal_hold_set(
                        agency=agency,
                        actor=Actor.system(),
                        candidate_id=candidate.id,
                        reason="Sak",
                        now=NOW,
                    )
                elif state in ("consent", "withdrawn"):
                    consent = consent_give(
                        agency=agency,
                        actor=Actor.system(),
                        candidate_id=candidate.id,
                        purpose=ConsentPurpose.STORAGE_EXTENSION,
                        channel=ConsentChannel.PORTAL,
                        expires_at=NOW + timedelta(days=abs(other) + 1),
                        now=NOW,
                    )
                    if state == "withdrawn":
                        consent_withdraw(
                            agency=agency, actor=Actor.system(), consent_id=consent.id, now=NOW
                        )
        finally:
            consents_module._policy_current = original
        now = (NOW + timedelta(days=sweep_at, hours=sweep_at % 24)).astimezone(zone)
        retention_sweep(now=now)
        assert not Candidate.objects.filter(erase_after__lt=now).exists()
        assert not Candidate.objects.filter(erase_after__lte=now).exists()
        held = set(
            LegalHold.objects.filter(released_at__isnull=True).values_list(
                "candidate_id", flat=True
            )
        )
        for candidate in Candidate.objects.all():
            if candidate.id in held:
                assert candidate.erase_after is None
            else:
                assert candidate.erase_after is not None
                # What is left is left because its real deadline is still ahead.
                refreshed = candidate_erase_after_refresh(candidate_id=candidate.id, now=now)
                assert refreshed is not None and refreshed > now
    finally:
        transaction.savepoint_rollback(savepoint)


# --- the registry -------------------------------------------------------------------------


def test_p18_the_sweep_takes_every_registered_kind(agency):
    taken: list[uuid.UUID] = []
    rows = [uuid.uuid4() for _ in range(5)]

    def due(now):
        return [(row, agency.id) for row in rows if row not in taken]

    def process(refs, now, dry_run):
        if any(ref[0] == rows[3] for ref in refs):
            raise ValueError("bad row")
        if not dry_run:
            taken.extend(ref[0] for ref in refs)
        return BatchResult(
            erased=[
                DueItem(kind="test.Thing", id=ref[0], agency_id=ref[1], clock="x", deadline=now)
                for ref in refs
            ]
        )

    kind = register_kind(RetainedKind(label="test.Thing", due=due, process=process))
    try:
        with pytest.raises(ValueError, match="twice"):
            register_kind(
                RetainedKind(label="test.Thing", due=due, process=lambda *a: BatchResult())
            )
        report = sweep(NOW, batch_size=2)
    finally:
        unregister_kind(kind.label)
    assert report.erased["test.Thing"] == 4
    assert sorted(taken) == sorted(row for row in rows if row != rows[3])
    assert report.failures == [
        {"kind": "test.Thing", "code": "ValueError", "agency": str(agency.id), "count": 1}
    ]


def test_p03_erasure_leaves_no_table_that_points_at_a_candidate():
    """Every table that points at a candidate (or at a row erased with it) is emptied by
    the cascade, except the reviewed exceptions. A new table that keeps a candidate's data
    past the erasure (PROTECT, SET_NULL, DO_NOTHING) fails here until it is handled."""
    from django.db.models import CASCADE, ForeignObjectRel, Model

    reviewed = {
        # Deleted first by the erasure; an application protects its checks.
        ("candidates.BackgroundCheck", "application"),
        # The paper register keeps paper that may not be shredded yet, unlinked (P-30).
        ("privacy.PaperDocument", "candidate"),
        ("privacy.PaperDocument", "scan"),
        # Requests outlive an erasure as records of what was asked and answered (P-24).
        ("privacy.DataSubjectRequest", "candidate"),
        # An employment outlives the candidate record on its own clock (P-19), with its own
        # copy of what the employer needs under its own key; the sweep erases it later.
        ("staffing.Employment", "candidate"),
    }
    erased: set[type[Model]] = {Candidate}
    pending: list[type[Model]] = [Candidate]
    problems = []
    while pending:
        model = pending.pop()
        for relation in model._meta.get_fields(include_hidden=True):
            if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
                continue
            related = relation.related_model
            assert isinstance(related, type) and issubclass(related, Model)
            key = (related._meta.label, relation.field.name)
            if relation.on_delete is CASCADE:
                if related not in erased:
                    erased.add(related)
                    pending.append(related)
            elif key not in reviewed:
                problems.append(
                    f"{key[0]}.{key[1]} ({getattr(relation.on_delete, '__name__', '')})"
                )
    assert not problems, "Teach the erasure about: " + ", ".join(problems)


def test_p18_a_kind_that_cannot_be_read_does_not_stop_the_others(agency):
    def due(now):
        raise LookupError("table missing")

    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    kind = register_kind(
        RetainedKind(label="test.Broken", due=due, process=lambda *a: BatchResult())
    )
    try:
        report = sweep(DEADLINE)
    finally:
        unregister_kind(kind.label)
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert report.failures == [
        {"kind": "test.Broken", "code": "LookupError", "agency": "", "count": 1}
    ]
