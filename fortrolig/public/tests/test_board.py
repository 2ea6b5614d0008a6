"""The public job board at /: every agency's open ads, search, filters, paging, both
languages, the confidential client (P-15), and no cookies (P-31)."""

import dataclasses
import datetime as dt

import pytest
import time_machine

from fortrolig.assignments.models import AdStatus, Assignment
from fortrolig.conftest import make_agency, make_client, make_position, make_published_ad
from fortrolig.public.selectors import BoardQuery, BoardRow, board

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ad(agency, position=None, days_ago=1, **extra):
    position = position or make_position(agency, client=_client(agency))
    extra.setdefault("published_at", NOW - dt.timedelta(days=days_ago))
    return make_published_ad(agency, position=position, **extra)


def _client(agency):
    from fortrolig.clients.models import Client

    return Client.objects.filter(agency=agency).first() or make_client(agency)


def titles(response) -> list[str]:
    return [row.title for row in response.context["board"].rows]


def test_board_lists_the_open_ads_of_every_agency_newest_first(client, agency, other_agency):
    older = ad(agency, title="Lagermedarbeider", days_ago=3)
    newer = ad(other_agency, title="Sykepleier", location="Tromsø", days_ago=1)
    response = client.get("/")
    assert response.status_code == 200
    assert titles(response) == ["Sykepleier", "Lagermedarbeider"]
    body = response.content.decode()
    assert f'href="/jobs/{newer.id}/"' in body
    assert f'href="/jobs/{older.id}/"' in body
    assert f"Annonsert av {other_agency.name}" in body
    assert f"Annonsert av {agency.name}" in body


def test_board_leaves_out_drafts_closed_and_expired_ads(client, agency):
    ad(agency, title="Åpen uten frist")
    ad(agency, title="Frist i dag", apply_by=dt.date(2026, 3, 2))
    ad(agency, title="Utløpt", apply_by=dt.date(2026, 3, 1))
    ad(agency, title="Lukket", status=AdStatus.CLOSED, closed_at=NOW)
    ad(agency, title="Utkast", status=AdStatus.DRAFT, published_at=None)
    assert sorted(titles(client.get("/"))) == ["Frist i dag", "Åpen uten frist"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("truck", ["Truckfører"]),
        ("TRUCKFØRER", ["Truckfører"]),
        ("ålesund", ["Truckfører"]),
        ("lager", ["Lagermedarbeider", "Truckfører"]),
        ("lager ålesund", ["Truckfører"]),
        ("sertifikat", ["Truckfører"]),
        ("bergen, lager", ["Lagermedarbeider"]),
        ("rørlegger", []),
    ],
)
def test_board_search_by_words_in_title_text_and_location(client, agency, q, expected):
    ad(agency, title="Lagermedarbeider", location="Bergen", body="Plukk og pakk.", days_ago=2)
    ad(
        agency,
        title="Truckfører",
        location="Ålesund",
        body="Truckfører til lager. Krever sertifikat.",
        days_ago=1,
    )
    response = client.get("/", {"q": q})
    assert sorted(titles(response)) == sorted(expected)
    if not expected:
        assert "Ingen ledige stillinger passer til søket." in response.content.decode()


def test_board_filters_by_location_and_agency(client, agency, other_agency):
    ad(agency, title="Bergen-jobb", location="Bergen")
    ad(other_agency, title="Oslo-jobb", location="Oslo")
    ad(other_agency, title="Annen Bergen-jobb", location="Bergen sentrum")
    assert sorted(titles(client.get("/", {"location": "bergen"}))) == [
        "Annen Bergen-jobb",
        "Bergen-jobb",
    ]
    assert sorted(titles(client.get("/", {"agency": other_agency.slug}))) == [
        "Annen Bergen-jobb",
        "Oslo-jobb",
    ]
    assert titles(client.get("/", {"agency": other_agency.slug, "location": "Bergen"})) == [
        "Annen Bergen-jobb"
    ]
    assert titles(client.get("/", {"agency": "ukjent"})) == []
    # The filter choices are the places and agencies with open ads.
    response = client.get("/")
    assert response.context["board"].locations == ["Bergen", "Bergen sentrum", "Oslo"]
    assert [a.name for a in response.context["board"].agencies] == sorted(
        [agency.name, other_agency.name]
    )
    body = response.content.decode()
    assert f'<option value="{other_agency.slug}">' in body


