"""The public page /verify/ (P-13, P-14): each answer in plain words, in bokmål and
English, bad input, and no cookies."""

import datetime as dt

import pytest
import time_machine

from fortrolig.assignments import ads_services as services
from fortrolig.assignments.models import Channel
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_position

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
FINN = "https://www.finn.no/job/ad/412345678"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ad(agency):
    actor = Actor.system()
    ad = services.ad_create(
        agency=agency,
        actor=actor,
        position_id=make_position(agency).id,
        data=services.AdInput(title="Lagermedarbeider", body="Fast stilling."),
        now=NOW,
    )
    services.ad_publish(agency=agency, actor=actor, ad_id=ad.id, now=NOW)
    services.publication_add(
        agency=agency,
        actor=actor,
        ad_id=ad.id,
        channel=Channel.FINN,
        url=FINN,
        published_on=dt.date(2026, 3, 2),
        now=NOW,
    )
    return ad


def code(ad) -> str:
    return f"{ad.verification_code[:4]}-{ad.verification_code[4:]}"


def outcome(response) -> str:
    result = response.context["result"]
    return result.outcome if result else ""


def test_the_empty_page_shows_the_form(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Er denne annonsen fra oss?" in body
    assert '<form method="get" action="/verify/"' in body
    assert 'name="code"' in body
    assert 'name="url"' in body
    assert response.context["result"] is None


def test_p13_genuine_and_published_here(client, ad, agency):
    response = client.get("/verify/", {"code": code(ad).lower(), "url": "finn.no/job/ad/412345678"})
    assert response.status_code == 200
    assert outcome(response) == "published_here"
    body = response.content.decode()
    assert "Ekte, og publisert her" in body
    assert agency.name in body
    assert "FINN.no" in body
    assert f'href="/jobs/{ad.id}/"' in body


def test_p14_not_authorised_lists_where_it_is_published(client, ad, agency):
    response = client.get(
        "/verify/", {"code": code(ad), "url": "https://jobs-scam.example.com/lager"}
    )
    assert outcome(response) == "not_authorised"
    body = response.content.decode()
    assert "Ikke godkjent på denne adressen" in body
    assert f'href="{FINN}"' in body
    assert f"/jobs/{ad.id}/" in body
    assert "Byråets eget nettsted" in body
    assert f"mailto:{agency.contact_email}" in body


def test_p13_code_only_is_genuine_with_dates(client, ad):
    response = client.get("/verify/", {"code": code(ad)})
    assert outcome(response) == "genuine"
    body = response.content.decode()
    assert "Ekte annonse" in body
    assert "siden 02.03.2026" in body


def test_p14_a_removed_publication_was_published_until_its_date(client, ad, agency):
    finn = ad.publications.get(channel=Channel.FINN)
    services.publication_remove(
        agency=agency, actor=Actor.system(), ad_id=ad.id, publication_id=finn.id, now=NOW
    )
    response = client.get("/verify/", {"url": FINN})
    assert outcome(response) == "was_published_here"
    body = response.content.decode()
    assert "Ekte, men ikke lenger publisert her" in body
    assert "fra 02.03.2026 til 02.03.2026" in body


def test_p13_unknown(client, ad):
    response = client.get("/verify/", {"code": "ZZZZ-9999"})
    assert outcome(response) == "unknown"
    body = response.content.decode()
    assert "Ukjent" in body
    assert "Ingen byråer her har publisert en annonse" in body


def test_p13_the_answers_in_english(client, ad):
    response = client.get(
        "/verify/", {"code": code(ad), "url": "https://scam.example.com/x", "lang": "en"}
    )
    assert response["Content-Language"] == "en"
    body = response.content.decode()
    assert "Not authorised at this address" in body
    assert "The agency&#x27;s own site" in body
    assert '<input type="hidden" name="lang" value="en">' in body
    unknown = client.get("/verify/", {"code": "ZZZZ-9999", "lang": "en"}).content.decode()
    assert "No agency here has published an ad with this code" in unknown


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"code": "", "url": ""}, "Skriv inn koden som står på annonsen"),
        ({"code": "ABC"}, "En kode har 8 bokstaver og sifre"),
        ({"url": "ftp://finn.no/x"}, "Skriv inn en nettadresse"),
        ({"url": "ikke en adresse"}, "Skriv inn en nettadresse"),
    ],
)
def test_p13_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, ad, params, message):
    response = client.get("/verify/", params)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert response.context["result"] is None
    for value in params.values():
        if value:
            assert f'value="{value}"' in body


def test_p13_bad_input_in_english(client):
    body = client.get("/verify/", {"code": "", "url": "", "lang": "en"}).content.decode()
    assert "Enter the code printed on the ad, the address where you found it, or both." in body


@pytest.mark.parametrize(
    "query", ["", "?code=ZZZZ-9999", "?code=&url=", "?url=https://finn.no/x&lang=en"]
)
def test_the_verify_page_sets_no_cookies(client, query):
    response = client.get(f"/verify/{query}")
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers(), "latin-1")
    assert b"csrfmiddlewaretoken" not in response.content


def test_the_verify_page_escapes_what_was_typed(client):
    body = client.get("/verify/", {"url": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in body


def test_the_verify_page_is_read_only(client):
    assert client.post("/verify/").status_code == 405
