"""Assignments and positions: the services and selectors, ending (with its hooks) and the
release of a confidential client's name (P-15)."""

import datetime as dt
import uuid

import pytest

from fortrolig.assignments import hooks
from fortrolig.assignments.models import (
    Assignment,
    AssignmentStatus,
    PipelineStage,
    Position,
)
from fortrolig.assignments.selectors import (
    assignment_detail,
    assignment_get,
    assignment_list,
    assignments_for_client,
    position_get,
)
from fortrolig.assignments.services import (
    AssignmentEnded,
    PositionInUse,
    assignment_client_release,
    assignment_end,
    assignment_update,
    position_add,
    position_remove,
    position_update,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_published_ad, make_staff
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed

from .conftest import (
    LATER,
    NOW,
    START,
    assignment_input,
    new_assignment,
    position_input,
)

pytestmark = pytest.mark.django_db


def _events(action: str, subject_id) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject_id=subject_id))


# --- create ---------------------------------------------------------------------------


def test_create_stores_the_assignment_its_positions_and_the_default_pipeline(
    agency, actor, company
):
    assignment = new_assignment(
        agency,
        actor,
        company,
        positions=[
            position_input(requires_police_certificate=True),
            position_input(title="Truckfører", requires_credit_check=True),
        ],
        confidential_client=True,
    )
    assert assignment.status == AssignmentStatus.OPEN
    assert assignment.confidential_client
    assert assignment.client_name_hidden
    titles = set(assignment.positions.values_list("title", flat=True))
    assert titles == {"Lagermedarbeider", "Truckfører"}
    police = assignment.positions.get(title="Lagermedarbeider")
    assert police.requires_police_certificate and not police.requires_credit_check
    assert PipelineStage.objects.filter(agency=agency, is_initial=True).count() == 1
    [event] = _events("assignment.created", assignment.id)
    assert "title" in event.fields and "confidential_client" in event.fields
    assert "Lagerteam" not in str(event.fields)
    assert len(AuditEvent.objects.filter(action="position.added")) == 2


def test_end_before_start_is_refused_in_norwegian_and_nothing_is_stored(
    agency, actor, company, settings
):
    from django.utils import translation

    with translation.override("nb"), pytest.raises(ValidationFailed) as raised:
        new_assignment(agency, actor, company, ends_on=START - dt.timedelta(days=1))
    assert raised.value.field_errors["ends_on"] == [
        "Planlagt sluttdato kan ikke være før startdatoen."
    ]
    assert str(raised.value.message) == "Planlagt sluttdato kan ikke være før startdatoen."
    assert not Assignment.objects.exists()
    assert not AuditEvent.objects.filter(action="assignment.created").exists()


def test_create_needs_title_kind_start_and_a_sane_position(agency, actor, company):
    with pytest.raises(ValidationFailed) as raised:
        new_assignment(
            agency,
            actor,
            company,
            title=" ",
            kind="temp",
            starts_on=None,
            positions=[position_input(title="", openings=0)],
        )
    errors = raised.value.field_errors
    assert set(errors) == {
        "title",
        "kind",
        "starts_on",
        "positions.0.title",
        "positions.0.openings",
    }
    assert not Assignment.objects.exists()
    assert not Position.objects.exists()


def test_another_agencys_client_is_refused(agency, actor, other_company):
    with pytest.raises(ValidationFailed) as raised:
        new_assignment(agency, actor, other_company)
    assert "client" in raised.value.field_errors
    assert not Assignment.objects.exists()


def test_an_archived_client_gets_no_new_assignment(agency, actor):
    archived = make_client(agency, name="Gammel Kunde AS", index=2, archived_at=NOW)
    with pytest.raises(ValidationFailed) as raised:
        new_assignment(agency, actor, archived)
    assert "client" in raised.value.field_errors


def test_the_responsible_must_work_in_the_agency(agency, actor, company, other_agency):
    outsider = make_staff(other_agency, email="annen@fjellet.example.com")
    with pytest.raises(ValidationFailed) as raised:
        new_assignment(agency, actor, company, responsible_id=outsider.id)
    assert "responsible" in raised.value.field_errors
    insider = make_staff(agency, email="kollega@nordlys.example.com")
    assignment = new_assignment(agency, actor, company, responsible_id=insider.id)
    assert assignment.responsible_id == insider.id


