"""The audit chain (P-28): events in the caller's transaction, append-only, tamper-evident."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from fortrolig.audit import triggers
from fortrolig.audit.models import ActorType, AuditChainHead, AuditEvent, AuditVerification
from fortrolig.audit.services import (
    Actor,
    Problem,
    SubjectRef,
    chain_check,
    chain_verify,
    chains_verify_all,
    event_hash,
    record,
    record_many,
)
from fortrolig.core import clock
from fortrolig.core.models import JobRun

STAFF = Actor(type=ActorType.STAFF, id=uuid.UUID("00000000-0000-4000-8000-000000000001"))


def _events(agency, count=5):
    subject = SubjectRef(type="candidates.candidate", id=uuid.uuid4())
    with transaction.atomic():
        return [
            record(
                agency=agency,
                actor=STAFF,
                action="candidate.viewed",
                subject=subject,
                fields=["email", "phone"],
                purpose="recruitment",
            )
            for _ in range(count)
        ]


def _tamper(sql, params):
    """Change audit rows behind the application's back, as an attacker with SQL would."""
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        triggers.install(connection)


def _pk(value):
    return value.hex if connection.vendor == "sqlite" else value


def test_p28_record_appends_a_linked_chain(agency):
    events = _events(agency, 3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get(agency=agency)
    assert (head.seq, head.hash) == (3, events[2].hash)
    assert chain_check(agency_id=agency.id).ok


def test_p28_each_agency_has_its_own_chain(agency, other_agency):
    _events(agency, 3)
    other = _events(other_agency, 2)
    assert [e.seq for e in other] == [1, 2]
    assert chain_check(agency_id=agency.id).ok
    assert chain_check(agency_id=other_agency.id).ok


def test_p28_record_refuses_to_run_outside_a_transaction(transactional_db, agency):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(agency=agency, actor=STAFF, action="candidate.viewed")


def test_p28_event_and_change_roll_back_together(agency):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record(agency=agency, actor=STAFF, action="candidate.viewed")
        1 / 0  # noqa: B018
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"fields": ["ola.nordmann@example.com"]},
        {"fields": ["+47 912 34 567"]},
        {"fields": ["Kari Nordmann"]},
        {"purpose": "called ola@example.com"},
        {"action": "Viewed the candidate"},
    ],
)
def test_p28_events_hold_names_never_values(agency, bad):
    kwargs = {"agency": agency, "actor": STAFF, "action": "candidate.viewed", **bad}
    with pytest.raises(ValueError), transaction.atomic():
        record(**kwargs)
    assert not AuditEvent.objects.exists()


def test_p28_update_and_delete_are_refused_by_the_database(agency):
    event = _events(agency, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="candidate.changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).action == "candidate.viewed"


def test_p28_an_altered_row_is_detected_and_named(agency):
    events = _events(agency, 5)
    _tamper(
        "UPDATE audit_auditevent SET action = %s WHERE id = %s",
        ["candidate.deleted", _pk(events[2].id)],
    )
    report = chain_check(agency_id=agency.id)
    assert not report.ok
    assert (report.first_bad_seq, report.first_bad_event_id, report.problem) == (
        3,
        events[2].id,
        Problem.ALTERED,
    )


def test_p28_altered_fields_or_time_are_detected(agency):
    events = _events(agency, 3)
    _tamper(
        "UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s",
        [events[1].occurred_at - timedelta(days=1), _pk(events[1].id)],
    )
    assert chain_check(agency_id=agency.id).first_bad_seq == 2


def test_p28_a_removed_row_is_detected(agency):
    events = _events(agency, 5)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [_pk(events[1].id)])
    report = chain_check(agency_id=agency.id)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 3, Problem.MISSING_BEFORE)


def test_p28_a_forged_inserted_row_is_detected(agency):
    events = _events(agency, 3)
    # The forger replaces event 2 with one of their own, linked to event 1 and hashed with
    # a key they guess: without the deployment's key the hash cannot match.
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [_pk(events[1].id)])
    forged_hash = event_hash(
        agency_id=agency.id,
        seq=2,
        occurred_at=events[1].occurred_at,
        actor_type="staff",
        actor_id=None,
        action="candidate.viewed",
        subject_type="",
        subject_id=None,
        fields=[],
        purpose="",
        prev_hash=events[0].hash,
        key=b"guessed-key",
    )
    with transaction.atomic():
        AuditEvent.objects.create(
            agency=agency,
            seq=2,
            occurred_at=events[1].occurred_at,
            actor_type="staff",
            action="candidate.viewed",
            prev_hash=events[0].hash,
            hash=forged_hash,
        )
    report = chain_check(agency_id=agency.id)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 2, Problem.ALTERED)


