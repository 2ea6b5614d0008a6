"""The pipeline board of a position: columns and cards, moving (with and without htmx),
adding a candidate, and what the board records and hides (P-23, P-28)."""

import pytest
from django.urls import reverse

from fortrolig.assignments.models import Application, PipelineStage
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.assignments.selectors import position_board
from fortrolig.assignments.services import application_add, assignment_end
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_client, make_position

from .conftest import NOW, new_candidate

pytestmark = pytest.mark.django_db

NB = {"HTTP_ACCEPT_LANGUAGE": "nb"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _board_url(position) -> str:
    return reverse("assignments:board", kwargs={"position_id": position.id})


def _move_url(application) -> str:
    return reverse("assignments:application_move", kwargs={"application_id": application.id})


def _stage(agency, name_nb):
    return PipelineStage.objects.get(agency=agency, name_nb=name_nb)


# --- the selector -----------------------------------------------------------------------


def test_board_has_a_column_per_stage_with_cards(agency, actor, application, position, candidate):
    board = position_board(agency=agency, actor=actor, position_id=position.id, now=NOW)
    assert [column.stage.name_nb for column in board.columns][:3] == [
        "Ny søknad",
        "Vurdering",
        "Intervju",
    ]
    [card] = board.columns[0].cards
    assert card.candidate_name == "Kari Testesen"
    assert card.application_id == application.id
    assert card.source == "consultant"
    assert card.stage_changed_at == NOW
    assert board.hidden_count == 0


def test_p28_the_board_records_each_listed_candidate(
    agency, actor, application, position, candidate
):
    position_board(agency=agency, actor=actor, position_id=position.id, now=NOW)
    [event] = AuditEvent.objects.filter(action="candidate.listed", subject_id=candidate.id)
    assert event.fields == ["first_name", "last_name"]
    assert event.purpose == "board"
    assert event.actor_id == actor.id


def test_p23_restricted_candidates_are_left_out_and_counted(
    agency, actor, application, position, candidate
):
    other = new_candidate(agency, "Per", "Skjermet")
    application_add(
        agency=agency, actor=actor, candidate_id=other.id, position_id=position.id, now=NOW
    )
    Candidate.objects.filter(pk=other.pk).update(restricted=True)
    board = position_board(agency=agency, actor=actor, position_id=position.id, now=NOW)
    names = [card.candidate_name for column in board.columns for card in column.cards]
    assert names == ["Kari Testesen"]
    assert board.hidden_count == 1
    assert not AuditEvent.objects.filter(action="candidate.listed", subject_id=other.id).exists()


def test_the_board_of_another_agencys_position_is_not_found(other_agency, actor, position):
    from fortrolig.core.errors import NotFound

    with pytest.raises(NotFound):
        position_board(agency=other_agency, actor=actor, position_id=position.id, now=NOW)


def test_a_position_made_without_the_service_still_gets_the_default_stages(agency, actor):
    position = make_position(agency)
    board = position_board(agency=agency, actor=actor, position_id=position.id, now=NOW)
    assert board.columns and board.columns[0].stage.is_initial


# --- the page ---------------------------------------------------------------------------


def test_the_board_page_shows_cards_and_accessible_move_forms(staff_client, application, position):
    body = staff_client.get(_board_url(position), **NB).content.decode()
    assert "Kari Testesen" in body
    assert f'action="{_move_url(application)}"' in body
    assert f'hx-post="{_move_url(application)}"' in body
    assert f'<label for="move-{application.id}">Flytt til</label>' in body
    assert 'draggable="true"' in body
    assert reverse("assignments:board_candidates", kwargs={"position_id": position.id}) in body


def test_move_without_javascript_posts_and_redirects(staff_client, agency, application, position):
    interview = _stage(agency, "Intervju")
    response = staff_client.post(_move_url(application), {"stage": str(interview.id)})
    assert response.status_code == 302
    assert response["Location"] == _board_url(position)
    application.refresh_from_db()
    assert application.stage_id == interview.id
    [event] = AuditEvent.objects.filter(action="application.stage_changed")
    assert event.fields == ["stage"]


def test_move_with_htmx_swaps_the_board_alone(staff_client, agency, application, position):
    interview = _stage(agency, "Intervju")
    response = staff_client.post(
        _move_url(application), {"stage": str(interview.id)}, follow=True, **HTMX, **NB
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'class="board"' in body
    assert "Kandidaten ble flyttet." in body
    application.refresh_from_db()
    assert application.stage_id == interview.id


def test_moving_to_another_agencys_stage_changes_nothing_and_says_why(
    staff_client, other_agency, application, position
):
    theirs = pipeline_stages_ensure(agency=other_agency, now=NOW)
    response = staff_client.post(
        _move_url(application), {"stage": str(theirs.id)}, follow=True, **NB
    )
    assert "Velg et av stegene i løpet." in response.content.decode()
    application.refresh_from_db()
    assert application.stage.is_initial
    assert not AuditEvent.objects.filter(action="application.stage_changed").exists()


def test_another_agencys_board_and_applications_are_404(
    staff_client, agency, other_agency, application
):
    theirs = make_position(other_agency, client=make_client(other_agency, index=1))
    assert staff_client.get(_board_url(theirs)).status_code == 404
    for name in ("board_add", "board_candidates"):
        url = reverse(f"assignments:{name}", kwargs={"position_id": theirs.id})
        assert staff_client.post(url, {"candidate": "x"}).status_code in (404, 405)
    their_candidate = new_candidate(other_agency, "Ola", "Annensen")
    their_application = application_add(
        agency=other_agency,
        actor=Actor.system(),
        candidate_id=their_candidate.id,
        position_id=theirs.id,
        now=NOW,
    )
    interview = _stage(agency, "Intervju")
    response = staff_client.post(_move_url(their_application), {"stage": str(interview.id)})
    assert response.status_code == 404
    their_application.refresh_from_db()
    assert their_application.stage.agency_id == other_agency.id


def test_p23_the_board_page_hides_restricted_candidates(
    staff_client, agency, actor, application, position, candidate
):
    Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
    body = staff_client.get(_board_url(position), **NB).content.decode()
    assert "Kari Testesen" not in body
    assert 'data-testid="hidden-count"' in body
    assert (
        staff_client.post(_move_url(application), {"stage": str(application.stage_id)}).status_code
        == 404
    )


def test_add_a_candidate_from_the_search(
    staff_client, agency, position, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_candidate(agency, "Sigrid", "Søkesen")
        new_candidate(agency, "Skjult", "Søkesen")
    Candidate.objects.filter(first_name="Skjult").update(restricted=True)
    search = reverse("assignments:board_candidates", kwargs={"position_id": position.id})
    results = staff_client.get(search, {"q": "Søkesen"}, **HTMX)
    body = results.content.decode()
    assert "Sigrid Søkesen" in body
    assert "Skjult" not in body
    sigrid = Candidate.objects.get(first_name="Sigrid")
    assert AuditEvent.objects.filter(action="candidate.listed", subject_id=sigrid.id).exists()
    add = reverse("assignments:board_add", kwargs={"position_id": position.id})
    response = staff_client.post(add, {"candidate": str(sigrid.id)})
    assert response["Location"] == _board_url(position)
    application = Application.objects.get(candidate=sigrid, position=position)
    assert application.stage.is_initial
    again = staff_client.post(add, {"candidate": str(sigrid.id)}, follow=True, **NB)
    assert "Kandidaten er allerede i løpet for denne stillingen." in again.content.decode()
    assert Application.objects.filter(candidate=sigrid).count() == 1


def test_the_candidate_search_works_without_javascript(staff_client, position):
    search = reverse("assignments:board_candidates", kwargs={"position_id": position.id})
    page = staff_client.get(search, {"q": "Ingen"})
    assert page.status_code == 200
    assert "<html" in page.content.decode()


def test_an_ended_assignments_board_has_no_move_forms(staff_client, agency, application, position):
    assignment_end(
        agency=agency, actor=Actor.system(), assignment_id=position.assignment_id, now=NOW
    )
    body = staff_client.get(_board_url(position)).content.decode()
    assert "Kari Testesen" in body
    assert _move_url(application) not in body
