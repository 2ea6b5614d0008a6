"""Helpers for the assignment, pipeline, board and application tests. Names are made up;
addresses are example.com."""

import datetime as dt
from typing import Any

import pytest

from fortrolig.accounts.models import Role
from fortrolig.api.services import api_token_create
from fortrolig.assignments.services import (
    AssignmentInput,
    PositionInput,
    application_add,
    assignment_create,
)
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import login_verified, make_client, make_staff

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)
START = dt.date(2026, 3, 9)


@pytest.fixture
def consultant(agency):
    return make_staff(agency, email="konsulent@nordlys.example.com")


@pytest.fixture
def actor(consultant):
    return actor_for_user(consultant)


@pytest.fixture
def company(agency):
    return make_client(agency)


@pytest.fixture
def other_company(other_agency):
    return make_client(other_agency, name="Annen Testkunde AS", index=1)


def assignment_input(client, **overrides: Any) -> AssignmentInput:
    values: dict[str, Any] = {
        "client_id": client.id,
        "title": "Lagerteam Bergen",
        "kind": "recruitment",
        "starts_on": START,
        "ends_on": START + dt.timedelta(days=90),
        "description": "Rekruttering til nytt lager.",
    }
    values.update(overrides)
    return AssignmentInput(**values)


def position_input(**overrides: Any) -> PositionInput:
    values: dict[str, Any] = {"title": "Lagermedarbeider", "location": "Bergen", "openings": 2}
    values.update(overrides)
    return PositionInput(**values)


def new_assignment(agency, actor, client, *, positions=None, **overrides):
    return assignment_create(
        agency=agency,
        actor=actor,
        data=assignment_input(client, **overrides),
        positions=[position_input()] if positions is None else positions,
        now=NOW,
    )


def new_candidate(agency, first_name="Kari", last_name="Testesen", **overrides: Any):
    values: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{first_name}.{last_name}".lower().encode("ascii", "ignore").decode()
        + "@example.com",
        "city": "Bergen",
    }
    values.update(overrides)
    from fortrolig.audit.services import Actor

    return candidate_create(
        agency=agency, actor=Actor.system(), data=CandidateInput(**values), now=NOW
    )


@pytest.fixture
def assignment(agency, actor, company):
    return new_assignment(agency, actor, company)


@pytest.fixture
def position(assignment):
    return assignment.positions.get()


@pytest.fixture
def candidate(agency):
    return new_candidate(agency)


@pytest.fixture
def application(agency, actor, candidate, position):
    return application_add(
        agency=agency, actor=actor, candidate_id=candidate.id, position_id=position.id, now=NOW
    )


@pytest.fixture
def staff_client(client, consultant):
    """The test client, logged in as the consultant with both factors."""
    login_verified(client, consultant)
    return client


@pytest.fixture
def manager_staff_client(client, agency):
    login_verified(client, make_staff(agency, email="sjef@nordlys.example.com", role=Role.MANAGER))
    return client


@pytest.fixture
def api_client(client, agency):
    _token, plaintext = api_token_create(
        agency=agency, name="Integrasjon", created_by=None, now=NOW
    )
    client.defaults.update({"HTTP_AUTHORIZATION": f"Bearer {plaintext}"})
    return client
