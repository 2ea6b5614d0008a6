"""The candidate endpoints of the API."""

import json
import uuid
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fortrolig.api.services import api_token_create
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate, Source
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.candidates.tests.conftest import make_national_id

from .conftest import NOW, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/candidates"
NATIONAL_ID = make_national_id(date(1990, 5, 17))
NEW = {
    "first_name": "Kari",
    "last_name": "Testesen",
    "email": "Kari.Testesen@example.com",
    "phone": "912 34 567",
    "birth_date": "1990-05-17",
    "national_id": NATIONAL_ID,
    "city": "Bergen",
    "skills": ["Python", "python", "Django"],
    "source": "consultant",
}


def _candidate(agency, **overrides):
    values: dict[str, Any] = {
        "first_name": "Ola",
        "last_name": "Prøvesen",
        "email": "ola@example.com",
        "birth_date": date(1985, 1, 2),
        "city": "Oslo",
        "national_id": make_national_id(date(1985, 1, 2)),
    }
    values.update(overrides)
    return candidate_create(
        agency=agency, actor=Actor.system(), data=CandidateInput(**values), now=NOW
    )


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def _assert_no_personal_values(response, *values: str) -> None:
    body = response.content.decode()
    for value in values:
        assert value not in body


# Create


def test_p05_create_stores_and_answers_with_a_masked_national_id(api_client, agency):
    response = _post(api_client, URL, NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "kari.testesen@example.com"
    assert body["phone"] == "+4791234567"
    assert body["skills"] == ["Python", "Django"]
    assert body["national_id_masked"] == "••••••••" + NATIONAL_ID[-3:]
    assert "national_id" not in body
    assert NATIONAL_ID not in response.content.decode()
    candidate = Candidate.objects.get(pk=body["id"])
    assert candidate.agency == agency
    assert candidate.national_id == NATIONAL_ID


def test_p06_create_needs_a_source(api_client):
    data = {key: value for key, value in NEW.items() if key != "source"}
    error = _error(_post(api_client, URL, data), 400, "validation_failed")
    assert "source" in error["fields"]
    data = {**NEW, "source": "campaign"}
    error = _error(_post(api_client, URL, data), 400, "validation_failed")
    assert "source_partner" in error["fields"]
    data = {**NEW, "source": "campaign", "source_partner": "Sosialt Byrå AS"}
    response = _post(api_client, URL, data)
    assert response.status_code == 201
    assert response.json()["source"] == Source.CAMPAIGN


def test_p28_create_is_recorded_as_made_by_the_token(api_client):
    body = _post(api_client, URL, NEW).json()
    event = AuditEvent.objects.get(action="candidate.created", subject_id=body["id"])
    assert event.actor_type == ActorType.API
    assert "national_id" in event.fields


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("national_id", "12345678901"),
        ("phone", "12"),
        ("email", "kari.example.com"),
        ("birth_date", "2999-01-01"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_no_values(api_client, field, value):
    response = _post(api_client, URL, {**NEW, field: value})
    error = _error(response, 400, "validation_failed")
    assert field in error["fields"]
    _assert_no_personal_values(response, value, "Kari", "Testesen", NATIONAL_ID)
    assert Candidate.objects.count() == 0


def test_malformed_input_is_400_with_field_errors(api_client):
    response = _post(api_client, URL, {**NEW, "birth_date": "17. mai", "skills": "Python"})
    error = _error(response, 400, "validation_failed")
    assert set(error["fields"]) == {"birth_date", "skills"}
    _assert_no_personal_values(response, "17. mai")
    response = api_client.post(URL, "not json", content_type="application/json")
    assert response.status_code == 400


def test_bad_input_errors_are_translated(api_client):
    response = _post(api_client, URL, {**NEW, "phone": "12"}, HTTP_ACCEPT_LANGUAGE="nb")
    error = _error(response, 400, "validation_failed")
    assert "telefonnummer" in error["fields"]["phone"][0]


def test_a_duplicate_is_409_with_reasons_and_no_other_candidates_data(api_client, agency):
    other = _candidate(agency, email="kari.testesen@example.com", first_name="Karianne")
    response = _post(api_client, URL, NEW)
    error = _error(response, 409, "duplicate_candidate")
    assert error["reasons"] == ["email"]
    _assert_no_personal_values(response, str(other.id), "Karianne", "Prøvesen", "Oslo")
    assert Candidate.objects.count() == 1
    response = _post(api_client, URL + "?allow_duplicate=true", NEW)
    assert response.status_code == 201


# Read


def test_p28_read_is_recorded_with_actor_type_api(api_client, agency):
    candidate = _candidate(agency)
    response = api_client.get(f"{URL}/{candidate.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["first_name"] == "Ola"
    assert body["national_id_masked"].endswith(candidate.national_id[-3:])
    assert candidate.national_id not in response.content.decode()
    event = AuditEvent.objects.get(action="candidate.viewed", subject_id=candidate.id)
    assert event.actor_type == ActorType.API
    assert event.fields == []


def test_another_agencys_candidate_is_404(api_client, other_agency):
    theirs = _candidate(other_agency)
    for response in (
        api_client.get(f"{URL}/{theirs.id}"),
        api_client.put(
            f"{URL}/{theirs.id}",
            json.dumps({"first_name": "X", "last_name": "Y"}),
            content_type="application/json",
        ),
        api_client.patch(
            f"{URL}/{theirs.id}", json.dumps({"city": "X"}), content_type="application/json"
        ),
    ):
        _error(response, 404, "not_found")
        _assert_no_personal_values(response, "Ola", "Prøvesen", "ola@example.com")
    theirs.refresh_from_db()
    assert theirs.city == "Oslo"
    assert not AuditEvent.objects.filter(subject_id=theirs.id, actor_type=ActorType.API)


def test_an_unknown_candidate_is_404(api_client):
    _error(api_client.get(f"{URL}/{uuid.uuid4()}"), 404, "not_found")
    _error(api_client.get(f"{URL}/not-a-uuid"), 400, "validation_failed")


def test_p23_a_restricted_candidate_is_404(api_client, agency):
    candidate = _candidate(agency)
    Candidate.objects.filter(pk=candidate.id).update(restricted=True)
    _error(api_client.get(f"{URL}/{candidate.id}"), 404, "not_found")
    response = api_client.patch(
        f"{URL}/{candidate.id}", json.dumps({"city": "X"}), content_type="application/json"
    )
    _error(response, 404, "not_found")


def test_no_token_is_401(client, agency):
    candidate = _candidate(agency)
    for response in (client.get(URL), client.get(f"{URL}/{candidate.id}")):
        _error(response, 401, "not_authenticated")


# Update


def test_put_replaces_and_patch_changes_some_fields(api_client, agency):
    candidate = _candidate(agency)
    response = api_client.put(
        f"{URL}/{candidate.id}",
        json.dumps({"first_name": "Ola", "last_name": "Prøvesen", "city": "Tromsø"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    candidate.refresh_from_db()
    assert (candidate.city, candidate.email, candidate.national_id) == ("Tromsø", "", None)
    event = AuditEvent.objects.get(action="candidate.updated", subject_id=candidate.id)
    assert sorted(event.fields) == ["birth_date", "city", "email", "national_id"]
    assert event.actor_type == ActorType.API

    response = api_client.patch(
        f"{URL}/{candidate.id}",
        json.dumps({"phone": "+47 912 34 567", "skills": ["Rust"]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    candidate.refresh_from_db()
    assert (candidate.phone, candidate.skills, candidate.city) == (
        "+4791234567",
        ["Rust"],
        "Tromsø",
    )


def test_patch_keeps_the_national_id_and_source(api_client, agency):
    candidate = _candidate(agency, source=Source.IMPORT)
    response = api_client.patch(
        f"{URL}/{candidate.id}", json.dumps({"city": "Bodø"}), content_type="application/json"
    )
    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.national_id == make_national_id(date(1985, 1, 2))
    assert candidate.source == Source.IMPORT
    event = AuditEvent.objects.get(action="candidate.updated", subject_id=candidate.id)
    assert event.fields == ["city"]


def test_patch_with_bad_input_changes_nothing(api_client, agency):
    candidate = _candidate(agency)
    response = api_client.patch(
        f"{URL}/{candidate.id}",
        json.dumps({"city": "Bodø", "phone": "12"}),
        content_type="application/json",
    )
    error = _error(response, 400, "validation_failed")
    assert list(error["fields"]) == ["phone"]
    candidate.refresh_from_db()
    assert candidate.city == "Oslo"


# List and search


def test_list_shows_only_the_agencys_unrestricted_candidates(
    api_client, agency, other_agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = _candidate(agency)
        hidden = _candidate(agency, first_name="Skjult", email="skjult@example.com")
        _candidate(other_agency, first_name="Annen", email="annen@example.com")
    from fortrolig.search.services import search_index_refresh

    Candidate.objects.filter(pk=hidden.id).update(restricted=True)
    search_index_refresh(candidate_id=hidden.id)
    response = api_client.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["id"] for item in body["items"]] == [str(mine.id)]
    assert body["total"] == 1
    response = api_client.get(URL, {"q": "Prøvesen"})
    assert [item["id"] for item in response.json()["items"]] == [str(mine.id)]
    assert api_client.get(URL, {"q": "Annen"}).json()["items"] == []
    # P-28: each candidate a token was shown is recorded, with the API as the actor.
    from fortrolig.audit.models import AuditEvent

    listed = AuditEvent.objects.filter(action="candidate.listed")
    assert {e.subject_id for e in listed} == {mine.id}
    assert {e.actor_type for e in listed} == {"api"}


def test_list_rejects_bad_paging(api_client):
    error = _error(api_client.get(URL, {"page": 0}), 400, "validation_failed")
    assert "page" in error["fields"]


# Documents


def test_p29_upload_and_download_a_document(api_client, agency):
    candidate = _candidate(agency)
    content = "CV for Ola Prøvesen\nErfaring: mye.\n".encode()
    response = api_client.post(
        f"{URL}/{candidate.id}/documents",
        {"file": SimpleUploadedFile("cv.txt", content, "text/plain"), "kind": "cv"},
    )
    assert response.status_code == 201, response.content
    document_id = response.json()["id"]
    assert response.json()["kind"] == "cv"
    download = api_client.get(f"/api/v1/documents/{document_id}")
    assert download.status_code == 200
    assert download.content == content
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        action="candidate.document.viewed", actor_type=ActorType.API
    ).exists()
    read = api_client.get(f"{URL}/{candidate.id}").json()
    assert [d["id"] for d in read["documents"]] == [document_id]


def test_p29_a_refused_upload_is_400_and_stores_nothing(api_client, agency):
    from fortrolig.documents.models import Document

    candidate = _candidate(agency)
    response = api_client.post(
        f"{URL}/{candidate.id}/documents",
        {"file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00" + b"\x00" * 200), "kind": "cv"},
    )
    error = _error(response, 400, error_code(response))
    assert error["message"]
    assert not Document.objects.exists()


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_documents_of_another_agency_are_404(api_client, other_agency):
    from fortrolig.documents.services import document_upload

    theirs = _candidate(other_agency)
    document = document_upload(
        agency=other_agency,
        actor=Actor.system(),
        candidate_id=theirs.id,
        kind="cv",
        filename="cv.txt",
        content=b"CV\n",
        now=NOW,
    )
    _error(api_client.get(f"/api/v1/documents/{document.id}"), 404, "not_found")
    response = api_client.post(
        f"{URL}/{theirs.id}/documents",
        {"file": SimpleUploadedFile("cv.txt", b"CV\n", "text/plain"), "kind": "cv"},
    )
    _error(response, 404, "not_found")


# The schema


def test_every_candidate_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/candidates"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/candidates/{candidate_id}"])
    assert "post" in paths["/api/v1/candidates/{candidate_id}/documents"]
    assert "get" in paths["/api/v1/documents/{document_id}"]


def test_tokens_of_two_agencies_see_only_their_own(client, agency, other_agency):
    _token, theirs = api_token_create(agency=other_agency, name="x", created_by=None, now=NOW)
    mine = _candidate(agency)
    _error(client.get(f"{URL}/{mine.id}", **bearer(theirs)), 404, "not_found")
