"""The public apply form and its receipt page (P-06, P-15, P-29, P-31). Names are made up;
addresses are example.com.

These tests read English text (`?lang=en`) or field error keys, so that they do not depend
on the bokmål catalogue."""

import logging
import re
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fortrolig.assignments.models import AdStatus, Application
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate, Source
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.clients.models import Client as ClientCompany
from fortrolig.conftest import make_position, make_published_ad
from fortrolig.core import clock
from fortrolig.documents.models import Document
from fortrolig.documents.tests.corpus import docx_bytes, elf_stub, pdf_bytes
from fortrolig.messaging.models import OutboundEmail

PDF = pdf_bytes(("Erfaren lagermedarbeider",))
KEY_PATTERN = re.compile(r'name="submission_key" value="([^"]+)"')


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def fresh_cache():
    # The rate limit counts in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ad(agency):
    return make_published_ad(agency, code="FORM0001")


def url(ad, query: str = "") -> str:
    return f"/jobs/{ad.id}/apply/{query}"


def received_url(ad, query: str = "") -> str:
    return f"/jobs/{ad.id}/apply/received/{query}"


def form_key(response) -> str:
    match = KEY_PATTERN.search(response.content.decode())
    assert match, "the form carries a submission key"
    return match.group(1)


def fields(**overrides) -> dict:
    values = {
        "first_name": "Kari",
        "last_name": "Søkersen",
        "email": "kari.sokersen@example.com",
        "phone": "912 34 567",
        "cover_letter": "Jeg liker orden og gode rutiner.",
        "sharing_acknowledged": "on",
        "alerts_same_location": "on",
        "website": "",
        "submission_key": "k" * 43,
    }
    values.update(overrides)
    return values


def post(
    client, ad, *, cv=PDF, filename="cv.pdf", query="?lang=en", remote="192.0.2.10", **overrides
):
    data = fields(**overrides)
    if cv is not None:
        data["cv"] = SimpleUploadedFile(filename, cv, content_type="application/octet-stream")
    return client.post(url(ad, query), data, REMOTE_ADDR=remote)


def known(agency, email="kari.sokersen@example.com"):
    return candidate_create(
        agency=agency,
        actor=Actor.system(),
        data=CandidateInput(
            first_name="Kari", last_name="Kjentesen", email=email, source=Source.CONSULTANT
        ),
        now=clock.now(),
    )


def stored(agency) -> tuple[int, int, int, int]:
    return (
        Candidate.objects.filter(agency=agency).count(),
        Application.objects.filter(agency=agency).count(),
        Document.objects.filter(agency=agency).count(),
        OutboundEmail.objects.filter(agency=agency).count(),
    )


# --- the form -------------------------------------------------------------------------


@pytest.mark.django_db
def test_p31_the_form_sets_only_the_csrf_cookie(client, ad):
    response = client.get(url(ad))
    assert response.status_code == 200
    assert set(response.cookies) == {"csrftoken"}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_form_asks_for_what_the_issue_lists(client, ad, agency):
    body = client.get(url(ad, "?lang=en")).content.decode()
    for name in ("first_name", "last_name", "email", "phone", "cv", "cover_letter"):
        assert f'name="{name}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert f'href="/personvern/{agency.slug}/?lang=en"' in body
    # The acknowledgement names the agency and, as the client is not confidential, the
    # client.
    assert (
        f"I agree that {agency.name} may share my CV and the details I give here with its "
        f"client {ad.position.assignment.client.name}, for this recruitment." in body
    )
    # Two separate job-alert choices, neither ticked.
    for name in ("alerts_similar_jobs", "alerts_same_location"):
        tag = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', body)
        assert tag and "checked" not in tag.group(0)
    assert "Email me about new jobs in Bergen" in body
    # Every form has its own random key.
    assert form_key(client.get(url(ad))) != form_key(client.get(url(ad)))


@pytest.mark.django_db
def test_the_honeypot_is_hidden_from_people(client, ad):
    body = client.get(url(ad)).content.decode()
    block = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', body, re.S)
    assert block
    tag = re.search(r'<input[^>]*name="website"[^>]*>', block.group(1))
    assert tag
    assert 'tabindex="-1"' in tag.group(0)
    assert 'autocomplete="off"' in tag.group(0)


