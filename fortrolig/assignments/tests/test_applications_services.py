"""Applications: a consultant puts a candidate on a position, and moves them between
stages; every move is audited (P-28) and restricted candidates stay out (P-23)."""

import pytest
from django.utils import translation

from fortrolig.assignments.models import Application, ApplicationSource, PipelineStage
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.assignments.selectors import application_get, application_list
from fortrolig.assignments.services import (
    AssignmentEnded,
    CandidateRestricted,
    DuplicateApplication,
    application_add,
    application_move,
    assignment_end,
    pipeline_stage_archive,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_position
from fortrolig.core.errors import NotFound, ValidationFailed

from .conftest import LATER, NOW, new_candidate

pytestmark = pytest.mark.django_db


def _stage(agency, name_nb: str) -> PipelineStage:
    return PipelineStage.objects.get(agency=agency, name_nb=name_nb, archived_at__isnull=True)


def test_add_puts_the_candidate_in_the_initial_stage_under_their_data_key(
    agency, actor, candidate, position
):
    application = application_add(
        agency=agency, actor=actor, candidate_id=candidate.id, position_id=position.id, now=LATER
    )
    assert application.stage.is_initial
    assert application.source == ApplicationSource.CONSULTANT
    assert application.data_key_id == candidate.data_key_id
    assert application.stage_changed_at == LATER
    [event] = AuditEvent.objects.filter(action="application.created", subject_id=application.id)
    assert event.fields == ["candidate", "position", "source", "stage"]
    candidate.refresh_from_db()
    assert candidate.last_activity_at == LATER


def test_a_second_application_to_the_same_position_is_refused_clearly(
    agency, actor, candidate, position, application
):
    with translation.override("nb"), pytest.raises(DuplicateApplication) as raised:
        application_add(
            agency=agency,
            actor=actor,
            candidate_id=candidate.id,
            position_id=position.id,
            now=LATER,
        )
    assert str(raised.value.message) == "Kandidaten er allerede i løpet for denne stillingen."
    assert Application.objects.count() == 1


def test_p23_a_restricted_candidate_is_not_added(agency, actor, candidate, position):
    Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
    with pytest.raises(CandidateRestricted):
        application_add(
            agency=agency, actor=actor, candidate_id=candidate.id, position_id=position.id, now=NOW
        )
    assert not Application.objects.exists()


def test_an_ended_assignment_takes_no_new_candidates(agency, actor, candidate, position):
    assignment_end(agency=agency, actor=actor, assignment_id=position.assignment_id, now=NOW)
    with pytest.raises(AssignmentEnded):
        application_add(
            agency=agency,
            actor=actor,
            candidate_id=candidate.id,
            position_id=position.id,
            now=LATER,
        )
    assert not Application.objects.exists()


def test_add_across_agencies_is_not_found(agency, other_agency, actor, candidate, position):
    their_candidate = new_candidate(other_agency, "Ola", "Annensen")
    their_position = make_position(other_agency)
    with pytest.raises(NotFound):
        application_add(
            agency=agency,
            actor=actor,
            candidate_id=their_candidate.id,
            position_id=position.id,
            now=NOW,
        )
    with pytest.raises(NotFound):
        application_add(
            agency=agency,
            actor=actor,
            candidate_id=candidate.id,
            position_id=their_position.id,
            now=NOW,
        )
    assert not Application.objects.exists()


def test_move_is_audited_with_the_field_name_only(agency, actor, application, candidate):
    interview = _stage(agency, "Intervju")
    moved = application_move(
        agency=agency, actor=actor, application_id=application.id, stage_id=interview.id, now=LATER
    )
    assert moved.stage_id == interview.id
    assert moved.stage_changed_at == LATER
    [event] = AuditEvent.objects.filter(action="application.stage_changed")
    assert event.subject_id == application.id
    assert event.fields == ["stage"]
    assert event.actor_id == actor.id
    assert str(interview.id) not in event.purpose
    candidate.refresh_from_db()
    assert candidate.last_activity_at == LATER


def test_moving_to_the_same_stage_changes_nothing(agency, actor, application):
    application_move(
        agency=agency,
        actor=actor,
        application_id=application.id,
        stage_id=application.stage_id,
        now=LATER,
    )
    assert not AuditEvent.objects.filter(action="application.stage_changed").exists()


def test_moving_to_another_agencys_stage_is_refused_in_norwegian(
    agency, other_agency, actor, application
):
    theirs = pipeline_stages_ensure(agency=other_agency, now=NOW)
    with translation.override("nb"), pytest.raises(ValidationFailed) as raised:
        application_move(
            agency=agency, actor=actor, application_id=application.id, stage_id=theirs.id, now=LATER
        )
    assert raised.value.field_errors == {"stage": ["Velg et av stegene i løpet."]}
    application.refresh_from_db()
    assert application.stage.is_initial
    assert application.stage_changed_at == NOW
    assert not AuditEvent.objects.filter(action="application.stage_changed").exists()


def test_moving_to_an_archived_stage_is_refused(agency, actor, application):
    offer = _stage(agency, "Tilbud")
    pipeline_stage_archive(agency=agency, actor=actor, stage_id=offer.id, now=NOW)
    with pytest.raises(ValidationFailed) as raised:
        application_move(
            agency=agency, actor=actor, application_id=application.id, stage_id=offer.id, now=LATER
        )
    assert "stage" in raised.value.field_errors
    application.refresh_from_db()
    assert application.stage.is_initial


def test_moving_another_agencys_or_a_restricted_application_is_not_found(
    agency, other_agency, actor, application, candidate
):
    pipeline_stages_ensure(agency=other_agency, now=NOW)
    interview = _stage(agency, "Intervju")
    with pytest.raises(NotFound):
        application_move(
            agency=other_agency,
            actor=actor,
            application_id=application.id,
            stage_id=interview.id,
            now=LATER,
        )
    Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
    with pytest.raises(NotFound):
        application_move(
            agency=agency,
            actor=actor,
            application_id=application.id,
            stage_id=interview.id,
            now=LATER,
        )
    application.refresh_from_db()
    assert application.stage.is_initial


def test_an_ended_assignments_pipeline_is_closed(agency, actor, application, position):
    assignment_end(agency=agency, actor=actor, assignment_id=position.assignment_id, now=NOW)
    with pytest.raises(AssignmentEnded):
        application_move(
            agency=agency,
            actor=actor,
            application_id=application.id,
            stage_id=_stage(agency, "Intervju").id,
            now=LATER,
        )


def test_application_list_filters_and_leaves_out_restricted_candidates(
    agency, other_agency, actor, application, position, candidate
):
    second = new_candidate(agency, "Per", "Prøvesen")
    other = application_add(
        agency=agency, actor=actor, candidate_id=second.id, position_id=position.id, now=NOW
    )
    interview = _stage(agency, "Intervju")
    application_move(
        agency=agency, actor=actor, application_id=other.id, stage_id=interview.id, now=LATER
    )
    assert set(application_list(agency=agency, position_id=position.id)) == {application, other}
    assert list(application_list(agency=agency, stage_id=interview.id)) == [other]
    Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
    assert list(application_list(agency=agency)) == [other]
    with pytest.raises(NotFound):
        application_get(agency=agency, application_id=application.id)
    assert list(application_list(agency=other_agency)) == []
    with pytest.raises(NotFound):
        application_list(agency=other_agency, position_id=position.id)
    with pytest.raises(NotFound):
        application_get(agency=other_agency, application_id=other.id)
