"""The assignment endpoints of the API (/api/v1/assignments, /api/v1/pipeline/stages)."""

import json
import uuid

import pytest

from fortrolig.assignments.models import Assignment, AssignmentStatus, PipelineStage
from fortrolig.assignments.pipeline import DEFAULT_STAGES, pipeline_stages_ensure
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.conftest import make_client, make_position

from .conftest import NOW, new_assignment

pytestmark = pytest.mark.django_db

URL = "/api/v1/assignments"


def _post(client, url, data=None, **extra):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **extra)


def _put(client, url, data, **extra):
    return client.put(url, json.dumps(data), content_type="application/json", **extra)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def _new(company, **overrides):
    data = {
        "client_id": str(company.id),
        "title": "Sykepleiere til Haukeland",
        "kind": "staffing",
        "starts_on": "2026-04-01",
        "ends_on": "2026-09-30",
        "confidential_client": True,
        "positions": [
            {
                "title": "Sykepleier",
                "location": "Bergen",
                "openings": 3,
                "requires_police_certificate": True,
            },
        ],
    }
    data.update(overrides)
    return data


def test_create_and_read_an_assignment_with_positions(api_client, agency, company):
    response = _post(api_client, URL, _new(company))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["client_name"] == company.name
    assert body["confidential_client"] is True
    assert body["client_name_released_at"] is None
    [position] = body["positions"]
    assert position["requires_police_certificate"] is True
    assert position["openings"] == 3
    read = api_client.get(f"{URL}/{body['id']}")
    assert read.status_code == 200
    assert read.json()["title"] == "Sykepleiere til Haukeland"
    [event] = AuditEvent.objects.filter(action="assignment.created")
    assert event.actor_type == ActorType.API


def test_end_before_start_is_400_and_stores_nothing(api_client, company):
    response = _post(
        api_client, URL, _new(company, ends_on="2026-03-01"), HTTP_ACCEPT_LANGUAGE="nb"
    )
    error = _error(response, 400, "validation_failed")
    assert error["fields"] == {"ends_on": ["Planlagt sluttdato kan ikke være før startdatoen."]}
    assert not Assignment.objects.exists()


def test_another_agencys_client_is_refused(api_client, other_agency):
    theirs = make_client(other_agency, index=1)
    error = _error(_post(api_client, URL, _new(theirs)), 400, "validation_failed")
    assert "client" in error["fields"]
    assert not Assignment.objects.exists()


def test_list_filters_by_status(api_client, agency, actor, company):
    open_one = new_assignment(agency, actor, company)
    ended = new_assignment(agency, actor, company, title="Avsluttet oppdrag")
    _post(api_client, f"{URL}/{ended.id}/end")
    response = api_client.get(URL, {"status": "open"})
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [str(open_one.id)]
    assert body["items"][0]["position_count"] == 1
    assert api_client.get(URL, {"status": "paused"}).status_code == 400


def test_update_replaces_the_details(api_client, assignment, company):
    response = _put(
        api_client,
        f"{URL}/{assignment.id}",
        {
            "client_id": str(company.id),
            "title": "Nytt navn",
            "kind": "recruitment",
            "starts_on": "2026-03-09",
        },
    )
    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert assignment.title == "Nytt navn"
    assert assignment.ends_on is None


def test_add_a_position(api_client, assignment):
    response = _post(
        api_client,
        f"{URL}/{assignment.id}/positions",
        {"title": "Truckfører", "requires_credit_check": True},
    )
    assert response.status_code == 201, response.content
    assert response.json()["requires_credit_check"] is True
    assert assignment.positions.count() == 2
    bad = _post(api_client, f"{URL}/{assignment.id}/positions", {"title": "", "openings": 0})
    _error(bad, 400, "validation_failed")
    assert assignment.positions.count() == 2


def test_end_and_end_again(api_client, assignment):
    response = _post(api_client, f"{URL}/{assignment.id}/end")
    assert response.status_code == 200
    assert response.json()["status"] == AssignmentStatus.ENDED
    _error(_post(api_client, f"{URL}/{assignment.id}/end"), 409, "assignment_already_ended")


def test_p15_release_the_client_name_through_the_api(api_client, agency, actor, company):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    url = f"{URL}/{assignment.id}/release-client-name"
    response = _post(api_client, url)
    assert response.status_code == 200
    assert response.json()["client_name_released_at"]
    _error(_post(api_client, url), 409, "client_already_released")
    plain = new_assignment(agency, actor, company)
    _error(
        _post(api_client, f"{URL}/{plain.id}/release-client-name"), 409, "client_not_confidential"
    )


def test_another_agencys_assignment_is_404(api_client, other_agency, company):
    theirs = make_position(other_agency, client=make_client(other_agency, index=1)).assignment
    for response in (
        api_client.get(f"{URL}/{theirs.id}"),
        _put(
            api_client,
            f"{URL}/{theirs.id}",
            {
                "client_id": str(company.id),
                "title": "X",
                "kind": "recruitment",
                "starts_on": "2026-03-09",
            },
        ),
        _post(api_client, f"{URL}/{theirs.id}/positions", {"title": "X"}),
        _post(api_client, f"{URL}/{theirs.id}/end"),
        _post(api_client, f"{URL}/{theirs.id}/release-client-name"),
        api_client.get(f"{URL}/{uuid.uuid4()}"),
    ):
        _error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == AssignmentStatus.OPEN
    assert api_client.get(URL).json()["items"] == []


def test_pipeline_stages_are_listed_in_order(api_client, agency, other_agency):
    pipeline_stages_ensure(agency=other_agency, now=NOW)
    response = api_client.get("/api/v1/pipeline/stages")
    assert response.status_code == 200
    stages = response.json()
    assert stages[0]["is_initial"] is True
    assert stages[0]["name_nb"] == "Ny søknad"
    ids = {stage["id"] for stage in stages}
    assert len(ids) == len(DEFAULT_STAGES)
    theirs = {str(s.id) for s in PipelineStage.objects.filter(agency=other_agency)}
    assert not ids & theirs


def test_the_api_needs_a_token(client):
    _error(client.get(URL), 401, "not_authenticated")
