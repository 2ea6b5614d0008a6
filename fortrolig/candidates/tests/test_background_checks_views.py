"""The background-check pages (P-07): what they offer, what they refuse and how, the dated
note after destruction, downloads, and that another agency's checks never show."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates import background_checks as bc
from fortrolig.candidates.models import BackgroundCheck, CheckStatus
from fortrolig.candidates.tests.test_background_checks import (
    CONTENT,
    DETAILS,
    NOW,
    new_application,
    receive,
    request_check,
    stored_files,
)
from fortrolig.conftest import login_verified, make_staff
from fortrolig.messaging.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def consultant(agency):
    return make_staff(agency, email="konsulent@nordlys.example.com", role=Role.CONSULTANT)


@pytest.fixture
def actor(consultant):
    return actor_for_user(consultant)


@pytest.fixture
def staff_client(client, consultant):
    login_verified(client, consultant)
    return client


@pytest.fixture
def outsider_client(client, other_agency):
    login_verified(
        client, make_staff(other_agency, email="radgiver@fjellet.example.com", role=Role.MANAGER)
    )
    return client


@pytest.fixture
def application(agency, actor):
    return new_application(agency, actor, requires_credit_check=True)


@pytest.fixture
def requested(agency, actor, application):
    return request_check(agency, actor, application)


def _page(candidate_id) -> str:
    return reverse("checks:candidate", kwargs={"candidate_id": candidate_id})


def _request_url(application) -> str:
    return reverse(
        "checks:request",
        kwargs={"candidate_id": application.candidate_id, "application_id": application.id},
    )


def _check_url(name: str, check) -> str:
    return reverse(name, kwargs={"candidate_id": check.candidate_id, "check_id": check.id})


def test_p07_the_page_offers_only_the_kinds_the_position_requires(staff_client, agency, actor):
    application = new_application(agency, actor)  # police certificate only
    response = staff_client.get(_page(application.candidate_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="police_certificate"' in html
    assert 'value="credit_check"' not in html and 'value="security_clearance"' not in html
    assert "Kandidaten får først beskjed på e-post" in html


def test_p07_requesting_tells_the_candidate_and_shows_the_check(staff_client, application):
    response = staff_client.post(_request_url(application), {"kind": "credit_check"})
    assert response.status_code == 302
    assert response["Location"] == _page(application.candidate_id)
    check = BackgroundCheck.objects.get()
    assert check.kind == "credit_check" and check.status == CheckStatus.REQUESTED
    assert OutboundEmail.objects.get().recipient == application.candidate.email
    page = staff_client.get(response["Location"]).content.decode()
    assert "Kredittsjekk" in page and "Bestilt; kandidaten har fått beskjed" in page
    # The credit check is taken; the police certificate can still be requested.
    assert 'value="credit_check"' not in page and 'value="police_certificate"' in page


def test_p07_a_kind_the_position_does_not_require_is_refused_with_the_rule(
    staff_client, application
):
    response = staff_client.post(_request_url(application), {"kind": "security_clearance"})
    assert response.status_code == 409
    assert "personvernløfte P-07" in response.content.decode()
    assert not BackgroundCheck.objects.exists() and not OutboundEmail.objects.exists()


def test_an_unknown_kind_is_refused_in_norwegian(staff_client, application):
    response = staff_client.post(_request_url(application), {"kind": "dna_test"})
    assert response.status_code == 400
    assert "Velg en av bakgrunnssjekkene i listen." in response.content.decode()
    assert not BackgroundCheck.objects.exists()


def test_p27_receiving_stores_the_document_encrypted(staff_client, requested, media_root):
    upload = SimpleUploadedFile("attest.txt", CONTENT, content_type="text/plain")
    response = staff_client.post(
        _check_url("checks:receive", requested), {"file": upload, "details": DETAILS}
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == CheckStatus.RECEIVED
    [blob] = stored_files(media_root)
    assert CONTENT not in blob.read_bytes()


def test_p29_a_refused_file_keeps_the_details_typed(staff_client, requested, media_root):
    upload = SimpleUploadedFile("attest.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    response = staff_client.post(
        _check_url("checks:receive", requested), {"file": upload, "details": DETAILS}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert DETAILS in html  # what was typed is kept
    assert 'role="alert"' in html
    assert stored_files(media_root) == []
    requested.refresh_from_db()
    assert requested.status == CheckStatus.REQUESTED


def test_a_future_outcome_date_is_refused_and_the_form_keeps_the_input(staff_client, requested):
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = staff_client.post(
        _check_url("checks:outcome", requested),
        {"outcome": "not_satisfactory", "outcome_on": future},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Den kan ikke være i fremtiden." in html
    assert f'value="{future}"' in html
    assert re.search(r'value="not_satisfactory"[^>]*checked', html)
    requested.refresh_from_db()
    assert requested.outcome == ""


def test_the_outcome_is_recorded(staff_client, requested):
    response = staff_client.post(
        _check_url("checks:outcome", requested),
        {"outcome": "satisfactory", "outcome_on": "2026-03-02"},
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.outcome == "satisfactory" and requested.outcome_on == dt.date(2026, 3, 2)


def test_detail_and_download_are_audited(staff_client, agency, actor, consultant, requested):
    check = receive(agency, actor, requested)
    detail = staff_client.get(reverse("checks:detail", kwargs={"check_id": check.id}))
    assert detail.status_code == 200
    assert DETAILS in detail.content.decode()
    response = staff_client.get(reverse("checks:download", kwargs={"check_id": check.id}))
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    viewed = AuditEvent.objects.filter(
        action="candidate.background_check.viewed", subject_id=check.id
    )
    assert viewed.count() == 2 and {e.actor_id for e in viewed} == {consultant.id}


def test_p07_after_destruction_only_the_dated_note_shows(
    staff_client, agency, actor, requested, django_capture_on_commit_callbacks
):
    check = receive(agency, actor, requested)
    bc.background_check_record_outcome(
        agency=agency,
        actor=actor,
        check_id=check.id,
        outcome="satisfactory",
        outcome_on=dt.date(2026, 3, 2),
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        bc.background_checks_destroy_for_application(
            agency=agency, actor=actor, application_id=check.application_id, now=NOW
        )
    html = staff_client.get(_page(check.candidate_id)).content.decode()
    assert "Kontrollert, tilfredsstillende" in html
    assert "Dokument og detaljer slettet" in html
    assert reverse("checks:download", kwargs={"check_id": check.id}) not in html
    assert "Last opp dokumentet" not in html
    assert DETAILS not in html
    download = staff_client.get(reverse("checks:download", kwargs={"check_id": check.id}))
    assert download.status_code == 409


def test_the_section_for_the_candidate_page_renders_alone(staff_client, requested):
    response = staff_client.get(
        reverse("checks:candidate_section", kwargs={"candidate_id": requested.candidate_id}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Politiattest" in html


def test_another_agency_gets_404_everywhere_and_nothing_changes(
    outsider_client, agency, actor, requested
):
    check = receive(agency, actor, requested)
    before = AuditEvent.objects.count()
    gets = [
        _page(check.candidate_id),
        reverse("checks:candidate_section", kwargs={"candidate_id": check.candidate_id}),
        reverse("checks:detail", kwargs={"check_id": check.id}),
        reverse("checks:download", kwargs={"check_id": check.id}),
    ]
    for url in gets:
        assert outsider_client.get(url).status_code == 404, url
    posts = [
        (_request_url(check.application), {"kind": "credit_check"}),
        (
            _check_url("checks:outcome", check),
            {"outcome": "satisfactory", "outcome_on": "2026-03-01"},
        ),
        (
            _check_url("checks:receive", check),
            {"file": SimpleUploadedFile("a.txt", CONTENT), "details": ""},
        ),
    ]
    for url, data in posts:
        assert outsider_client.post(url, data).status_code == 404, url
    assert AuditEvent.objects.count() == before
    assert BackgroundCheck.objects.count() == 1
    check.refresh_from_db()
    assert check.outcome == "" and check.status == CheckStatus.RECEIVED


def test_the_pages_need_a_staff_login(client, requested):
    response = client.get(_page(requested.candidate_id))
    assert response.status_code == 302 and "login" in response["Location"]