def test_board_pages(client, agency):
    position = make_position(agency)
    for number in range(23):
        ad(agency, position=position, title=f"Stilling {number:02d}", days_ago=number + 1)
    first = client.get("/", {"q": "stilling"})
    assert len(titles(first)) == 20
    assert titles(first)[0] == "Stilling 00"
    assert "Side 1 av 2" in first.content.decode()
    assert 'href="?q=stilling&amp;page=2"' in first.content.decode()
    second = client.get("/", {"q": "stilling", "page": "2"})
    assert titles(second) == ["Stilling 20", "Stilling 21", "Stilling 22"]
    # A page past the end shows the last; a page that is not a number shows the first.
    assert titles(client.get("/", {"page": "99"})) == titles(second)
    assert titles(client.get("/", {"page": "abc"})) == titles(first)


def test_p15_the_board_hides_a_confidential_client(client, agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS", index=1)
    shown = make_client(agency, name="Åpen Kunde AS", index=2)
    ad(agency, position=make_position(agency, client=hidden, confidential=True))
    ad(agency, position=make_position(agency, client=shown))
    body = client.get("/").content.decode()
    assert "Hemmelig" not in body
    assert "Åpen Kunde AS" in body
    assert "Konfidensiell kunde" in body


def test_p15_a_released_client_is_shown(client, agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS", index=1)
    position = make_position(agency, client=hidden, confidential=True)
    ad(agency, position=position)
    Assignment.objects.filter(pk=position.assignment_id).update(client_name_released_at=NOW)
    assert "Hemmelig Kunde AS" in client.get("/").content.decode()


def test_board_selects_only_what_an_ad_publishes(agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS", index=1)
    ad(agency, position=make_position(agency, client=hidden, confidential=True))
    result = board(query=BoardQuery(), now=NOW)
    assert {f.name for f in dataclasses.fields(BoardRow)} == {
        "id",
        "title",
        "excerpt",
        "location",
        "employment_type_label",
        "language",
        "apply_by",
        "published_at",
        "agency_name",
        "client_name",
        "client_hidden",
    }
    [row] = result.rows
    assert row.client_name == ""
    assert row.client_hidden
    assert "Hemmelig" not in repr(result)


def test_board_in_english_keeps_the_language_in_its_links(client, agency):
    published = ad(agency, title="Warehouse worker", language="en")
    response = client.get("/", {"lang": "en", "q": "warehouse"})
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Vacant positions" in body
    assert "1 vacant position" in body
    assert f'href="/jobs/{published.id}/?lang=en"' in body
    assert '<input type="hidden" name="lang" value="en">' in body
    # The language switch keeps the search.
    assert 'href="?q=warehouse&amp;lang=nb"' in body
    assert 'href="/verify/?lang=en"' in body


def test_board_is_bokmal_first(client, agency):
    ad(agency)
    body = client.get("/").content.decode()
    assert "Ledige stillinger" in body
    assert "1 ledig stilling" in body


@pytest.mark.parametrize("query", ["", "?q=lager", "?q=lager&location=Bergen&page=2&lang=en"])
def test_board_sets_no_cookies(client, agency, query):
    ad(agency)
    response = client.get(f"/{query}")
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers(), "latin-1")


def test_board_escapes_ad_text(client, agency):
    ad(agency, title="<script>alert(1)</script>", body="<b>fet</b>")
    body = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<b>fet</b>" not in body


def test_board_without_ads(client):
    make_agency("tomt", index=3)
    response = client.get("/")
    assert "Ingen ledige stillinger akkurat nå." in response.content.decode()
