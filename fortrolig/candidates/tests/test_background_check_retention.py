"""Background checks in the retention sweep (P-07 safety net): a check that should be
destroyed but is not is destroyed by the sweep, its dated note stays, and it is never
taken again."""

from datetime import timedelta

import time_machine
from django.core.files.storage import default_storage

from fortrolig.assignments.models import (
    Application,
    ApplicationSource,
    Assignment,
    AssignmentStatus,
    PipelineStage,
    StageOutcome,
)
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import BackgroundCheck, CheckKind, CheckOutcome, CheckStatus
from fortrolig.conftest import make_position
from fortrolig.core.vault import vault_store
from fortrolig.privacy.retention import retention_sweep
from fortrolig.privacy.tests.test_retention_support import NOW, make_candidate

LABEL = "candidates.BackgroundCheck"
LATER = NOW + timedelta(days=10)


def sweep(now, **kwargs):
    with time_machine.travel(now, tick=False):
        return retention_sweep(now=now, **kwargs)


def make_check(agency, *, email="kari.testesen@example.com"):
    # The candidate's own deadline is two years away: only the check is in question.
    candidate = make_candidate(agency, last_activity_at=NOW, email=email)
    position = make_position(agency)
    stage = pipeline_stages_ensure(agency=agency, now=NOW)
    application = Application.objects.create(
        agency=agency,
        candidate=candidate,
        position=position,
        stage=stage,
        source=ApplicationSource.CONSULTANT,
        data_key_id=candidate.data_key_id,
        stage_changed_at=NOW,
    )
    blob = vault_store(data_key_id=candidate.data_key_id, content=b"police certificate")
    return BackgroundCheck.objects.create(
        agency=agency,
        candidate=candidate,
        application=application,
        data_key_id=candidate.data_key_id,
        kind=CheckKind.POLICE_CERTIFICATE,
        status=CheckStatus.RECEIVED,
        requested_at=NOW,
        notice_sent_at=NOW,
        received_at=NOW,
        blob_name=blob,
        filename="politiattest.pdf",
        details="Ingen merknader",
        outcome=CheckOutcome.SATISFACTORY,
        outcome_on=NOW.date(),
    )


def end_assignment_without_hook(check):
    assignment = check.application.position.assignment
    Assignment.objects.filter(pk=assignment.pk).update(
        status=AssignmentStatus.ENDED, ended_at=NOW + timedelta(days=1)
    )


def test_p07_a_check_of_an_open_recruitment_is_left_alone(agency):
    check = make_check(agency)
    report = sweep(LATER)
    assert report.due[LABEL] == 0
    check.refresh_from_db()
    assert check.status == CheckStatus.RECEIVED and check.blob_name


def test_p07_p18_a_missed_assignment_end_is_destroyed_and_the_note_remains(
    agency, django_capture_on_commit_callbacks
):
    check = make_check(agency)
    blob = check.blob_name
    end_assignment_without_hook(check)
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(LATER)
    assert report.erased[LABEL] == 1
    assert not report.failures
    check.refresh_from_db()
    assert check.status == CheckStatus.DESTROYED
    assert check.destroyed_at == LATER
    assert check.filename is None and check.details is None and not check.blob_name
    assert not default_storage.exists(blob)
    # The dated note stays.
    assert check.kind == CheckKind.POLICE_CERTIFICATE
    assert check.outcome == CheckOutcome.SATISFACTORY and check.outcome_on == NOW.date()
    [event] = AuditEvent.objects.filter(action="candidate.background_check.destroyed")
    assert event.actor_type == "system" and event.purpose == "retention"

    second = sweep(LATER + timedelta(days=1))
    assert second.due[LABEL] == 0 and second.erased[LABEL] == 0
    assert AuditEvent.objects.filter(action="candidate.background_check.destroyed").count() == 1


def test_p07_a_candidate_who_left_the_recruitment_loses_the_check(agency):
    check = make_check(agency)
    rejected = PipelineStage.objects.filter(agency=agency, outcome=StageOutcome.REJECTED).first()
    Application.objects.filter(pk=check.application_id).update(stage=rejected)
    sweep(LATER)
    check.refresh_from_db()
    assert check.status == CheckStatus.DESTROYED


def test_p07_a_passed_erase_after_is_destroyed(agency):
    check = make_check(agency)
    BackgroundCheck.objects.filter(pk=check.pk).update(erase_after=LATER - timedelta(seconds=1))
    sweep(LATER)
    check.refresh_from_db()
    assert check.status == CheckStatus.DESTROYED


def test_p07_a_dry_run_changes_nothing(agency):
    check = make_check(agency)
    end_assignment_without_hook(check)
    report = sweep(LATER, dry_run=True)
    assert [(item.kind, item.id) for item in report.items if item.kind == LABEL] == [
        (LABEL, check.id)
    ]
    check.refresh_from_db()
    assert check.status == CheckStatus.RECEIVED
    assert check.blob_name and default_storage.exists(check.blob_name)
    assert not AuditEvent.objects.filter(action="candidate.background_check.destroyed").exists()


def test_p07_another_agencys_check_stays(agency, other_agency):
    mine = make_check(agency)
    theirs = make_check(other_agency, email="ola.testesen@example.com")
    end_assignment_without_hook(mine)
    report = sweep(LATER)
    assert report.by_agency == {str(agency.id): {LABEL: 1}}
    theirs.refresh_from_db()
    assert theirs.status == CheckStatus.RECEIVED
