"""P-29 and P-28: files are served only to authorised staff of the agency, audited."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import login_verified, make_staff
from fortrolig.documents.tests import corpus
from fortrolig.documents.tests.conftest import audit_count, make_candidate
from fortrolig.documents.views import content_disposition


@pytest.fixture
def document(upload):
    return upload(corpus.pdf_bytes(), "CV Kari Testesen \u2013 sykepleier.pdf")


def test_p29_staff_download_is_an_attachment_that_is_never_sniffed_or_cached(
    client, staff, document
):
    login_verified(client, staff)
    url = reverse("documents:download", kwargs={"document_id": document.id})
    assert url == f"/staff/documents/{document.id}/download/"

    response = client.get(url)

    assert response.status_code == 200
    assert response.content == corpus.pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    real_name = quote("CV Kari Testesen \u2013 sykepleier.pdf", safe="")
    assert "filename*=UTF-8''" + real_name in disposition
    assert 'filename="CV Kari Testesen _ sykepleier.pdf"' in disposition


def test_p28_a_download_records_who_viewed_the_document(client, agency, staff, document):
    login_verified(client, staff)
    before = audit_count(agency)
    client.get(reverse("documents:download", kwargs={"document_id": document.id}))

    assert audit_count(agency) == before + 1
    event = AuditEvent.objects.filter(agency=agency).order_by("-seq").first()
    assert event is not None
    assert event.action == "candidate.document.viewed"
    assert event.actor_id == staff.id
    assert event.subject_type == "documents.document"
    assert event.subject_id == document.id
    assert event.fields == ["content", "filename"]


def test_p29_another_agency_cannot_download_and_nothing_is_recorded(
    client, agency, other_agency, document
):
    outsider = make_staff(other_agency, email="radgiver@fjellet.example.com", role=Role.MANAGER)
    login_verified(client, outsider)
    before = audit_count(agency), audit_count(other_agency)

    response = client.get(reverse("documents:download", kwargs={"document_id": document.id}))

    assert response.status_code == 404
    assert corpus.pdf_bytes() not in response.content
    assert (audit_count(agency), audit_count(other_agency)) == before


def test_p29_an_unknown_document_is_not_found(client, staff):
    import uuid

    login_verified(client, staff)
    response = client.get(reverse("documents:download", kwargs={"document_id": uuid.uuid4()}))
    assert response.status_code == 404


def test_p29_anonymous_and_half_logged_in_users_are_sent_to_log_in(client, staff, document):
    url = reverse("documents:download", kwargs={"document_id": document.id})
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]

    client.force_login(staff)  # password only, no second factor
    response = client.get(url)
    assert response.status_code == 302
    assert corpus.pdf_bytes() not in response.content


def test_p29_download_answers_get_only(client, staff, document):
    login_verified(client, staff)
    url = reverse("documents:download", kwargs={"document_id": document.id})
    assert client.post(url).status_code == 405


def test_p29_the_url_holds_only_the_document_id(document):
    url = reverse("documents:download", kwargs={"document_id": document.id})
    assert "Kari" not in url and ".pdf" not in url


def test_p29_download_of_an_image_is_the_cleaned_copy(client, staff, upload):
    login_verified(client, staff)
    document = upload(corpus.jpeg_with_gps(), "bilde.jpg")
    response = client.get(reverse("documents:download", kwargs={"document_id": document.id}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"Exif" not in response.content


def test_p29_a_document_of_another_candidate_in_the_same_agency_downloads(
    client, agency, staff, actor, upload
):
    other = make_candidate(agency, actor)
    document = upload(corpus.text_utf8(), "notat.txt", candidate=other)
    login_verified(client, staff)
    response = client.get(reverse("documents:download", kwargs={"document_id": document.id}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_content_disposition_escapes_quotes_and_keeps_the_real_name():
    header = content_disposition('a"b\\c;d%e ø.pdf')
    assert header.startswith('attachment; filename="a_b_c_d_e _.pdf"; ')
    assert header.endswith("filename*=UTF-8''a%22b%5Cc%3Bd%25e%20%C3%B8.pdf")
