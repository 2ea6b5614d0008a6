"""The pipeline: its default stages and the manager's configuration of them."""

import pytest

from fortrolig.assignments.models import PipelineStage, StageOutcome
from fortrolig.assignments.pipeline import DEFAULT_STAGES, pipeline_stages_ensure
from fortrolig.assignments.selectors import pipeline_config, pipeline_stage_get, pipeline_stages
from fortrolig.assignments.services import (
    InitialStageKept,
    StageArchived,
    StageInUse,
    pipeline_stage_archive,
    pipeline_stage_create,
    pipeline_stage_rename,
    pipeline_stage_reorder,
    pipeline_stage_shift,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.core.errors import NotFound, ValidationFailed

from .conftest import LATER, NOW

pytestmark = pytest.mark.django_db


def _names(agency) -> list[str]:
    return [stage.name_nb for stage in pipeline_stages(agency=agency)]


def test_an_agency_gets_the_default_stages_once(agency):
    assert pipeline_stages(agency=agency) == []
    rows = pipeline_config(agency=agency, now=NOW)
    assert [row.stage.name_nb for row in rows] == [stage.name_nb for stage in DEFAULT_STAGES]
    pipeline_config(agency=agency, now=NOW)
    assert PipelineStage.objects.filter(agency=agency).count() == len(DEFAULT_STAGES)
    assert rows[0].stage.is_initial


def test_create_adds_a_stage_at_the_end(agency, actor):
    stage = pipeline_stage_create(
        agency=agency, actor=actor, name_nb="Referansesjekk", name_en="Reference check", now=NOW
    )
    assert _names(agency)[-1] == "Referansesjekk"
    assert stage.outcome == StageOutcome.OPEN
    [event] = AuditEvent.objects.filter(action="pipeline.stage.created", subject_id=stage.id)
    assert "name_nb" in event.fields


def test_create_refuses_empty_duplicate_names_and_unknown_outcomes(agency, actor):
    pipeline_stages_ensure(agency=agency, now=NOW)
    with pytest.raises(ValidationFailed) as raised:
        pipeline_stage_create(agency=agency, actor=actor, name_nb=" ", name_en="", now=NOW)
    assert set(raised.value.field_errors) == {"name_nb", "name_en"}
    with pytest.raises(ValidationFailed) as raised:
        pipeline_stage_create(
            agency=agency, actor=actor, name_nb="intervju", name_en="Second round", now=NOW
        )
    assert set(raised.value.field_errors) == {"name_nb"}
    with pytest.raises(ValidationFailed) as raised:
        pipeline_stage_create(
            agency=agency, actor=actor, name_nb="Ny", name_en="New", outcome="maybe", now=NOW
        )
    assert set(raised.value.field_errors) == {"outcome"}
    assert len(_names(agency)) == len(DEFAULT_STAGES)


def test_rename_in_both_languages(agency, actor):
    first = pipeline_stages_ensure(agency=agency, now=NOW)
    pipeline_stage_rename(
        agency=agency,
        actor=actor,
        stage_id=first.id,
        name_nb="Mottatt",
        name_en="Received",
        now=LATER,
    )
    first.refresh_from_db()
    assert (first.name_nb, first.name_en) == ("Mottatt", "Received")
    [event] = AuditEvent.objects.filter(action="pipeline.stage.renamed")
    assert event.fields == ["name_en", "name_nb"]


def test_reorder_needs_every_active_stage_once(agency, actor):
    pipeline_stages_ensure(agency=agency, now=NOW)
    ids = [stage.id for stage in pipeline_stages(agency=agency)]
    with pytest.raises(ValidationFailed):
        pipeline_stage_reorder(agency=agency, actor=actor, stage_ids=ids[1:], now=LATER)
    with pytest.raises(ValidationFailed):
        pipeline_stage_reorder(agency=agency, actor=actor, stage_ids=[*ids, ids[0]], now=LATER)
    pipeline_stage_reorder(agency=agency, actor=actor, stage_ids=list(reversed(ids)), now=LATER)
    assert [stage.id for stage in pipeline_stages(agency=agency)] == list(reversed(ids))


def test_shift_moves_one_stage_and_stops_at_the_ends(agency, actor):
    pipeline_stages_ensure(agency=agency, now=NOW)
    before = _names(agency)
    third = pipeline_stages(agency=agency)[2]
    pipeline_stage_shift(agency=agency, actor=actor, stage_id=third.id, by=-1, now=LATER)
    assert _names(agency)[:3] == [before[0], before[2], before[1]]
    first = pipeline_stages(agency=agency)[0]
    pipeline_stage_shift(agency=agency, actor=actor, stage_id=first.id, by=-1, now=LATER)
    assert _names(agency)[0] == first.name_nb


def test_archive_refuses_the_initial_stage_and_a_stage_holding_applications(
    agency, actor, application
):
    initial = application.stage
    with pytest.raises(InitialStageKept):
        pipeline_stage_archive(agency=agency, actor=actor, stage_id=initial.id, now=LATER)
    from fortrolig.assignments.services import application_move

    interview = PipelineStage.objects.get(agency=agency, name_nb="Intervju")
    application_move(
        agency=agency, actor=actor, application_id=application.id, stage_id=interview.id, now=LATER
    )
    with pytest.raises(StageInUse):
        pipeline_stage_archive(agency=agency, actor=actor, stage_id=interview.id, now=LATER)
    interview.refresh_from_db()
    assert interview.archived_at is None


def test_archive_takes_a_stage_off_the_board(agency, actor):
    pipeline_stages_ensure(agency=agency, now=NOW)
    offer = PipelineStage.objects.get(agency=agency, name_nb="Tilbud")
    pipeline_stage_archive(agency=agency, actor=actor, stage_id=offer.id, now=LATER)
    assert "Tilbud" not in _names(agency)
    with pytest.raises(StageArchived):
        pipeline_stage_archive(agency=agency, actor=actor, stage_id=offer.id, now=LATER)
    # An archived stage's name can be used again.
    pipeline_stage_create(agency=agency, actor=actor, name_nb="Tilbud", name_en="Offer", now=LATER)


def test_stages_of_another_agency_are_not_found(agency, other_agency, actor):
    theirs = pipeline_stages_ensure(agency=other_agency, now=NOW)
    pipeline_stages_ensure(agency=agency, now=NOW)
    with pytest.raises(NotFound):
        pipeline_stage_get(agency=agency, stage_id=theirs.id)
    with pytest.raises(NotFound):
        pipeline_stage_rename(
            agency=agency, actor=actor, stage_id=theirs.id, name_nb="X", name_en="X", now=LATER
        )
    with pytest.raises(NotFound):
        pipeline_stage_archive(agency=agency, actor=actor, stage_id=theirs.id, now=LATER)
    with pytest.raises(NotFound):
        pipeline_stage_shift(agency=agency, actor=actor, stage_id=theirs.id, by=1, now=LATER)
    assert all(stage.agency_id == agency.id for stage in pipeline_stages(agency=agency))
    theirs.refresh_from_db()
    assert theirs.name_nb == "Ny søknad"
