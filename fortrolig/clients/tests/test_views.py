"""The staff pages for clients: list and search, the forms, the client page with contacts,
agreements, credit assessments and the prepayment flag (P-04, P-08)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.clients.models import Agreement, Client, ClientContact, CreditAssessment
from fortrolig.conftest import login_verified, make_staff

from .conftest import BAD_ORG_NUMBER, pdf_bytes

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Fjordkraft Testkunde AS",
    "org_number": "889 640 782",
    "visiting_address": "Strandkaien 1",
    "postal_address": "",
    "postal_code": "5013",
    "city": "Bergen",
    "website": "",
    "invoice_email": "faktura@fjordkraft-test.example.com",
    "invoice_reference": "PO-1234",
    "invoice_address": "",
    "payment_terms_days": "30",
}
FLAG_TEXT = "Forskuddsbetaling kreves:"


def _today():
    return timezone.localdate()


def _detail(client) -> str:
    return reverse("clients:detail", kwargs={"client_id": client.id})


def _create(http, **overrides):
    return http.post(reverse("clients:create"), {**FORM, **overrides})


@pytest.fixture
def registered(consultant_client, agency):
    _create(consultant_client)
    return Client.objects.get(agency=agency)


def _assess(http, client, **overrides):
    data = {"assessed_on": _today().isoformat(), "score": "40", "source": "Bisnode", "note": ""}
    data.update(overrides)
    return http.post(reverse("clients:credit_add", kwargs={"client_id": client.id}), data)


# --- register, edit, list -------------------------------------------------------------


def test_p04_register_a_client_and_open_the_page(consultant_client, agency):
    response = _create(consultant_client)
    client = Client.objects.get(agency=agency)
    assert response.status_code == 302
    assert response["Location"] == _detail(client)
    body = consultant_client.get(response["Location"]).content.decode()
    assert "Fjordkraft Testkunde AS" in body
    assert "889640782" in body
    assert "PO-1234" in body
    assert "prepayment-flag" not in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"org_number": BAD_ORG_NUMBER}, "Skriv inn et gyldig organisasjonsnummer"),
        ({"org_number": ""}, "Feltet er påkrevet"),
        ({"invoice_email": "ikke-en-epost"}, "gyldig e-postadresse"),
        ({"postal_code": "123"}, "Et norsk postnummer har fire sifre"),
        ({"payment_terms_days": "mange"}, "Betalingsfristen må være mellom 0 og 365 dager"),
    ],
)
def test_bad_client_input_is_refused_in_norwegian_and_keeps_what_was_typed(
    consultant_client, agency, overrides, message
):
    response = _create(consultant_client, **overrides)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert message in body
    assert 'value="Strandkaien 1"' in body  # what the user typed is kept
    assert not Client.objects.exists()


def test_p04_a_duplicate_org_number_is_refused_on_the_form(consultant_client, registered):
    response = _create(consultant_client, name="Et annet firma AS")
    body = response.content.decode()
    assert "En kunde med dette organisasjonsnummeret er allerede registrert" in body
    assert 'value="Et annet firma AS"' in body
    assert Client.objects.count() == 1


def test_edit_a_client(consultant_client, registered):
    url = reverse("clients:edit", kwargs={"client_id": registered.id})
    page = consultant_client.get(url).content.decode()
    assert 'value="Fjordkraft Testkunde AS"' in page
    response = consultant_client.post(url, {**FORM, "city": "Oslo", "postal_code": "0150"})
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.city == "Oslo"
    bad = consultant_client.post(url, {**FORM, "org_number": BAD_ORG_NUMBER, "city": "Molde"})
    assert "Skriv inn et gyldig organisasjonsnummer" in bad.content.decode()
    assert 'value="Molde"' in bad.content.decode()
    registered.refresh_from_db()
    assert registered.city == "Oslo"


def test_the_list_searches_as_you_type(consultant_client, agency, registered):
    _create(consultant_client, name="Havbruk Testkunde AS", org_number="912345688")
    response = consultant_client.get(
        reverse("clients:list"), {"q": "havbruk"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Havbruk Testkunde AS" in body
    assert "Fjordkraft Testkunde AS" not in body
    assert "<html" not in body
    full = consultant_client.get(reverse("clients:list")).content.decode()
    assert "Havbruk Testkunde AS" in full and "Fjordkraft Testkunde AS" in full
    by_number = consultant_client.get(reverse("clients:list"), {"q": "889 640"}).content.decode()
    assert "Fjordkraft Testkunde AS" in by_number and "Havbruk" not in by_number


def test_managers_use_the_pages_too(client, agency):
    login_verified(client, make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER))
    assert _create(client).status_code == 302


def test_anonymous_users_are_sent_to_log_in(client, agency):
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- contacts -------------------------------------------------------------------------


def test_p04_contacts_with_roles_are_added_edited_and_ended(consultant_client, registered):
    add = reverse("clients:contact_add", kwargs={"client_id": registered.id})
    response = consultant_client.post(
        add,
        {
            "name": "Hilde Kontaktsen",
            "role": "HR-rådgiver",
            "email": "hilde@example.com",
            "phone": "912 34 567",
            "is_primary": "on",
        },
    )
    assert response.status_code == 302
    contact = ClientContact.objects.get(client=registered)
    page = consultant_client.get(_detail(registered)).content.decode()
    assert "Hilde Kontaktsen" in page and "HR-rådgiver" in page and "+4791234567" in page
    assert AuditEvent.objects.filter(action="client.contact.viewed", subject_id=contact.id).exists()

    edit = reverse("clients:contact_edit", kwargs={"contact_id": contact.id})
    assert 'value="Hilde Kontaktsen"' in consultant_client.get(edit).content.decode()
    bad = consultant_client.post(edit, {"name": "Hilde Kontaktsen", "role": "Leder", "phone": "1"})
    assert "Skriv inn et gyldig telefonnummer" in bad.content.decode()
    assert 'value="Leder"' in bad.content.decode()
    consultant_client.post(edit, {"name": "Hilde Kontaktsen", "role": "Leder", "phone": ""})
    contact.refresh_from_db()
    assert contact.role == "Leder" and contact.phone == ""

    consultant_client.post(reverse("clients:contact_end", kwargs={"contact_id": contact.id}))
    contact.refresh_from_db()
    assert contact.ended_at is not None
    page = consultant_client.get(_detail(registered)).content.decode()
    assert "1 tidligere kontaktperson" in page


def test_a_bad_contact_keeps_what_was_typed(consultant_client, registered):
    response = consultant_client.post(
        reverse("clients:contact_add", kwargs={"client_id": registered.id}),
        {"name": "Hilde Kontaktsen", "role": "HR-rådgiver", "email": "hilde@"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Oppgi en gyldig e-postadresse" in body
    assert 'value="HR-rådgiver"' in body
    assert "<details open" in body
    assert not ClientContact.objects.exists()


# --- agreements -----------------------------------------------------------------------


def _agreement(http, client, **overrides):
    data = {
        "terms": "Rammeavtale om rekruttering.",
        "fee_terms": "20 % av årslønn",
        "signed_on": "",
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
    }
    data.update(overrides)
    return http.post(reverse("clients:agreement_add", kwargs={"client_id": client.id}), data)


def test_p04_upload_an_agreement_and_download_it(consultant_client, registered):
    upload = SimpleUploadedFile("Avtale.pdf", pdf_bytes(), content_type="application/pdf")
    response = _agreement(consultant_client, registered, file=upload)
    assert response.status_code == 302
    agreement = Agreement.objects.get(client=registered)
    page = consultant_client.get(_detail(registered)).content.decode()
    url = reverse("clients:agreement_download", kwargs={"agreement_id": agreement.id})
    assert url in page
    download = consultant_client.get(url)
    assert download.status_code == 200
    assert download.content == pdf_bytes() or download.content.startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        action="client.agreement.file_opened", subject_id=agreement.id
    ).exists()


def test_p29_a_refused_agreement_file_is_explained_and_nothing_is_stored(
    consultant_client, registered
):
    upload = SimpleUploadedFile("avtale.pdf", b"MZ\x90\x00 program", content_type="application/pdf")
    response = _agreement(consultant_client, registered, file=upload)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Rammeavtale om rekruttering." in body  # the typed terms are kept
    assert not Agreement.objects.exists()


def test_an_agreement_that_ends_before_it_starts_is_refused(consultant_client, registered):
    response = _agreement(consultant_client, registered, valid_until="2025-12-31")
    assert "Avtalen kan ikke slutte før den begynner" in response.content.decode()
    assert not Agreement.objects.exists()


# --- credit assessments and the prepayment flag (P-08) --------------------------------


def test_p08_a_low_score_shows_the_flag_until_prepayment_is_recorded(consultant_client, registered):
    response = _assess(consultant_client, registered, score="40")
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.prepayment_required
    page = consultant_client.get(_detail(registered)).content.decode()
    assert 'class="card warning prepayment-flag" role="alert"' in page
    assert FLAG_TEXT in page
    assert "Under terskelen" in page
    # In the list too.
    assert "prepayment-flag" in consultant_client.get(reverse("clients:list")).content.decode()

    consultant_client.post(
        reverse("clients:prepayment_received", kwargs={"client_id": registered.id})
    )
    registered.refresh_from_db()
    assert not registered.prepayment_required
    page = consultant_client.get(_detail(registered)).content.decode()
    assert "prepayment-flag" not in page
    assert "Forskudd mottatt" in page


def test_p08_a_score_at_the_threshold_shows_no_flag(consultant_client, registered):
    _assess(consultant_client, registered, score="50")
    page = consultant_client.get(_detail(registered)).content.decode()
    assert "prepayment-flag" not in page
    assert "På eller over terskelen" in page


def test_p08_the_agencys_own_threshold_is_used(consultant_client, agency, registered):
    agency.settings = {"client_credit_threshold": 70}
    agency.save()
    _assess(consultant_client, registered, score="65")
    registered.refresh_from_db()
    assert registered.prepayment_required
    assert CreditAssessment.objects.get().threshold == 70
    assert "Byråets terskel er 70" in consultant_client.get(_detail(registered)).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"score": "150"}, "Poengsummen må være et helt tall fra 0 til 100"),
        ({"score": "mye"}, "Poengsummen må være et helt tall fra 0 til 100"),
        ({"source": ""}, "Oppgi kilden til kredittvurderingen"),
        ({"assessed_on": "future"}, "Vurderingsdatoen kan ikke være fram i tid"),
    ],
)
def test_p08_bad_assessment_changes_nothing_and_says_why_in_norwegian(
    consultant_client, registered, overrides, message
):
    if overrides.get("assessed_on") == "future":
        overrides = {"assessed_on": (_today() + timedelta(days=2)).isoformat()}
    response = _assess(consultant_client, registered, note="Sjekket i dag", **overrides)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="Sjekket i dag"' in body  # what was typed is kept
    registered.refresh_from_db()
    assert not registered.prepayment_required
    assert not CreditAssessment.objects.exists()


def test_p08_recording_prepayment_when_none_is_required_is_refused_clearly(
    consultant_client, registered
):
    response = consultant_client.post(
        reverse("clients:prepayment_received", kwargs={"client_id": registered.id}), follow=True
    )
    assert "Denne kunden krever ikke forskuddsbetaling" in response.content.decode()
    assert not AuditEvent.objects.filter(action="client.prepayment.received").exists()


def test_p08_the_flag_include_renders_for_other_pages(agency, registered):
    registered.prepayment_required = True
    html = render_to_string("clients/_prepayment_flag.html", {"client": registered})
    assert 'role="alert"' in html and "prepayment-flag" in html
    assert FLAG_TEXT in html
    assert _detail(registered) in html
    registered.prepayment_required = False
    assert render_to_string("clients/_prepayment_flag.html", {"client": registered}).strip() == ""


def test_p04_the_timeline_shows_the_history(consultant_client, registered):
    consultant_client.post(
        reverse("clients:contact_add", kwargs={"client_id": registered.id}),
        {"name": "Hilde Kontaktsen", "role": "HR-rådgiver"},
    )
    _assess(consultant_client, registered, score="10")
    page = consultant_client.get(_detail(registered)).content.decode()
    assert "Kunde registrert" in page
    assert "Kontaktperson lagt til: Hilde Kontaktsen" in page
    assert "Kredittvurdering: poengsum 10 (Bisnode)" in page


def test_archive_and_restore(consultant_client, agency, registered):
    url = reverse("clients:archive", kwargs={"client_id": registered.id})
    consultant_client.post(url)
    registered.refresh_from_db()
    assert registered.archived_at is not None
    consultant_client.post(url, {"archive": "0"})
    registered.refresh_from_db()
    assert registered.archived_at is None


# --- isolation ------------------------------------------------------------------------


def test_another_agencys_client_pages_are_not_found(consultant_client, agency, other_agency):
    from fortrolig.clients.models import Agreement as AgreementModel
    from fortrolig.core.crypto import data_key_create

    theirs = Client.objects.create(agency=other_agency, name="Andres AS", org_number="912345696")
    contact = ClientContact.objects.create(agency=other_agency, client=theirs, name="Ola Andre")
    agreement = AgreementModel.objects.create(
        agency=other_agency,
        client=theirs,
        data_key=data_key_create(agency=other_agency),
        terms="Hemmelig",
        valid_from=_today(),
        blob_name="vault/finnes-ikke.bin",
    )
    kwargs = {"client_id": theirs.id}
    for name in ("detail", "edit"):
        assert consultant_client.get(reverse(f"clients:{name}", kwargs=kwargs)).status_code == 404
    for name in ("archive", "contact_add", "agreement_add", "credit_add", "prepayment_received"):
        response = consultant_client.post(reverse(f"clients:{name}", kwargs=kwargs), {})
        assert response.status_code == 404, name
    edit = reverse("clients:contact_edit", kwargs={"contact_id": contact.id})
    assert consultant_client.get(edit).status_code == 404
    assert consultant_client.post(edit, {"name": "X"}).status_code == 404
    end = reverse("clients:contact_end", kwargs={"contact_id": contact.id})
    assert consultant_client.post(end).status_code == 404
    download = reverse("clients:agreement_download", kwargs={"agreement_id": agreement.id})
    assert consultant_client.get(download).status_code == 404
    # Nothing of theirs is listed or changed.
    assert "Andres AS" not in consultant_client.get(reverse("clients:list")).content.decode()
    _assess(consultant_client, theirs, score="10")
    theirs.refresh_from_db()
    assert not theirs.prepayment_required
    contact.refresh_from_db()
    assert contact.ended_at is None
