"""The paper register pages (P-30): the register (unshredded first, by age; then shredded),
registering, scanning, shredding after a confirmation, the dashboard card, and that
another agency's paper never shows. Messages are checked in English here; the bokmål
catalogue is checked in test_paper."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.conftest import login_verified, make_staff
from fortrolig.documents.models import Document
from fortrolig.privacy import paper
from fortrolig.privacy.models import PaperDocument, PaperKind
from fortrolig.privacy.tests.test_paper import SCAN, new_candidate
from fortrolig.privacy.tests.test_paper import register as register_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def no_search(monkeypatch):
    from fortrolig.documents import services

    monkeypatch.setattr(services, "_search_index_schedule", lambda candidate_id: None)


@pytest.fixture
def manager(agency):
    return make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER)


@pytest.fixture
def consultant(agency):
    return make_staff(agency, email="konsulent@nordlys.example.com", role=Role.CONSULTANT)


@pytest.fixture
def actor(consultant):
    return actor_for_user(consultant)


@pytest.fixture
def staff_client(client, consultant):
    login_verified(client, consultant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def outsider_client(client, other_agency):
    login_verified(
        client, make_staff(other_agency, email="radgiver@fjellet.example.com", role=Role.MANAGER)
    )
    return client


def _today() -> dt.date:
    return timezone.localdate()


def register(agency, actor, **overrides):
    # The pages run on the real clock, so the paper is registered on it too.
    return register_at(agency, actor, **{"now": timezone.now(), **overrides})


def test_p30_managers_and_consultants_see_the_register(client, manager, consultant):
    for user in (manager, consultant):
        login_verified(client, user)
        assert client.get(reverse("paper:list")).status_code == 200


def test_p30_the_register_shows_unshredded_by_age_then_shredded(
    staff_client, agency, other_agency, actor
):
    candidate = new_candidate(agency)
    older = register(
        agency,
        actor,
        received_on=_today() - dt.timedelta(days=40),
        storage_location="Skap A",
        candidate_id=candidate.id,
    )
    newer = register(
        agency, actor, received_on=_today() - dt.timedelta(days=3), storage_location="Skap B"
    )
    gone = register(
        agency, actor, received_on=_today() - dt.timedelta(days=400), storage_location="Skap C"
    )
    paper.paper_shred(agency=agency, actor=actor, paper_id=gone.id, now=timezone.now())
    outsider = actor_for_user(make_staff(other_agency, email="x@fjellet.example.com"))
    register(other_agency, outsider, storage_location="Fremmed skap", received_on=_today())

    response = staff_client.get(reverse("paper:list"))
    html = response.content.decode()
    assert (
        html.index(f"paper-{older.id}")
        < html.index(f"paper-{newer.id}")
        < html.index(f"paper-{gone.id}")
    )
    assert "40 days" in html and "3 days" in html
    assert candidate.full_name in html
    assert "Fremmed skap" not in html
    assert "Test Person" in html  # who shredded it


def test_p30_registering_paper(staff_client, agency):
    candidate = new_candidate(agency)
    form = staff_client.get(reverse("paper:register") + f"?candidate={candidate.id}")
    assert form.status_code == 200 and str(candidate.id) in form.content.decode()
    response = staff_client.post(
        reverse("paper:register"),
        {
            "kind": "diploma",
            "received_on": _today().isoformat(),
            "storage_location": "Låst skap, rom 2",
            "candidate": str(candidate.id),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("paper:list")
    item = PaperDocument.objects.get()
    assert item.candidate_id == candidate.id and item.storage_location == "Låst skap, rom 2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"received_on": "2999-01-01"},
            "Give the date the paper was received. It cannot be in the future.",
        ),
        ({"kind": "parchment"}, "Choose what kind of paper document this is."),
        (
            {"storage_location": ""},
            "Say where the paper is locked away, in at most 200 characters.",
        ),
    ],
)
def test_p30_bad_input_is_refused_keeps_what_was_typed_and_changes_nothing(
    staff_client, changes, message
):
    data = {
        "kind": "cv",
        "received_on": "2026-01-15",
        "storage_location": "Låst skap, rom 2",
        "candidate": "",
    }
    data.update(changes)
    response = staff_client.post(reverse("paper:register"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    if data["storage_location"]:
        assert data["storage_location"] in html
    assert not PaperDocument.objects.exists()


def test_p30_another_agency_s_candidate_is_refused(staff_client, other_agency):
    stranger = new_candidate(other_agency)
    response = staff_client.post(
        reverse("paper:register"),
        {
            "kind": "cv",
            "received_on": "2026-01-15",
            "storage_location": "Skap",
            "candidate": str(stranger.id),
        },
    )
    assert response.status_code == 400
    assert "Choose one of the agency&#x27;s candidates, or none." in response.content.decode()
    assert not PaperDocument.objects.exists()


def test_p30_uploading_the_scan(staff_client, agency, actor):
    candidate = new_candidate(agency)
    item = register(agency, actor, candidate_id=candidate.id, received_on=_today())
    page = staff_client.get(reverse("paper:scan", kwargs={"paper_id": item.id}))
    assert page.status_code == 200
    response = staff_client.post(
        reverse("paper:scan", kwargs={"paper_id": item.id}),
        {"file": SimpleUploadedFile("vitnemal.txt", SCAN, content_type="text/plain")},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.scan_id == Document.objects.get(candidate=candidate).id


def test_p07_a_police_certificate_scan_is_refused_on_the_page(staff_client, agency, actor):
    candidate = new_candidate(agency)
    item = register(
        agency,
        actor,
        candidate_id=candidate.id,
        kind=PaperKind.POLICE_CERTIFICATE,
        received_on=_today(),
    )
    response = staff_client.post(
        reverse("paper:scan", kwargs={"paper_id": item.id}),
        {"file": SimpleUploadedFile("attest.txt", SCAN)},
    )
    assert response.status_code == 409
    assert "P-07" in response.content.decode()
    assert not Document.objects.exists()


def test_p30_shredding_asks_first_and_records_once(staff_client, agency, actor, consultant):
    item = register(agency, actor, received_on=_today())
    url = reverse("paper:shred", kwargs={"paper_id": item.id})
    confirm = staff_client.get(url)
    assert confirm.status_code == 200
    assert "Confirm that you have shredded this paper document." in confirm.content.decode()
    item.refresh_from_db()
    assert item.shredded_at is None  # asking changes nothing

    assert staff_client.post(url).status_code == 302
    item.refresh_from_db()
    first = item.shredded_at
    assert first is not None and item.shredded_by_id == consultant.id

    again = staff_client.post(url, follow=True)
    assert "This paper document has already been shredded." in again.content.decode()
    item.refresh_from_db()
    assert item.shredded_at == first
    assert AuditEvent.objects.filter(action="paper.shredded").count() == 1


def test_p30_the_dashboard_card_lists_paper_not_yet_shredded_by_age(staff_client, agency, actor):
    register(agency, actor, received_on=_today() - dt.timedelta(days=12), storage_location="Skap A")
    register(agency, actor, received_on=_today() - dt.timedelta(days=2), storage_location="Skap B")
    response = staff_client.get(reverse("paper:dashboard_card"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "2 paper documents are not yet shredded; the oldest was received 12 days ago." in html
    assert html.index("Skap A") < html.index("Skap B")


def test_the_dashboard_card_include_loads_itself():
    from django.template.loader import render_to_string

    html = render_to_string("privacy/paper/_dashboard_card.html", {})
    assert 'hx-get="/staff/paper/card/"' in html


def test_another_agency_gets_404_and_sees_nothing(outsider_client, agency, actor):
    candidate = new_candidate(agency)
    item = register(agency, actor, candidate_id=candidate.id, storage_location="Skap hemmelig")
    for url in (
        reverse("paper:scan", kwargs={"paper_id": item.id}),
        reverse("paper:shred", kwargs={"paper_id": item.id}),
    ):
        assert outsider_client.get(url).status_code == 404
    assert (
        outsider_client.post(reverse("paper:shred", kwargs={"paper_id": item.id})).status_code
        == 404
    )
    scan = outsider_client.post(
        reverse("paper:scan", kwargs={"paper_id": item.id}),
        {"file": SimpleUploadedFile("a.txt", SCAN)},
    )
    assert scan.status_code == 404
    for url in (reverse("paper:list"), reverse("paper:dashboard_card")):
        html = outsider_client.get(url).content.decode()
        assert "Skap hemmelig" not in html and candidate.last_name not in html
    item.refresh_from_db()
    assert item.shredded_at is None and item.scan_id is None
    assert not Document.objects.exists()


def test_the_pages_need_a_staff_login(client):
    response = client.get(reverse("paper:list"))
    assert response.status_code == 302 and "login" in response["Location"]