# --- update -----------------------------------------------------------------------------


def test_update_records_only_the_names_of_changed_fields(agency, actor, assignment, company):
    assignment_update(
        agency=agency,
        actor=actor,
        assignment_id=assignment.id,
        data=assignment_input(company, title="Lagerteam Bergen og Os", ends_on=None),
        now=LATER,
    )
    assignment.refresh_from_db()
    assert assignment.title == "Lagerteam Bergen og Os"
    assert assignment.ends_on is None
    [event] = _events("assignment.updated", assignment.id)
    assert event.fields == ["ends_on", "title"]


def test_update_with_the_end_before_the_start_changes_nothing(agency, actor, assignment, company):
    with pytest.raises(ValidationFailed):
        assignment_update(
            agency=agency,
            actor=actor,
            assignment_id=assignment.id,
            data=assignment_input(company, title="Nytt navn", ends_on=START - dt.timedelta(days=3)),
            now=LATER,
        )
    assignment.refresh_from_db()
    assert assignment.title == "Lagerteam Bergen"
    assert not _events("assignment.updated", assignment.id)


def test_update_of_another_agencys_assignment_is_not_found(
    other_agency, actor, assignment, company
):
    with pytest.raises(NotFound):
        assignment_update(
            agency=other_agency,
            actor=actor,
            assignment_id=assignment.id,
            data=assignment_input(company),
            now=LATER,
        )


# --- P-15 -------------------------------------------------------------------------------


def test_p15_release_shows_the_client_name_and_is_audited(agency, actor, company, consultant):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    released = assignment_client_release(
        agency=agency, actor=actor, assignment_id=assignment.id, now=LATER
    )
    assert released.client_name_released_at == LATER
    assert released.client_name_released_by_id == consultant.id
    assert not released.client_name_hidden
    [event] = _events("assignment.client_released", assignment.id)
    assert event.fields == ["client_name_released_at", "client_name_released_by"]


def test_p15_release_is_refused_for_a_client_that_is_not_confidential(agency, actor, assignment):
    with pytest.raises(Conflict) as raised:
        assignment_client_release(
            agency=agency, actor=actor, assignment_id=assignment.id, now=LATER
        )
    assert raised.value.code == "client_not_confidential"
    assignment.refresh_from_db()
    assert assignment.client_name_released_at is None


def test_p15_release_twice_is_refused_and_keeps_the_first_release(agency, actor, company):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    assignment_client_release(agency=agency, actor=actor, assignment_id=assignment.id, now=NOW)
    with pytest.raises(Conflict) as raised:
        assignment_client_release(
            agency=agency, actor=actor, assignment_id=assignment.id, now=LATER
        )
    assert raised.value.code == "client_already_released"
    assignment.refresh_from_db()
    assert assignment.client_name_released_at == NOW
    assert len(_events("assignment.client_released", assignment.id)) == 1


def test_p15_release_of_another_agencys_assignment_is_not_found(
    agency, other_agency, actor, company
):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    with pytest.raises(NotFound):
        assignment_client_release(
            agency=other_agency, actor=actor, assignment_id=assignment.id, now=LATER
        )
    assignment.refresh_from_db()
    assert assignment.client_name_hidden


def test_p15_another_client_hides_the_name_again(agency, actor, company):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    assignment_client_release(agency=agency, actor=actor, assignment_id=assignment.id, now=NOW)
    second = make_client(agency, name="Ny Testkunde AS", index=3)
    assignment_update(
        agency=agency,
        actor=actor,
        assignment_id=assignment.id,
        data=assignment_input(second, confidential_client=True),
        now=LATER,
    )
    assignment.refresh_from_db()
    assert assignment.client_name_hidden
    [event] = _events("assignment.updated", assignment.id)
    assert "client_name_released_at" in event.fields


# --- end and its hooks ------------------------------------------------------------------


def test_end_sets_status_and_time_and_is_audited(agency, actor, assignment):
    ended = assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=LATER)
    assert ended.status == AssignmentStatus.ENDED
    assert ended.ended_at == LATER
    [event] = _events("assignment.ended", assignment.id)
    assert event.fields == ["ended_at", "status"]


