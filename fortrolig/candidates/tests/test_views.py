"""The staff pages for candidates: list with search, the candidate page, forms, upload and
merge. The domain rules are tested with the services; these test what the pages do."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfWriter

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import login_verified, make_staff
from fortrolig.documents.models import Document

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Sigrid",
    "last_name": "Testesen",
    "email": "sigrid.testesen@example.com",
    "phone": "912 34 567",
    "birth_date": "1990-04-12",
    "national_id": "",
    "city": "Bergen",
    "skills": "sykepleie, dokumentasjon",
    "languages": "norsk, engelsk",
    "desired_roles": "sykepleier",
    "availability": "immediately",
    "summary": "Erfaren sykepleier fra Haukeland.",
    "source": "consultant",
    "source_partner": "",
}


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST as a browser would, running the after-commit work (the search index refresh)
    as a real commit would."""

    def _post(client, url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return _post


@pytest.fixture
def create(post):
    def _create(client, **overrides):
        return post(client, reverse("candidates:create"), {**FORM, **overrides})

    return _create


def _pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_p05_register_a_candidate_and_open_the_page(consultant_client, agency, create):
    response = create(consultant_client)
    candidate = Candidate.objects.get(agency=agency)
    assert response["Location"] == reverse(
        "candidates:detail", kwargs={"candidate_id": candidate.id}
    )
    page = consultant_client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sigrid Testesen" in body
    assert "sykepleie" in body
    assert AuditEvent.objects.filter(action="candidate.viewed", subject_id=candidate.id).exists()


def test_bad_input_is_refused_in_norwegian_and_keeps_what_was_typed(
    consultant_client, agency, create
):
    response = create(consultant_client, email="ikke-en-epost", first_name="")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Oppgi en gyldig e-postadresse" in body
    assert 'value="Testesen"' in body  # what the user typed is kept
    assert not Candidate.objects.exists()


def test_a_likely_duplicate_is_shown_before_a_second_record_is_made(
    consultant_client, agency, create
):
    create(consultant_client)
    response = create(consultant_client, first_name="Sigrid", email="sigrid.testesen@example.com")
    assert response.status_code == 200
    assert Candidate.objects.count() == 1
    body = response.content.decode()
    assert "Sigrid Testesen" in body
    # Saving again registers the new candidate anyway.
    response = create(consultant_client, allow_duplicate="on")
    assert response.status_code == 302
    assert Candidate.objects.count() == 2


def test_the_list_searches_as_you_type(consultant_client, agency, create):
    create(consultant_client)
    create(
        consultant_client,
        first_name="Per",
        last_name="Prøvesen",
        email="per@example.com",
        phone="",
        birth_date="",
        skills="regnskap",
        desired_roles="økonom",
        summary="Regnskap.",
    )
    response = consultant_client.get(
        reverse("candidates:list"), {"q": "Sigrid"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Sigrid Testesen" in body
    assert "Per Prøvesen" not in body
    assert "<html" not in body  # htmx gets the results fragment only
    full = consultant_client.get(reverse("candidates:list")).content.decode()
    assert "Sigrid Testesen" in full and "Per Prøvesen" in full


def test_upload_a_cv_and_download_it(consultant_client, agency, create, post):
    create(consultant_client)
    candidate = Candidate.objects.get()
    pdf = io.BytesIO(_pdf_bytes())
    pdf.name = "CV Sigrid.pdf"
    response = post(
        consultant_client,
        reverse("candidates:document_upload", kwargs={"candidate_id": candidate.id}),
        {"kind": "cv", "file": pdf},
    )
    assert response.status_code == 302
    document = Document.objects.get(candidate=candidate)
    page = consultant_client.get(response["Location"]).content.decode()
    assert "CV Sigrid.pdf" in page
    download = consultant_client.get(
        reverse("documents:download", kwargs={"document_id": document.id})
    )
    assert download.status_code == 200
    assert b"".join(
        download.streaming_content if download.streaming else [download.content]
    ).startswith(b"%PDF")


def test_p29_a_refused_upload_shows_a_clear_message_and_stores_nothing(
    consultant_client, agency, create
):
    create(consultant_client)
    candidate = Candidate.objects.get()
    evil = io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 200)
    evil.name = "cv.pdf"
    response = consultant_client.post(
        reverse("candidates:document_upload", kwargs={"candidate_id": candidate.id}),
        {"kind": "cv", "file": evil},
        follow=True,
    )
    assert not Document.objects.exists()
    assert 'class="message error"' in response.content.decode()


def test_another_agencys_candidate_is_not_found(
    consultant_client, agency, other_agency, client, create
):
    create(consultant_client)
    candidate = Candidate.objects.get()
    outsider = make_staff(other_agency, email="annen@fjellet.example.com", role=Role.MANAGER)
    login_verified(client, outsider)
    for name in ("detail", "edit", "merge"):
        assert (
            client.get(
                reverse(f"candidates:{name}", kwargs={"candidate_id": candidate.id})
            ).status_code
            == 404
        )
    response = client.get(reverse("candidates:list"), {"q": "Sigrid"})
    assert "Sigrid Testesen" not in response.content.decode()
    assert response.context["results"].total == 0


def test_merge_screen_merges_and_keeps_every_document(consultant_client, agency, create):
    create(consultant_client)
    create(consultant_client, allow_duplicate="on", city="Oslo")
    keep, other = Candidate.objects.order_by("created_at")
    pdf = io.BytesIO(_pdf_bytes())
    pdf.name = "vitnemal.pdf"
    consultant_client.post(
        reverse("candidates:document_upload", kwargs={"candidate_id": other.id}),
        {"kind": "diploma", "file": pdf},
    )
    screen = consultant_client.get(reverse("candidates:merge", kwargs={"candidate_id": keep.id}))
    assert str(other.id) in screen.content.decode()
    response = consultant_client.post(
        reverse("candidates:merge", kwargs={"candidate_id": keep.id}), {"merge_id": str(other.id)}
    )
    assert response.status_code == 302
    assert list(Candidate.objects.values_list("id", flat=True)) == [keep.id]
    assert Document.objects.get().candidate_id == keep.id


def test_p27_editing_keeps_the_national_id_and_never_shows_it(
    consultant_client, agency, create, post
):
    create(consultant_client, national_id="01019010046", birth_date="1990-01-01")
    candidate = Candidate.objects.get()
    url = reverse("candidates:edit", kwargs={"candidate_id": candidate.id})
    form_page = consultant_client.get(url).content.decode()
    assert "01019010046" not in form_page
    post(consultant_client, url, {**FORM, "birth_date": "1990-01-01", "city": "Oslo"})
    candidate = Candidate.objects.get()
    assert candidate.city == "Oslo"
    assert candidate.national_id == "01019010046"
    detail = consultant_client.get(
        reverse("candidates:detail", kwargs={"candidate_id": candidate.id})
    )
    assert "01019010046" not in detail.content.decode()


def test_p28_every_candidate_shown_in_a_list_is_recorded_as_listed(
    consultant_client, agency, create
):
    create(consultant_client)
    create(
        consultant_client,
        first_name="Per",
        last_name="Prøvesen",
        email="per@example.com",
        phone="",
        birth_date="",
        summary="Regnskap.",
    )
    sigrid = Candidate.objects.get(first_name="Sigrid")
    consultant_client.get(reverse("candidates:list"), {"q": "Sigrid"})
    listed = AuditEvent.objects.filter(action="candidate.listed")
    assert [e.subject_id for e in listed] == [sigrid.id]
    event = listed.get()
    assert event.purpose == "search"
    assert "first_name" in event.fields
    assert "Sigrid" not in str(event.fields)
    # A search that shows nobody records nothing.
    consultant_client.get(reverse("candidates:list"), {"q": "ingen-treff-her"})
    assert AuditEvent.objects.filter(action="candidate.listed").count() == 1
