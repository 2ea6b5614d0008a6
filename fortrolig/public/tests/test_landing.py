import pytest

from fortrolig.conftest import make_agency
from fortrolig.public.selectors import agency_directory


@pytest.fixture
def agencies(agency, other_agency):
    return [agency, other_agency]


@pytest.mark.django_db
def test_landing_is_the_job_board_and_lists_each_agency_with_its_public_contact(client, agencies):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for agency in agencies:
        assert agency.name in body
        assert f'href="mailto:{agency.contact_email}"' in body
        # Only what an agency publishes: not its organisation number or internal settings.
        assert agency.org_number not in body
    assert 'href="/staff/login/"' in body
    assert 'role="search"' in body
    assert 'href="/verify/"' in body


@pytest.mark.django_db
def test_directory_selects_only_public_fields(agencies):
    listings = agency_directory()
    assert [listing.name for listing in listings] == sorted(a.name for a in agencies)
    assert set(vars(listings[0])) == {"name", "contact_email"}


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?lang=en", "?lang=nb", "?lang=xx"])
def test_landing_sets_no_cookies(client, agencies, query):
    response = client.get(f"/{query}")
    assert response.status_code == 200
    assert "Set-Cookie" not in str(response.serialize_headers(), "latin-1")
    assert not response.cookies
    # Only the search form, sent by GET: no CSRF token and no CSRF cookie.
    assert b'method="post"' not in response.content.lower()
    assert b'<form method="get"' in response.content
    assert b"csrfmiddlewaretoken" not in response.content


@pytest.mark.django_db
def test_landing_is_bokmal_first(client, agencies):
    response = client.get("/")
    assert response["Content-Language"] == "nb"
    body = response.content.decode()
    assert '<html lang="nb">' in body
    assert "Innlogging for ansatte" in body
    assert 'href="?lang=en"' in body


@pytest.mark.django_db
def test_landing_in_english_by_link_or_browser(client, agencies):
    by_link = client.get("/?lang=en")
    assert by_link["Content-Language"] == "en"
    assert '<html lang="en">' in by_link.content.decode()
    assert "Staff login" in by_link.content.decode()
    by_browser = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Staff login" in by_browser.content.decode()
    # The link wins over the browser, and an unknown code changes nothing.
    assert (
        "Innlogging for ansatte"
        in client.get("/?lang=nb", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "Innlogging for ansatte" in client.get("/?lang=xx").content.decode()


@pytest.mark.django_db
def test_landing_has_no_staff_navigation(client, agencies):
    body = client.get("/").content.decode()
    assert "/staff/audit/" not in body
    assert "/staff/outbox/" not in body


@pytest.mark.django_db
def test_landing_without_agencies(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Ingen byråer" in response.content.decode()


@pytest.mark.django_db
def test_landing_is_read_only(client):
    assert client.post("/").status_code == 405


@pytest.mark.django_db
def test_landing_escapes_agency_names(client):
    make_agency("skarp", index=2, name="<script>alert(1)</script> AS")
    body = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