def test_ending_twice_is_a_conflict(agency, actor, assignment):
    assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=NOW)
    with pytest.raises(Conflict) as raised:
        assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=LATER)
    assert raised.value.code == "assignment_already_ended"
    assignment.refresh_from_db()
    assert assignment.ended_at == NOW


def test_ending_another_agencys_assignment_is_not_found(other_agency, actor, assignment):
    with pytest.raises(NotFound):
        assignment_end(agency=other_agency, actor=actor, assignment_id=assignment.id, now=LATER)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.OPEN


def test_p07_an_assignment_ended_hook_runs_in_the_transaction_of_the_end(agency, actor, assignment):
    seen: list[tuple] = []

    def hook(*, agency, actor, assignment, now):
        # The end is visible to the hook: it runs after the row is updated.
        row = Assignment.objects.get(pk=assignment.id)
        seen.append((agency.id, actor, assignment.id, now, row.status))

    with hooks.assignment_ended_hook_registered(hook):
        assert hook in hooks.assignment_ended_hooks()
        assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=LATER)
    assert hook not in hooks.assignment_ended_hooks()
    assert seen == [(agency.id, actor, assignment.id, LATER, AssignmentStatus.ENDED)]


def test_p07_a_failing_hook_rolls_the_end_back(agency, actor, assignment):
    class CheckDestructionFailed(Exception):
        pass

    def first(*, agency, actor, assignment, now):
        # Work a hook did before a later one failed must not survive either.
        Position.objects.filter(assignment=assignment).update(location="Endret")

    def failing(*, agency, actor, assignment, now):
        raise CheckDestructionFailed()

    with (
        hooks.assignment_ended_hook_registered(first),
        hooks.assignment_ended_hook_registered(failing),
        pytest.raises(CheckDestructionFailed),
    ):
        assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=LATER)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.OPEN
    assert assignment.ended_at is None
    assert not _events("assignment.ended", assignment.id)
    assert assignment.positions.get().location == "Bergen"


def test_registering_a_hook_twice_keeps_one(agency):
    def hook(*, agency, actor, assignment, now):
        pass

    try:
        hooks.assignment_ended_hook(hook)
        hooks.assignment_ended_hook(hook)
        assert hooks.assignment_ended_hooks().count(hook) == 1
    finally:
        hooks.assignment_ended_hook_remove(hook)


def test_an_ended_assignment_can_no_longer_be_changed(agency, actor, assignment, company):
    assignment_end(agency=agency, actor=actor, assignment_id=assignment.id, now=NOW)
    position = assignment.positions.get()
    with pytest.raises(AssignmentEnded):
        assignment_update(
            agency=agency,
            actor=actor,
            assignment_id=assignment.id,
            data=assignment_input(company, title="Etterpå"),
            now=LATER,
        )
    with pytest.raises(AssignmentEnded):
        position_add(
            agency=agency,
            actor=actor,
            assignment_id=assignment.id,
            data=position_input(),
            now=LATER,
        )
    with pytest.raises(AssignmentEnded):
        position_update(
            agency=agency, actor=actor, position_id=position.id, data=position_input(), now=LATER
        )


# --- positions --------------------------------------------------------------------------


def test_position_add_update_and_remove_are_audited(agency, actor, assignment):
    position = position_add(
        agency=agency,
        actor=actor,
        assignment_id=assignment.id,
        data=position_input(title="Vekter", requires_security_clearance=True),
        now=LATER,
    )
    assert position.requires_security_clearance
    position_update(
        agency=agency,
        actor=actor,
        position_id=position.id,
        data=position_input(title="Vekter", requires_security_clearance=True, openings=3),
        now=LATER,
    )
    position.refresh_from_db()
    assert position.openings == 3
    [updated] = _events("position.updated", position.id)
    assert updated.fields == ["openings"]
    position_remove(agency=agency, actor=actor, position_id=position.id, now=LATER)
    assert not Position.objects.filter(pk=position.id).exists()
    assert _events("position.removed", position.id)