def test_p28_a_row_linked_to_the_wrong_predecessor_is_detected(agency):
    events = _events(agency, 3)
    _tamper(
        "UPDATE audit_auditevent SET prev_hash = %s WHERE id = %s", ["f" * 64, _pk(events[2].id)]
    )
    report = chain_check(agency_id=agency.id)
    assert (report.first_bad_seq, report.problem) == (3, Problem.NOT_LINKED)


def test_p28_a_cut_end_of_the_chain_is_detected(agency):
    events = _events(agency, 4)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [_pk(events[3].id)])
    report = chain_check(agency_id=agency.id)
    assert (report.ok, report.problem) == (False, Problem.MISSING_AT_END)


def test_p28_a_cut_end_with_a_moved_head_is_caught_by_the_last_verification(agency):
    events = _events(agency, 4)
    assert chain_verify(agency=agency, now=clock.now()).ok
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [_pk(events[3].id)])
    AuditChainHead.objects.filter(agency=agency).update(seq=3, hash=events[2].hash)
    report = chain_check(agency_id=agency.id)
    assert (report.ok, report.problem, report.first_bad_seq) == (False, Problem.ANCHOR_LOST, 4)


def test_p28_audit_verify_command_passes_and_fails(agency, other_agency):
    events = _events(agency, 3)
    _events(other_agency, 2)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "nordlys: ok: 3 events" in out.getvalue()
    assert "fjellet: ok: 2 events" in out.getvalue()

    _tamper(
        "UPDATE audit_auditevent SET fields = %s WHERE id = %s", ['["salary"]', _pk(events[1].id)]
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 audit chain"):
        call_command("audit_verify", "--agency", "nordlys", stdout=out)
    assert f"BROKEN at event #2 ({events[1].id})" in out.getvalue()


def test_audit_verify_command_refuses_an_unknown_agency(agency):
    with pytest.raises(CommandError, match="no agency"):
        call_command("audit_verify", "--agency", "nope")


def test_p28_daily_job_records_its_run_and_result(agency):
    from fortrolig.audit.tasks import audit_verify_all_task

    _events(agency, 2)
    assert audit_verify_all_task.delay().get() == 0
    run = JobRun.objects.get(job="audit_verify")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.summary == {"chains": 1, "broken": 0, "events": 2}
    assert AuditVerification.objects.get(agency=agency).ok


def test_p28_a_failed_daily_job_shows_as_failed(agency):
    events = _events(agency, 2)
    _tamper("UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["x", _pk(events[0].id)])
    reports = chains_verify_all(now=clock.now())
    assert not reports[0].ok
    assert JobRun.objects.get(job="audit_verify").status == JobRun.Status.FAILED


def test_p28_record_many_appends_one_linked_chain(agency):
    from fortrolig.audit.services import PendingEvent

    subjects = [SubjectRef(type="candidates.candidate", id=uuid.uuid4()) for _ in range(3)]
    with transaction.atomic():
        record(agency=agency, actor=STAFF, action="candidate.viewed")
        events = record_many(
            agency=agency,
            actor=STAFF,
            events=[
                PendingEvent(action="candidate.imported", subject=s, fields=("email",))
                for s in subjects
            ],
        )
        record(agency=agency, actor=STAFF, action="candidate.viewed")
    assert [e.seq for e in events] == [2, 3, 4]
    assert [e.subject_id for e in events] == [s.id for s in subjects]
    assert chain_check(agency_id=agency.id).ok
    assert AuditEvent.objects.filter(agency=agency).count() == 5


def test_p28_record_many_refuses_values(agency):
    from fortrolig.audit.services import PendingEvent

    with pytest.raises(ValueError), transaction.atomic():
        record_many(
            agency=agency,
            actor=STAFF,
            events=[PendingEvent(action="candidate.imported", fields=("ola@example.com",))],
        )
    assert not AuditEvent.objects.exists()
