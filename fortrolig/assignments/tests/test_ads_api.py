"""The job ad endpoints of the API (/api/v1/ads...) and the public /api/v1/verify."""

import datetime as dt
import json
from typing import Any

import pytest
from django.conf import settings

from fortrolig.api.services import api_token_create
from fortrolig.assignments import ads_services as services
from fortrolig.assignments.models import AdPublication, AdStatus, JobAd
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_position

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
NEW = {
    "title": "Lagermedarbeider",
    "body": "Vi søker en strukturert lagermedarbeider.",
    "location": "Bergen",
    "employment_type": "full_time",
    "language": "nb",
}


def bearer(agency) -> dict[str, str]:
    _token, plaintext = api_token_create(
        agency=agency, name="Integrasjon", created_by=None, now=NOW
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def api(client, agency):
    client.defaults.update(bearer(agency))
    return client


def post(client, path, data=None):
    return client.post(path, json.dumps(data or {}), content_type="application/json")


def put(client, path, data):
    return client.put(path, json.dumps(data), content_type="application/json")


def error(response, status, code=None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    if code:
        assert body["code"] == code
    assert body["message"]
    return body


def draft(agency, position=None, **overrides) -> JobAd:
    values: dict[str, Any] = {"title": "Lagermedarbeider", "body": "Fast stilling."}
    values.update(overrides)
    return services.ad_create(
        agency=agency,
        actor=Actor.system(),
        position_id=(position or make_position(agency)).id,
        data=services.AdInput(**values),
        now=NOW,
    )


def test_create_read_update_publish_and_close(api, agency):
    position = make_position(agency)
    created = post(api, "/api/v1/ads", {**NEW, "position_id": str(position.id)})
    assert created.status_code == 201, created.content
    ad = created.json()
    assert ad["status"] == "draft"
    assert ad["position_id"] == str(position.id)
    assert ad["public_url"] == ""
    assert len(ad["verification_code"]) == 9
    assert ad["verification_code"][4] == "-"
    event = AuditEvent.objects.get(agency=agency, action="ad.created")
    assert event.actor_type == ActorType.API

    read = api.get(f"/api/v1/ads/{ad['id']}")
    assert read.json()["title"] == "Lagermedarbeider"

    updated = put(api, f"/api/v1/ads/{ad['id']}", {**NEW, "title": "Truckfører"})
    assert updated.status_code == 200, updated.content
    assert updated.json()["title"] == "Truckfører"

    published = post(api, f"/api/v1/ads/{ad['id']}/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["public_url"] == f"{settings.PUBLIC_BASE_URL}/jobs/{ad['id']}/"

    publications = api.get(f"/api/v1/ads/{ad['id']}/publications").json()
    assert [p["channel"] for p in publications] == ["own_site"]

    closed = post(api, f"/api/v1/ads/{ad['id']}/close")
    assert closed.json()["status"] == "closed"
    error(post(api, f"/api/v1/ads/{ad['id']}/close"), 409, "ad_not_published")
    error(put(api, f"/api/v1/ads/{ad['id']}", NEW), 409, "ad_not_editable")


def test_list(api, agency, other_agency):
    mine = draft(agency)
    draft(other_agency)
    body = api.get("/api/v1/ads").json()
    assert [item["id"] for item in body["items"]] == [str(mine.id)]
    assert body["total"] == 1
    assert api.get("/api/v1/ads", {"status": "published"}).json()["total"] == 0
    error(api.get("/api/v1/ads", {"status": "lost"}), 400, "validation_failed")


def test_bad_input_is_refused_and_stores_nothing(api, agency):
    position = make_position(agency)
    body = error(
        post(api, "/api/v1/ads", {**NEW, "position_id": str(position.id), "title": ""}),
        400,
        "validation_failed",
    )
    assert "title" in body["fields"]
    body = error(
        post(
            api,
            "/api/v1/ads",
            {**NEW, "position_id": str(position.id), "apply_by": "2020-01-01"},
        ),
        400,
    )
    assert "apply_by" in body["fields"]
    assert not JobAd.objects.exists()


def test_p15_publishing_an_ad_that_names_the_confidential_client_is_refused(api, agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS")
    ad = draft(
        agency,
        position=make_position(agency, client=hidden, confidential=True),
        body="Jobb hos Hemmelig Kunde AS.",
    )
    body = error(post(api, f"/api/v1/ads/{ad.id}/publish"), 400, "client_name_confidential")
    assert "body" in body["fields"]
    assert "Hemmelig" not in json.dumps(body)
    assert api.get(f"/api/v1/ads/{ad.id}").json()["client_name_hidden"] is True
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT


def test_p14_publications(api, agency):
    ad = draft(agency)
    finn = {"channel": "finn", "url": "https://www.finn.no/job/ad/1", "published_on": "2026-03-02"}
    error(post(api, f"/api/v1/ads/{ad.id}/publications", finn), 409, "ad_not_published")
    post(api, f"/api/v1/ads/{ad.id}/publish")
    added = post(api, f"/api/v1/ads/{ad.id}/publications", finn)
    assert added.status_code == 201, added.content
    publication = added.json()
    assert publication["channel"] == "finn"
    body = error(post(api, f"/api/v1/ads/{ad.id}/publications", finn), 400)
    assert "url" in body["fields"]
    body = error(post(api, f"/api/v1/ads/{ad.id}/publications", {**finn, "channel": "other"}), 400)
    assert "channel_name" in body["fields"]
    removed = post(
        api,
        f"/api/v1/ads/{ad.id}/publications/{publication['id']}/remove",
        {"removed_on": "2026-03-05"},
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["removed_on"] == "2026-03-05"
    error(post(api, f"/api/v1/ads/{ad.id}/publications/{publication['id']}/remove"), 409)


def test_another_agencys_ad_is_not_found(api, other_agency):
    ad = draft(other_agency)
    services.ad_publish(agency=other_agency, actor=Actor.system(), ad_id=ad.id, now=NOW)
    own = AdPublication.objects.get(ad=ad)
    base = f"/api/v1/ads/{ad.id}"
    error(api.get(base), 404, "not_found")
    error(put(api, base, NEW), 404, "not_found")
    error(post(api, f"{base}/publish"), 404, "not_found")
    error(post(api, f"{base}/close"), 404, "not_found")
    error(api.get(f"{base}/publications"), 404, "not_found")
    finn = {"channel": "finn", "url": "https://finn.no/job/ad/1", "published_on": "2026-03-02"}
    error(post(api, f"{base}/publications", finn), 404, "not_found")
    error(post(api, f"{base}/publications/{own.id}/remove"), 404, "not_found")
    theirs = make_position(other_agency, client=make_client(other_agency, index=1))
    error(post(api, "/api/v1/ads", {**NEW, "position_id": str(theirs.id)}), 404, "not_found")
    ad.refresh_from_db()
    assert ad.status == AdStatus.PUBLISHED
    assert AdPublication.objects.filter(ad=ad).count() == 1


def test_the_ad_endpoints_need_a_token(client, agency):
    error(client.get("/api/v1/ads"), 401, "not_authenticated")


def test_p13_verify_needs_no_token(client, agency):
    ad = draft(agency)
    services.ad_publish(agency=agency, actor=Actor.system(), ad_id=ad.id, now=NOW)
    code = ad.verification_code.lower()
    response = client.get("/api/v1/verify", {"code": code, "url": "https://scam.example.com/x"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "not_authorised"
    assert body["agency_name"] == agency.name
    assert [p["channel"] for p in body["publications"]] == ["own_site"]
    own = client.get("/api/v1/verify", {"url": f"{settings.PUBLIC_BASE_URL}/jobs/{ad.id}/"})
    assert own.json()["outcome"] == "published_here"
    assert own.json()["match"]["channel"] == "own_site"
    assert client.get("/api/v1/verify", {"code": "ZZZZ-9999"}).json()["outcome"] == "unknown"


def test_p13_verify_bad_input(client):
    body = error(client.get("/api/v1/verify"), 400, "validation_failed")
    assert "__all__" in body["fields"]
    body = error(client.get("/api/v1/verify", {"url": "ftp://x"}), 400)
    assert "url" in body["fields"]


def test_the_schema_lists_the_ad_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/ads" in schema["paths"]
    assert "/api/v1/verify" in schema["paths"]
    assert schema["paths"]["/api/v1/verify"]["get"]["tags"] == ["ads"]