def test_bad_position_input_changes_nothing(agency, actor, position):
    with pytest.raises(ValidationFailed) as raised:
        position_update(
            agency=agency,
            actor=actor,
            position_id=position.id,
            data=position_input(title="", openings=1000),
            now=LATER,
        )
    assert set(raised.value.field_errors) == {"title", "openings"}
    position.refresh_from_db()
    assert position.title == "Lagermedarbeider"


def test_a_position_with_applications_is_not_removed(agency, actor, application, position):
    with pytest.raises(PositionInUse) as raised:
        position_remove(agency=agency, actor=actor, position_id=position.id, now=LATER)
    assert "cannot be removed" in str(raised.value.message) or "fjernes" in str(
        raised.value.message
    )
    assert Position.objects.filter(pk=position.id).exists()


def test_a_position_with_an_ad_is_not_removed(agency, actor, position):
    make_published_ad(agency, position=position)
    with pytest.raises(PositionInUse):
        position_remove(agency=agency, actor=actor, position_id=position.id, now=LATER)
    assert Position.objects.filter(pk=position.id).exists()


def test_positions_of_another_agency_are_not_found(other_agency, actor, position, assignment):
    with pytest.raises(NotFound):
        position_get(agency=other_agency, position_id=position.id)
    with pytest.raises(NotFound):
        position_update(
            agency=other_agency,
            actor=actor,
            position_id=position.id,
            data=position_input(),
            now=LATER,
        )
    with pytest.raises(NotFound):
        position_remove(agency=other_agency, actor=actor, position_id=position.id, now=LATER)
    with pytest.raises(NotFound):
        position_add(
            agency=other_agency,
            actor=actor,
            assignment_id=assignment.id,
            data=position_input(),
            now=LATER,
        )
    assert Position.objects.filter(assignment=assignment).count() == 1


# --- selectors --------------------------------------------------------------------------


def test_selectors_keep_to_the_agency(agency, other_agency, actor, assignment, company):
    theirs_client = make_client(other_agency, name="Deres Kunde AS", index=1)
    theirs = new_assignment(other_agency, Actor.system(), theirs_client, title="Deres oppdrag")
    assert assignment_get(agency=agency, assignment_id=assignment.id) == assignment
    with pytest.raises(NotFound):
        assignment_get(agency=agency, assignment_id=theirs.id)
    with pytest.raises(NotFound):
        assignment_get(agency=agency, assignment_id=uuid.uuid4())
    with pytest.raises(NotFound):
        assignment_detail(agency=agency, assignment_id=theirs.id)
    assert assignments_for_client(agency=agency, client_id=theirs_client.id) == []
    page = assignment_list(agency=agency)
    assert [row.assignment for row in page.rows] == [assignment]
    assert assignment_list(agency=agency, client_id=theirs_client.id).rows == []


def test_assignments_for_client_lists_newest_first(agency, actor, company):
    older = new_assignment(
        agency, actor, company, title="Eldre", starts_on=dt.date(2025, 1, 6), ends_on=None
    )
    newer = new_assignment(agency, actor, company, title="Nyere")
    assert assignments_for_client(agency=agency, client_id=company.id) == [newer, older]


def test_assignment_list_filters_and_counts(agency, actor, company, application):
    other = new_assignment(agency, actor, company, title="Sommervikarer", positions=[])
    assignment_end(agency=agency, actor=actor, assignment_id=other.id, now=LATER)
    page = assignment_list(agency=agency, status=AssignmentStatus.OPEN)
    [row] = page.rows
    assert row.assignment.title == "Lagerteam Bergen"
    assert (row.position_count, row.application_count) == (1, 1)
    assert [r.assignment.title for r in assignment_list(agency=agency, query="sommer").rows] == [
        "Sommervikarer"
    ]
    assert assignment_list(agency=agency, query="fjordkraft").total == 2
    with pytest.raises(ValidationFailed):
        assignment_list(agency=agency, status="paused")


def test_assignment_detail_counts_applications_and_ads(agency, assignment, application, position):
    make_published_ad(agency, position=position)
    detail = assignment_detail(agency=agency, assignment_id=assignment.id)
    [row] = detail.positions
    assert (row.application_count, row.ad_count, row.removable) == (1, 1, False)
