"""An ad's public page: the verification code (P-13), the confidential client (P-15),
schema.org JobPosting structured data, closed and draft ads, and no cookies."""

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings

from fortrolig.assignments.models import AdStatus, Assignment
from fortrolig.conftest import make_client, make_position, make_published_ad

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def published(agency, *, confidential=False, client_name="Fjordkraft Testkunde AS", **extra):
    client = make_client(agency, name=client_name)
    position = make_position(agency, client=client, confidential=confidential)
    values: dict[str, Any] = {
        "code": "ABCD2345",
        "title": "Lagermedarbeider",
        "location": "Bergen",
        "employment_type": "full_time",
        "apply_by": dt.date(2026, 3, 31),
    }
    values.update(extra)
    return make_published_ad(agency, position=position, **values)


def structured(response) -> dict:
    [script] = JSON_LD.findall(response.content.decode())
    return json.loads(script)


def test_the_ad_page_shows_the_ad_the_agency_and_the_client(client, agency):
    ad = published(agency)
    response = client.get(f"/jobs/{ad.id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Lagermedarbeider</h1>" in body
    assert "Vi søker en strukturert lagermedarbeider" in body
    assert agency.name in body
    assert "Fjordkraft Testkunde AS" in body
    assert f'href="/jobs/{ad.id}/apply/"' in body
    assert f'<link rel="canonical" href="{settings.PUBLIC_BASE_URL}/jobs/{ad.id}/">' in body


def test_p13_the_code_is_printed_with_a_link_to_check_it(client, agency):
    ad = published(agency)
    body = client.get(f"/jobs/{ad.id}/").content.decode()
    assert '<code data-testid="verification-code">ABCD-2345</code>' in body
    assert 'href="/verify/?code=ABCD-2345"' in body
    assert "Kontrollkode:" in body


def test_the_ad_page_carries_job_posting_structured_data(client, agency):
    ad = published(agency)
    data = structured(client.get(f"/jobs/{ad.id}/"))
    assert data["@context"] == "https://schema.org/"
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Lagermedarbeider"
    assert data["description"].startswith("Vi søker")
    assert data["datePosted"] == "2026-02-01"
    assert data["validThrough"] == "2026-03-31T23:59:59+02:00"
    assert data["employmentType"] == "FULL_TIME"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Fjordkraft Testkunde AS",
    }
    assert data["jobLocation"]["address"]["addressLocality"] == "Bergen"
    assert data["jobLocation"]["address"]["addressCountry"] == "NO"
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": agency.name,
        "value": "ABCD-2345",
    }
    assert data["directApply"] is True
    assert data["url"] == f"{settings.PUBLIC_BASE_URL}/jobs/{ad.id}/"


def test_structured_data_leaves_out_what_the_ad_does_not_say(client, agency):
    ad = published(agency, location="", employment_type="", apply_by=None)
    data = structured(client.get(f"/jobs/{ad.id}/"))
    assert "validThrough" not in data
    assert "employmentType" not in data
    assert "jobLocation" not in data


def test_user_text_cannot_break_out_of_the_structured_data(client, agency):
    title = '</script><script>alert("x")</script> & <!-- Lager'
    ad = published(agency, title=title, body="Tekst </SCRIPT> med <b>tagger</b>")
    response = client.get(f"/jobs/{ad.id}/")
    body = response.content.decode()
    assert "<script>alert" not in body
    # The only script element is the structured data, and it parses to the text as typed.
    assert body.count("<script") == 1
    data = structured(response)
    assert data["title"] == title
    assert data["description"] == "Tekst </SCRIPT> med <b>tagger</b>"


def test_p15_a_confidential_client_is_named_nowhere_on_the_page(client, agency):
    ad = published(agency, confidential=True, client_name="Hemmelig Kunde AS")
    response = client.get(f"/jobs/{ad.id}/")
    body = response.content.decode()
    assert "Hemmelig" not in body
    assert "Konfidensiell kunde" in body
    data = structured(response)
    assert data["hiringOrganization"]["name"] == agency.name


def test_p15_a_released_client_is_named(client, agency):
    ad = published(agency, confidential=True, client_name="Hemmelig Kunde AS")
    Assignment.objects.filter(pk=ad.position.assignment_id).update(client_name_released_at=NOW)
    response = client.get(f"/jobs/{ad.id}/")
    assert "Hemmelig Kunde AS" in response.content.decode()
    assert structured(response)["hiringOrganization"]["name"] == "Hemmelig Kunde AS"


def test_a_draft_is_not_found(client, agency):
    ad = published(agency, status=AdStatus.DRAFT, published_at=None)
    response = client.get(f"/jobs/{ad.id}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Lagermedarbeider" not in body
    assert "ABCD" not in body
    assert not response.cookies


def test_an_unknown_ad_is_not_found(client, agency):
    response = client.get("/jobs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Ikke funnet" in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"status": AdStatus.CLOSED, "closed_at": NOW - dt.timedelta(days=1)}, "lukket"),
        ({"apply_by": dt.date(2026, 3, 1)}, "Søknadsfristen"),
    ],
)
def test_a_closed_or_expired_ad_says_it_is_no_longer_open(client, agency, extra, says):
    ad = published(agency, confidential=True, client_name="Hemmelig Kunde AS", **extra)
    response = client.get(f"/jobs/{ad.id}/")
    assert response.status_code == 410
    body = response.content.decode()
    assert "Denne stillingen er ikke lenger ledig" in body
    assert says in body
    assert "ABCD-2345" in body
    assert "application/ld+json" not in body
    assert "/apply/" not in body
    assert "Hemmelig" not in body
    assert not response.cookies


def test_the_ad_page_in_english(client, agency):
    ad = published(agency, confidential=True, client_name="Hemmelig Kunde AS")
    response = client.get(f"/jobs/{ad.id}/", {"lang": "en"})
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Confidential client" in body
    assert "Verification code:" in body
    assert f'href="/jobs/{ad.id}/apply/?lang=en"' in body
    assert 'href="/verify/?code=ABCD-2345&amp;lang=en"' in body


@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_the_ad_page_sets_no_cookies(client, agency, query):
    ad = published(agency)
    response = client.get(f"/jobs/{ad.id}/{query}")
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers(), "latin-1")
    assert b"csrfmiddlewaretoken" not in response.content


def test_the_ad_page_is_read_only(client, agency):
    ad = published(agency)
    assert client.post(f"/jobs/{ad.id}/").status_code == 405