@pytest.mark.django_db
def test_p15_a_confidential_client_is_not_named_on_the_form(client, agency):
    position = make_position(agency, confidential=True)
    ad = make_published_ad(agency, position=position)
    body = client.get(url(ad, "?lang=en")).content.decode()
    assert position.assignment.client.name not in body
    assert "the client for this recruitment" in body


@pytest.mark.django_db
def test_the_form_is_bokmal_by_default(client, ad):
    response = client.get(url(ad))
    assert response["Content-Language"] == "nb"
    assert '<html lang="nb">' in response.content.decode()


@pytest.mark.django_db
def test_a_closed_ad_says_so_and_an_unknown_ad_is_not_found(client, agency):
    closed = make_published_ad(agency, status=AdStatus.CLOSED)
    response = client.get(url(closed, "?lang=en"))
    assert response.status_code == 410
    assert "no longer open for applications" in response.content.decode()
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert post(Client(), closed).status_code == 410

    client_company = ClientCompany.objects.get(agency=agency)
    draft = make_published_ad(
        agency,
        position=make_position(agency, client=client_company),
        status=AdStatus.DRAFT,
        published_at=None,
    )
    assert client.get(url(draft)).status_code == 404
    assert client.get(f"/jobs/{uuid.uuid4()}/apply/").status_code == 404
    assert client.get(f"/jobs/{uuid.uuid4()}/apply/received/").status_code == 404
    assert Application.objects.count() == 0


# --- sending it -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "filename"), [(PDF, "CV.pdf"), (docx_bytes(), "CV.docx")], ids=["pdf", "docx"]
)
def test_an_application_lands_end_to_end(
    ad, agency, content, filename, django_capture_on_commit_callbacks
):
    browser = Client(enforce_csrf_checks=True)
    form = browser.get(url(ad, "?lang=en"))
    token = form.cookies["csrftoken"].value
    data = fields(submission_key=form_key(form), csrfmiddlewaretoken=token)
    data["cv"] = SimpleUploadedFile(filename, content, content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url(ad, "?lang=en"), data, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 302
    assert response["Location"] == received_url(ad, "?lang=en")
    candidate = Candidate.objects.get(agency=agency)
    assert candidate.source == Source.APPLICATION
    application = Application.objects.get(agency=agency)
    assert application.candidate_id == candidate.id
    assert application.alerts_same_location and not application.alerts_similar_jobs
    assert Document.objects.get(agency=agency).filename == filename
    # The confirmation went out, once, in the language of the form.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kari.sokersen@example.com"]
    assert OutboundEmail.objects.get().language == "en"

    receipt = browser.get(response["Location"])
    assert receipt.status_code == 200
    assert not receipt.cookies
    body = receipt.content.decode()
    assert "your application has been received" in body
    assert agency.contact_email in body
    assert f'href="/personvern/{agency.slug}/?lang=en"' in body
    for personal in ("Kari", "Søkersen", "kari.sokersen", "912"):
        assert personal not in body


@pytest.mark.django_db
def test_known_and_unknown_emails_get_byte_identical_answers(ad, agency, other_agency):
    known(agency, "kjent@example.com")
    known(other_agency, "kjent-der@example.com")
    answers = []
    for index, email in enumerate(["kjent@example.com", "ny@example.com", "kjent-der@example.com"]):
        response = post(Client(), ad, email=email, submission_key=f"{index}" * 43)
        receipt = Client().get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                response.content,
                receipt.status_code,
                receipt.content,
                sorted(response.cookies),
                sorted(receipt.cookies),
            )
        )
    assert answers[0] == answers[1] == answers[2]
    assert Application.objects.filter(agency=agency).count() == 3
    # The other agency's candidate was not touched.
    assert Application.objects.filter(agency=other_agency).count() == 0


@pytest.mark.django_db
def test_sending_the_same_form_twice_lands_once(client, ad, agency):
    first = post(client, ad)
    second = post(client, ad)
    assert first.status_code == second.status_code == 302
    assert stored(agency) == (1, 1, 1, 1)


