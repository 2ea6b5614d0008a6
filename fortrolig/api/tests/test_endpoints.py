import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from fortrolig.api.services import api_token_create, api_token_revoke
from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, SubjectRef, record

from .conftest import NOW, bearer

AGENCY_URL = "/api/v1/agency"
EVENTS_URL = "/api/v1/audit/events"


def _event(agency, *, action="candidate.viewed", actor_id=None, subject_id=None, at=NOW):
    with transaction.atomic():
        return record(
            agency=agency,
            actor=Actor(type=ActorType.STAFF, id=actor_id or uuid.uuid4()),
            action=action,
            subject=SubjectRef(type="candidates.candidate", id=subject_id or uuid.uuid4()),
            fields=["email"],
            purpose="recruitment",
            now=at,
        )


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# Authentication


@pytest.mark.django_db
@pytest.mark.parametrize("url", [AGENCY_URL, EVENTS_URL])
def test_no_token_is_401(client, url):
    response = client.get(url)
    _assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_bad_token_is_401(client, agency):
    _assert_error(client.get(AGENCY_URL, **bearer("0" * 64)), 401, "not_authenticated")
    _assert_error(client.get(AGENCY_URL, **bearer("")), 401, "not_authenticated")
    _assert_error(
        client.get(AGENCY_URL, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), 401, "not_authenticated"
    )


@pytest.mark.django_db
def test_revoked_token_is_401(client, agency):
    token, plaintext = api_token_create(agency=agency, name="x", created_by=None, now=NOW)
    assert client.get(AGENCY_URL, **bearer(plaintext)).status_code == 200
    api_token_revoke(agency=agency, token_id=token.id, revoked_by=None, now=NOW)
    _assert_error(client.get(AGENCY_URL, **bearer(plaintext)), 401, "token_revoked")


# Endpoints


@pytest.mark.django_db
def test_agency_is_the_tokens_agency(api_client, agency, other_agency):
    response = api_client.get(AGENCY_URL)
    assert response.status_code == 200
    assert response.json() == {
        "name": agency.name,
        "slug": agency.slug,
        "org_number": agency.org_number,
        "contact_email": agency.contact_email,
    }


@pytest.mark.django_db
def test_another_agencys_events_are_never_returned(client, agency, other_agency):
    actor = uuid.uuid4()
    subject = uuid.uuid4()
    own = _event(agency, actor_id=actor, subject_id=subject)
    foreign = [
        _event(other_agency, actor_id=actor, subject_id=subject),
        _event(other_agency, action="candidate.viewed"),
    ]
    _token, plaintext = api_token_create(agency=agency, name="x", created_by=None, now=NOW)
    auth = bearer(plaintext)

    for query in ({}, {"actor_id": actor}, {"subject_id": subject}, {"action": "candidate"}):
        response = client.get(EVENTS_URL, query, **auth)
        assert response.status_code == 200
        ids = {item["id"] for item in response.json()["items"]}
        assert str(own.id) in ids
        assert not ids & {str(e.id) for e in foreign}
    # The other agency's token sees its own events, and not this one's.
    _other, other_plaintext = api_token_create(
        agency=other_agency, name="y", created_by=None, now=NOW
    )
    ids = {i["id"] for i in client.get(EVENTS_URL, **bearer(other_plaintext)).json()["items"]}
    assert ids >= {str(e.id) for e in foreign}
    assert str(own.id) not in ids


@pytest.mark.django_db
def test_events_filters_and_pagination(api_client, agency):
    actor = uuid.uuid4()
    subject = uuid.uuid4()
    early = _event(agency, at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    by_actor = _event(agency, actor_id=actor)
    about_subject = _event(agency, subject_id=subject, action="document.downloaded")

    def ids(**query):
        response = api_client.get(EVENTS_URL, query)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    # api_token_create recorded an event too: the chain is the agency's whole trail.
    everything = ids()
    assert everything[:3] == [str(about_subject.id), str(by_actor.id), str(early.id)]
    assert ids(actor_id=str(actor)) == [str(by_actor.id)]
    assert ids(subject_id=str(subject)) == [str(about_subject.id)]
    assert ids(action="document.") == [str(about_subject.id)]
    assert ids(date_from="2026-01-01", date_to="2026-01-31") == [str(early.id)]

    page = api_client.get(EVENTS_URL, {"page": 2, "page_size": 2}).json()
    assert page["count"] == len(everything)
    assert [i["id"] for i in page["items"]] == everything[2:4]

    item = api_client.get(EVENTS_URL, {"actor_id": str(actor)}).json()["items"][0]
    assert set(item) == {
        "id",
        "seq",
        "occurred_at",
        "actor_type",
        "actor_id",
        "action",
        "subject_type",
        "subject_id",
        "fields",
        "purpose",
    }
    assert item["fields"] == ["email"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"actor_id": "ikke-en-uuid"}, "actor_id"),
        ({"date_from": "2026-13-40"}, "date_from"),
        ({"action": "DROP TABLE"}, "action"),
        ({"page": 0}, "page"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
    ],
)
def test_invalid_filter_is_a_clear_json_error(api_client, query, field):
    response = api_client.get(EVENTS_URL, query)
    error = _assert_error(response, 400, "validation_failed")
    assert field in error["fields"]
    assert field in error["message"]
    # The input value is not echoed back.
    for value in query.values():
        if isinstance(value, str) and len(value) > 4:
            assert value not in response.content.decode()


@pytest.mark.django_db
def test_dates_in_the_wrong_order_say_so(api_client):
    response = api_client.get(EVENTS_URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    error = _assert_error(response, 400, "validation_failed")
    assert error["fields"] == {"date_to": ["date_to must not be before date_from"]}
    # Bokmål by default; the message follows Accept-Language, the code does not.
    assert error["message"] == "Noen av opplysningene er ikke gyldige: date_to."
    response = api_client.get(
        EVENTS_URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    error = _assert_error(response, 400, "validation_failed")
    assert error["message"] == "Some of the information is not valid: date_to."


# Schema and docs


def test_openapi_schema_lists_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Fortrolig API"
    assert schema["info"]["version"] == "1"
    assert {"/api/v1/agency", "/api/v1/audit/events"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    params = {p["name"] for p in schema["paths"]["/api/v1/audit/events"]["get"]["parameters"]}
    assert {"actor_id", "subject_id", "action", "date_from", "date_to", "page"} <= params


def test_docs_page_loads(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
