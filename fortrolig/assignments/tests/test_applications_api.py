"""The application endpoints of the API (/api/v1/applications)."""

import json

import pytest

from fortrolig.assignments.models import Application, ApplicationSource, PipelineStage
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.assignments.services import application_add
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_client, make_position

from .conftest import NOW, new_candidate

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications"


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def _interview(agency) -> PipelineStage:
    return PipelineStage.objects.get(agency=agency, name_nb="Intervju")


def test_add_a_candidate_to_a_position(api_client, agency, candidate, position):
    response = _post(
        api_client, URL, {"candidate_id": str(candidate.id), "position_id": str(position.id)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    application = Application.objects.get(pk=body["id"])
    assert application.source == ApplicationSource.API
    assert application.stage.is_initial
    duplicate = _post(
        api_client,
        URL,
        {"candidate_id": str(candidate.id), "position_id": str(position.id)},
        HTTP_ACCEPT_LANGUAGE="nb",
    )
    error = _error(duplicate, 409, "duplicate_application")
    assert error["message"] == "Kandidaten er allerede i løpet for denne stillingen."
    assert Application.objects.count() == 1


def test_p23_a_restricted_candidate_is_refused(api_client, candidate, position):
    Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
    response = _post(
        api_client, URL, {"candidate_id": str(candidate.id), "position_id": str(position.id)}
    )
    _error(response, 409, "candidate_restricted")
    assert not Application.objects.exists()


def test_list_filters_by_position_and_stage(api_client, agency, actor, application, position):
    other_position = make_position(agency, client=position.assignment.client)
    second = application_add(
        agency=agency,
        actor=actor,
        candidate_id=new_candidate(agency, "Per", "Prøvesen").id,
        position_id=other_position.id,
        now=NOW,
    )
    by_position = api_client.get(URL, {"position_id": str(position.id)}).json()
    assert [item["id"] for item in by_position["items"]] == [str(application.id)]
    _post(api_client, f"{URL}/{second.id}/move", {"stage_id": str(_interview(agency).id)})
    by_stage = api_client.get(URL, {"stage_id": str(_interview(agency).id)}).json()
    assert [item["id"] for item in by_stage["items"]] == [str(second.id)]
    assert api_client.get(URL).json()["count"] == 2


def test_move_is_audited_as_the_token(api_client, agency, application):
    response = _post(
        api_client, f"{URL}/{application.id}/move", {"stage_id": str(_interview(agency).id)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage_id"] == str(_interview(agency).id)
    [event] = AuditEvent.objects.filter(action="application.stage_changed")
    assert event.actor_type == ActorType.API
    assert event.fields == ["stage"]


def test_moving_to_another_agencys_stage_is_400_and_changes_nothing(
    api_client, other_agency, application
):
    theirs = pipeline_stages_ensure(agency=other_agency, now=NOW)
    error = _error(
        _post(api_client, f"{URL}/{application.id}/move", {"stage_id": str(theirs.id)}),
        400,
        "validation_failed",
    )
    assert "stage" in error["fields"]
    application.refresh_from_db()
    assert application.stage.is_initial


def test_another_agencys_ids_are_404(api_client, agency, other_agency, candidate, position):
    their_position = make_position(other_agency, client=make_client(other_agency, index=1))
    their_candidate = new_candidate(other_agency, "Ola", "Annensen")
    theirs = application_add(
        agency=other_agency,
        actor=Actor.system(),
        candidate_id=their_candidate.id,
        position_id=their_position.id,
        now=NOW,
    )
    pipeline_stages_ensure(agency=agency, now=NOW)
    _error(
        _post(api_client, f"{URL}/{theirs.id}/move", {"stage_id": str(_interview(agency).id)}),
        404,
        "not_found",
    )
    _error(api_client.get(URL, {"position_id": str(their_position.id)}), 404, "not_found")
    _error(
        _post(
            api_client,
            URL,
            {"candidate_id": str(their_candidate.id), "position_id": str(position.id)},
        ),
        404,
        "not_found",
    )
    _error(
        _post(
            api_client,
            URL,
            {"candidate_id": str(candidate.id), "position_id": str(their_position.id)},
        ),
        404,
        "not_found",
    )
    assert api_client.get(URL).json()["items"] == []
    theirs.refresh_from_db()
    assert theirs.stage.agency_id == other_agency.id