@pytest.mark.django_db
def test_bad_input_is_refused_clearly_and_keeps_what_was_typed(client, ad, agency):
    response = post(
        client,
        ad,
        email="ikke-en-adresse",
        sharing_acknowledged="",
        alerts_similar_jobs="on",
        cover_letter="Jeg liker <orden> & gode rutiner.",
    )
    assert response.status_code == 400
    body = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) == {"email", "sharing_acknowledged"}
    assert "Enter a valid email address." in body
    assert "confirm that your CV and details may be shared" in body
    # What was typed is still there (escaped), and the ticked alert is still ticked.
    assert 'value="Kari"' in body and 'value="Søkersen"' in body
    assert 'value="ikke-en-adresse"' in body
    assert "Jeg liker &lt;orden&gt; &amp; gode rutiner." in body
    assert re.search(r'<input type="checkbox" name="alerts_similar_jobs"[^>]*checked', body)
    assert 'value="' + "k" * 43 + '"' in body
    # A browser cannot keep a chosen file: the page says to choose it again.
    assert "choose your CV again" in body
    assert stored(agency) == (0, 0, 0, 0)


@pytest.mark.django_db
def test_a_missing_file_and_a_bad_phone_are_refused(client, ad, agency):
    response = post(client, ad, cv=None, phone="12")
    assert response.status_code == 400
    assert "Choose the file with your CV." in response.content.decode()
    # The phone is the service's rule: it answers once the form itself is complete.
    response = post(client, ad, phone="12")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"phone"}
    assert stored(agency) == (0, 0, 0, 0)


@pytest.mark.django_db
def test_p29_a_refused_file_is_explained_and_nothing_is_stored(client, ad, agency, media_root):
    response = post(client, ad, cv=elf_stub(), filename="cv.pdf")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"cv"}
    assert "program or a script" in errors["cv"][0]
    assert 'value="Kari"' in response.content.decode()
    assert stored(agency) == (0, 0, 0, 0)
    assert not [p for p in media_root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_a_form_without_a_valid_key_is_sent_again_with_a_new_one(client, ad, agency):
    response = post(client, ad, submission_key="")
    assert response.status_code == 400
    assert "The form has expired" in response.content.decode()
    fresh = form_key(response)
    assert len(fresh) >= 40
    assert stored(agency) == (0, 0, 0, 0)
    assert post(client, ad, submission_key=fresh).status_code == 302
    assert stored(agency) == (1, 1, 1, 1)


@pytest.mark.django_db
def test_the_language_is_passed_on_to_the_receipt(client, ad):
    response = post(client, ad, query="?lang=nb")
    assert response["Location"] == received_url(ad, "?lang=nb")
    assert post(client, ad, query="", submission_key="z" * 43)["Location"] == received_url(ad)


# --- spam protection ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, ad, agency, caplog):
    with caplog.at_level(logging.INFO, logger="fortrolig.public.apply_views"):
        response = post(client, ad, website="http://spam.example.com")
    assert response.status_code == 302
    assert response["Location"] == received_url(ad, "?lang=en")
    assert stored(agency) == (0, 0, 0, 0)
    assert AuditEvent.objects.filter(agency=agency).count() == 0
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "honeypot" in logged
    for personal in ("Kari", "kari.sokersen", "spam.example.com", "192.0.2.10"):
        assert personal not in logged


@pytest.mark.django_db
def test_too_many_applications_from_one_address_get_429(client, ad, agency, settings):
    settings.APPLY_THROTTLE_PER_IP = 2
    assert post(client, ad, submission_key="a" * 43).status_code == 302
    assert post(client, ad, submission_key="b" * 43, email="b@example.com").status_code == 302
    response = post(client, ad, submission_key="c" * 43, email="c@example.com")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.APPLY_THROTTLE_WINDOW_SECONDS)
    body = response.content.decode()
    assert "Too many applications have been sent from your network" in body
    # What was typed is kept for later; nothing of the third was stored.
    assert 'value="c@example.com"' in body
    assert not response.context["form"].has_error("email")
    assert Application.objects.filter(agency=agency).count() == 2
    # Another address is not limited.
    other = post(client, ad, submission_key="d" * 43, email="d@example.com", remote="192.0.2.99")
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_rate_limit_keeps_no_address_in_the_cache(client, ad, settings):
    post(client, ad, remote="203.0.113.77")
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys, "the limit is counted in the cache"
    assert not any("203.0.113.77" in key for key in keys)


@pytest.mark.django_db
def test_the_form_only_takes_get_and_post(client, ad):
    assert client.put(url(ad)).status_code == 405
    assert client.post(received_url(ad)).status_code == 405
