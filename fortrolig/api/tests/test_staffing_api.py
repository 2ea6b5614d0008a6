"""The employment endpoints of the API (P-19): list, read, employ, end and payroll; the
national identity number never leaves; another agency's rows answer 404; bad input answers
400 with the field named and nothing stored; every read is audited (P-28)."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fortrolig.api.services import api_token_create
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.conftest import make_position
from fortrolig.core import clock
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.tests.support import (
    NATIONAL_ID,
    STAFFING_TITLE,
    employ,
    make_employee_candidate,
    make_staffing_assignment,
)

from .conftest import NOW, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/employments"


def _today():
    return timezone.localdate(clock.now())


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def _new(candidate, assignment, **changes) -> dict:
    values = {
        "candidate_id": str(candidate.id),
        "assignment_id": str(assignment.id),
        "position_percentage": "37,5",
        "salary_basis": "hourly",
        "salary_amount": 245.5,
        "started_on": (_today() - timedelta(days=3)).isoformat(),
    }
    values.update(changes)
    return values


@pytest.fixture
def foreign(other_agency):
    return employ(other_agency, make_employee_candidate(other_agency, first_name="Annen"))


# --- start ----------------------------------------------------------------------------


def test_p19_start_employs_and_never_returns_the_national_id(api_client, agency):
    candidate = make_employee_candidate(agency)
    assignment = make_staffing_assignment(agency)
    response = _post(api_client, URL, _new(candidate, assignment))
    assert response.status_code == 201, response.content
    body = response.json()
    employment = Employment.objects.get()
    assert body["id"] == str(employment.id)
    assert body["candidate_id"] == str(candidate.id)
    assert body["assignment_title"] == STAFFING_TITLE
    assert body["has_national_id"] is True
    assert Decimal(body["position_percentage"]) == Decimal("37.5")
    assert Decimal(body["salary_amount"]) == Decimal("245.5")
    assert "national_id" not in body
    assert NATIONAL_ID not in response.content.decode()
    event = AuditEvent.objects.get(action="staffing.employment.started")
    assert event.actor_type == ActorType.API


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"position_percentage": "0"}, "position_percentage"),
        ({"position_percentage": 101}, "position_percentage"),
        ({"salary_amount": "-1"}, "salary_amount"),
        ({"salary_basis": "weekly"}, "salary_basis"),
        ({"started_on": "i går"}, "started_on"),
        ({"candidate_id": "not-a-uuid"}, "candidate_id"),
    ],
)
def test_p19_bad_input_answers_400_naming_the_field_and_stores_nothing(
    api_client, agency, changes, field
):
    response = _post(
        api_client,
        URL,
        _new(make_employee_candidate(agency), make_staffing_assignment(agency), **changes),
    )
    error = _error(response, 400, "validation_failed")
    assert field in error["fields"]
    assert "i går" not in response.content.decode()
    assert not Employment.objects.exists()


def test_p19_a_missing_field_answers_400(api_client, agency):
    values = _new(make_employee_candidate(agency), make_staffing_assignment(agency))
    del values["started_on"]
    error = _error(_post(api_client, URL, values), 400, "validation_failed")
    assert "started_on" in error["fields"]


def test_another_agencys_candidate_or_assignment_answers_404(api_client, agency, other_agency):
    response = _post(
        api_client,
        URL,
        _new(make_employee_candidate(other_agency), make_staffing_assignment(agency)),
    )
    _error(response, 404, "not_found")
    response = _post(
        api_client,
        URL,
        _new(make_employee_candidate(agency), make_staffing_assignment(other_agency, 1)),
    )
    _error(response, 404, "not_found")
    assert not Employment.objects.exists()


def test_a_recruitment_assignment_answers_400(api_client, agency):
    recruitment = make_position(agency).assignment
    error = _error(
        _post(api_client, URL, _new(make_employee_candidate(agency), recruitment)),
        400,
        "validation_failed",
    )
    assert "assignment" in error["fields"]


# --- list and read --------------------------------------------------------------------


def test_p28_list_is_paginated_scoped_and_audited(api_client, agency, foreign):
    assignment = make_staffing_assignment(agency)
    mine = [
        employ(agency, make_employee_candidate(agency, first_name=f"P{index}"), assignment)
        for index in range(3)
    ]
    response = api_client.get(URL, {"page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 3 and body["pages"] == 2 and body["page_size"] == 2
    assert len(body["items"]) == 2
    second = api_client.get(URL, {"page_size": 2, "page": 2}).json()
    ids = {item["id"] for item in body["items"] + second["items"]}
    assert ids == {str(employment.id) for employment in mine}
    assert str(foreign.id) not in ids
    assert NATIONAL_ID not in response.content.decode()
    assert all("national_id" not in item for item in body["items"])
    listed = AuditEvent.objects.filter(action="staffing.employment.listed")
    assert listed.count() == 3
    assert all(event.actor_type == ActorType.API for event in listed)
    assert "Testesen" not in str([(e.action, e.subject_type, e.purpose, e.fields) for e in listed])


def test_list_bad_paging_answers_400(api_client):
    _error(api_client.get(URL, {"page_size": 500}), 400, "validation_failed")


def test_list_ongoing_first(api_client, agency):
    ended = employ(agency, days_ago=300)
    ended.ended_on = _today() - timedelta(days=200)
    ended.save(update_fields=["ended_on"])
    ongoing = employ(
        agency,
        make_employee_candidate(agency, first_name="Ny"),
        make_staffing_assignment(agency, 1),
    )
    items = api_client.get(URL).json()["items"]
    assert [item["id"] for item in items] == [str(ongoing.id), str(ended.id)]


def test_p28_read_is_audited_and_omits_the_national_id(api_client, agency):
    employment = employ(agency)
    response = api_client.get(f"{URL}/{employment.id}")
    assert response.status_code == 200
    assert response.json()["employee_name"] == "Solveig Testesen"
    assert NATIONAL_ID not in response.content.decode()
    event = AuditEvent.objects.get(action="staffing.employment.viewed")
    assert event.subject_id == employment.id and event.actor_type == ActorType.API


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("post", "/end", {"ended_on": "2026-01-01"}),
        ("get", "/payroll", None),
        ("post", "/payroll", {"period": "2026-01", "paid_on": "2026-01-25", "gross_pay": "1"}),
    ],
)
def test_another_agencys_employment_answers_404(api_client, foreign, method, suffix, payload):
    url = f"{URL}/{foreign.id}{suffix}"
    response = api_client.get(url) if method == "get" else _post(api_client, url, payload)
    _error(response, 404, "not_found")
    assert "Annen" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.ended_on is None
    assert not PayrollRecord.objects.exists()
    assert (
        not AuditEvent.objects.filter(subject_id=foreign.id)
        .exclude(action="staffing.employment.started")
        .exists()
    )


def test_an_unknown_id_answers_404(api_client):
    _error(api_client.get(f"{URL}/{uuid.uuid4()}"), 404, "not_found")


def test_a_token_of_the_other_agency_sees_its_own_only(client, agency, other_agency, foreign):
    employ(agency)
    _token, plaintext = api_token_create(
        agency=other_agency, name="Annen integrasjon", created_by=None, now=NOW
    )
    items = client.get(URL, **bearer(plaintext)).json()["items"]
    assert [item["id"] for item in items] == [str(foreign.id)]


def test_without_a_token_answers_401(client, agency):
    _error(client.get(URL), 401, "not_authenticated")


# --- end ------------------------------------------------------------------------------


def test_p19_end_sets_the_date_and_starts_the_clock(api_client, agency):
    employment = employ(agency)
    response = _post(api_client, f"{URL}/{employment.id}/end", {"ended_on": _today().isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ended_on"] == _today().isoformat()
    assert body["erase_after"] is not None
    again = _post(api_client, f"{URL}/{employment.id}/end", {"ended_on": _today().isoformat()})
    _error(again, 409, "employment_ended")


@pytest.mark.parametrize("value", ["future", "before", "garbage"])
def test_p19_a_bad_end_date_answers_400_and_changes_nothing(api_client, agency, value):
    employment = employ(agency)
    ended_on = {
        "future": (_today() + timedelta(days=3)).isoformat(),
        "before": (employment.started_on - timedelta(days=1)).isoformat(),
        "garbage": "snart",
    }[value]
    error = _error(
        _post(api_client, f"{URL}/{employment.id}/end", {"ended_on": ended_on}),
        400,
        "validation_failed",
    )
    assert "ended_on" in error["fields"]
    employment.refresh_from_db()
    assert employment.ended_on is None


# --- payroll --------------------------------------------------------------------------


def test_p19_payroll_is_recorded_and_listed(api_client, agency):
    employment = employ(agency)
    month = employment.started_on.strftime("%Y-%m")
    response = _post(
        api_client,
        f"{URL}/{employment.id}/payroll",
        {"period": month, "paid_on": _today().isoformat(), "gross_pay": 45000, "hours": "160"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["period"] == employment.started_on.replace(day=1).isoformat()
    assert Decimal(body["gross_pay"]) == Decimal("45000")
    assert Decimal(body["position_percentage"]) == Decimal("80")
    assert Decimal(body["hours"]) == Decimal("160")
    listed = api_client.get(f"{URL}/{employment.id}/payroll")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [body["id"]]
    assert AuditEvent.objects.filter(
        action="staffing.employment.viewed", subject_id=employment.id
    ).exists()
    event = AuditEvent.objects.get(action="staffing.payroll.recorded")
    assert "45000" not in str((event.action, event.subject_type, event.purpose, event.fields))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "mars"}, "period"),
        ({"period": "1999-01"}, "period"),
        ({"gross_pay": "-10"}, "gross_pay"),
        ({"hours": 800}, "hours"),
        ({"paid_on": "future"}, "paid_on"),
    ],
)
def test_p19_bad_payroll_answers_400_and_stores_nothing(api_client, agency, changes, field):
    employment = employ(agency)
    values = {
        "period": employment.started_on.strftime("%Y-%m"),
        "paid_on": _today().isoformat(),
        "gross_pay": "100",
    }
    values.update(changes)
    if values["paid_on"] == "future":
        values["paid_on"] = (_today() + timedelta(days=5)).isoformat()
    error = _error(
        _post(api_client, f"{URL}/{employment.id}/payroll", values), 400, "validation_failed"
    )
    assert field in error["fields"]
    assert not PayrollRecord.objects.exists()


def test_p19_the_same_month_twice_answers_400(api_client, agency):
    employment = employ(agency)
    values = {
        "period": employment.started_on.strftime("%Y-%m"),
        "paid_on": _today().isoformat(),
        "gross_pay": "100",
    }
    assert _post(api_client, f"{URL}/{employment.id}/payroll", values).status_code == 201
    error = _error(
        _post(api_client, f"{URL}/{employment.id}/payroll", values), 400, "validation_failed"
    )
    assert "period" in error["fields"]
    assert PayrollRecord.objects.count() == 1


def test_the_schema_lists_the_endpoints_and_no_national_id(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/employments" in schema["paths"]
    assert "/api/v1/employments/{employment_id}/payroll" in schema["paths"]
    assert "national_id" not in schema["components"]["schemas"]["EmploymentOut"]["properties"]
