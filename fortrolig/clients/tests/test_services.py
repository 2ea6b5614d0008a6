"""The client services: registering and changing clients, contacts, agreements, and the
credit-assessment rules of P-08."""

from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.utils import translation

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.clients.models import Agreement, Client, ClientContact, CreditAssessment
from fortrolig.clients.services import (
    AgreementInput,
    agreement_create,
    agreement_file_open,
    client_archive,
    client_contact_end,
    client_contact_update,
    client_create,
    client_prepayment_received,
    client_restore,
    client_update,
    credit_assessment_record,
)
from fortrolig.clients.validation import CONTACT_EMAIL_HASH_PURPOSE
from fortrolig.conftest import CLIENT_ORG_NUMBERS, make_staff
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.documents.services import UploadRefused

from .conftest import BAD_ORG_NUMBER, NOW, company, pdf_bytes, person

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _assess(agency, actor, client, *, score, assessed_on=TODAY, source="Bisnode", note=""):
    return credit_assessment_record(
        agency=agency,
        actor=actor,
        client_id=client.id,
        assessed_on=assessed_on,
        score=score,
        source=source,
        note=note,
        now=NOW,
    )


# --- clients --------------------------------------------------------------------------


def test_p04_create_normalises_and_audits_field_names_only(agency, new_client):
    client = new_client(org_number="889 640 782", website="www.fjordkraft-test.example.com")
    client.refresh_from_db()
    assert client.org_number == "889640782"
    assert client.invoice_email == "faktura@fjordkraft-test.example.com"
    assert client.website == "https://www.fjordkraft-test.example.com"
    assert client.prepayment_required is False
    [event] = _events("client.created")
    assert event.subject_id == client.id
    assert {"name", "org_number", "invoice_email", "payment_terms_days"} <= set(event.fields)
    assert "889640782" not in str(event.fields)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("org_number", BAD_ORG_NUMBER),
        ("org_number", "12345"),
        ("org_number", ""),
        ("name", "   "),
        ("postal_code", "50133"),
        ("invoice_email", "ikke-en-epost"),
        ("website", "javascript:alert(1)"),
        ("payment_terms_days", 400),
        ("name", "Kontroll\x00tegn AS"),
    ],
)
def test_bad_client_input_is_refused_and_stores_nothing(agency, staff_actor, field, value):
    with pytest.raises(ValidationFailed) as caught:
        client_create(agency=agency, actor=staff_actor, data=company(**{field: value}), now=NOW)
    assert list(caught.value.field_errors) == [field]
    # The message never repeats the value.
    if value:
        assert str(value) not in str(caught.value.field_errors)
    assert not Client.objects.exists()
    assert not AuditEvent.objects.exists()


def test_invalid_org_number_message_is_norwegian(agency, staff_actor):
    with translation.override("nb"), pytest.raises(ValidationFailed) as caught:
        client_create(
            agency=agency, actor=staff_actor, data=company(org_number=BAD_ORG_NUMBER), now=NOW
        )
    assert "organisasjonsnummer" in caught.value.field_errors["org_number"][0]


def test_duplicate_org_number_is_a_field_error_not_a_database_error(agency, new_client):
    new_client()
    with pytest.raises(ValidationFailed) as caught:
        new_client(name="Et annet navn AS", org_number="889640782")
    assert "org_number" in caught.value.field_errors
    assert Client.objects.count() == 1


def test_the_same_org_number_may_be_a_client_of_another_agency(agency, other_agency, new_client):
    new_client()
    other = new_client(in_agency=other_agency)
    assert other.agency == other_agency


def test_a_race_on_the_org_number_still_gives_the_field_error(agency, new_client, staff_actor):
    new_client()
    # As if the check ran before the other transaction committed.
    with (
        mock.patch("fortrolig.clients.services.Client.objects.filter") as filtered,
        pytest.raises(ValidationFailed) as caught,
    ):
        filtered.return_value.exists.return_value = False
        filtered.return_value.exclude.return_value.exists.return_value = True
        try:
            client_create(agency=agency, actor=staff_actor, data=company(), now=NOW)
        except IntegrityError:  # pragma: no cover - the assertion below explains
            pytest.fail("an IntegrityError escaped")
    assert "org_number" in caught.value.field_errors


def test_update_records_changed_fields_and_refuses_a_taken_org_number(
    agency, new_client, staff_actor
):
    first = new_client()
    second = new_client(name="Havbruk Testkunde AS", index=1)
    client_update(
        agency=agency,
        actor=staff_actor,
        client_id=first.id,
        data=company(city="Oslo", postal_code="0150"),
        now=NOW,
    )
    [event] = _events("client.updated")
    assert sorted(event.fields) == ["city", "postal_code"]
    with pytest.raises(ValidationFailed) as caught:
        client_update(
            agency=agency,
            actor=staff_actor,
            client_id=second.id,
            data=company(name="Havbruk Testkunde AS", org_number=CLIENT_ORG_NUMBERS[0]),
            now=NOW,
        )
    assert "org_number" in caught.value.field_errors
    second.refresh_from_db()
    assert second.org_number == CLIENT_ORG_NUMBERS[1]
    # Nothing changed, nothing recorded.
    client_update(
        agency=agency,
        actor=staff_actor,
        client_id=first.id,
        data=company(city="Oslo", postal_code="0150"),
        now=NOW,
    )
    assert len(_events("client.updated")) == 1


def test_update_of_another_agencys_client_is_not_found(
    agency, other_agency, new_client, staff_actor
):
    theirs = new_client(in_agency=other_agency)
    with pytest.raises(NotFound):
        client_update(
            agency=agency, actor=staff_actor, client_id=theirs.id, data=company(), now=NOW
        )
    with pytest.raises(NotFound):
        client_archive(agency=agency, actor=staff_actor, client_id=theirs.id, now=NOW)


def test_archive_and_restore(agency, new_client, staff_actor):
    client = new_client()
    client_archive(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    client.refresh_from_db()
    assert client.archived_at == NOW
    client_restore(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    client.refresh_from_db()
    assert client.archived_at is None
    assert [e.action for e in AuditEvent.objects.filter(subject_id=client.id).order_by("seq")] == [
        "client.created",
        "client.archived",
        "client.restored",
    ]


# --- contacts -------------------------------------------------------------------------


def test_contact_is_normalised_with_a_keyed_email_hash(agency, new_client, new_contact):
    client = new_client()
    contact = new_contact(client, is_primary=True)
    contact.refresh_from_db()
    assert contact.email == "hilde.kontaktsen@example.com"
    assert contact.email_hash == keyed_hash(
        "hilde.kontaktsen@example.com", purpose=CONTACT_EMAIL_HASH_PURPOSE
    )
    assert contact.phone == "+4791234567"
    [event] = _events("client.contact.added")
    assert event.subject_id == contact.id
    assert set(event.fields) == {"name", "role", "email", "phone", "is_primary"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("email", "hilde@"), ("phone", "12"), ("role", "x" * 201)],
)
def test_bad_contact_input_is_refused(agency, new_client, new_contact, field, value):
    client = new_client()
    with pytest.raises(ValidationFailed) as caught:
        new_contact(client, **{field: value})
    assert list(caught.value.field_errors) == [field]
    assert not ClientContact.objects.exists()


def test_a_new_primary_contact_replaces_the_old_one(agency, new_client, new_contact):
    client = new_client()
    first = new_contact(client, is_primary=True)
    second = new_contact(client, name="Per Kontaktsen", email="per@example.com", is_primary=True)
    first.refresh_from_db()
    assert not first.is_primary and second.is_primary
    assert any(
        e.subject_id == first.id and e.fields == ["is_primary"]
        for e in _events("client.contact.updated")
    )


def test_update_and_end_a_contact(agency, new_client, new_contact, staff_actor):
    client = new_client()
    contact = new_contact(client)
    client_contact_update(
        agency=agency,
        actor=staff_actor,
        contact_id=contact.id,
        data=person(email="ny.adresse@example.com"),
        now=NOW,
    )
    contact.refresh_from_db()
    assert contact.email_hash == keyed_hash(
        "ny.adresse@example.com", purpose=CONTACT_EMAIL_HASH_PURPOSE
    )
    [updated] = _events("client.contact.updated")
    assert updated.fields == ["email"]

    client_contact_end(agency=agency, actor=staff_actor, contact_id=contact.id, now=NOW)
    contact.refresh_from_db()
    assert contact.ended_at == NOW
    assert ClientContact.objects.filter(pk=contact.pk).exists()  # kept, shown apart
    # An ended contact is not changed any more.
    with pytest.raises(Conflict):
        client_contact_update(
            agency=agency, actor=staff_actor, contact_id=contact.id, data=person(), now=NOW
        )
    # Ending twice changes nothing.
    client_contact_end(agency=agency, actor=staff_actor, contact_id=contact.id, now=NOW)
    assert len(_events("client.contact.ended")) == 1


def test_contacts_of_another_agency_are_not_found(
    agency, other_agency, new_client, new_contact, staff_actor
):
    theirs = new_contact(new_client(in_agency=other_agency), in_agency=other_agency)
    with pytest.raises(NotFound):
        client_contact_end(agency=agency, actor=staff_actor, contact_id=theirs.id, now=NOW)
    with pytest.raises(NotFound):
        client_contact_update(
            agency=agency, actor=staff_actor, contact_id=theirs.id, data=person(), now=NOW
        )
    with pytest.raises(NotFound):
        new_contact(new_client(in_agency=other_agency, index=1))


# --- agreements -----------------------------------------------------------------------


def _terms(**overrides: Any) -> AgreementInput:
    values: dict[str, Any] = {
        "terms": "Rammeavtale om rekruttering.",
        "fee_terms": "20 % av årslønn",
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2027, 12, 31),
        "signed_on": date(2025, 12, 15),
    }
    values.update(overrides)
    return AgreementInput(**values)


def test_agreement_with_signed_file_is_stored_encrypted_and_opened_with_audit(
    agency, new_client, staff_actor
):
    client = new_client()
    content = pdf_bytes()
    agreement = agreement_create(
        agency=agency,
        actor=staff_actor,
        client_id=client.id,
        data=_terms(),
        filename="../Signert avtale.pdf",
        content=content,
        now=NOW,
    )
    agreement.refresh_from_db()
    assert agreement.filename == "Signert avtale.pdf"
    assert agreement.content_type == "application/pdf"
    with default_storage.open(agreement.blob_name, "rb") as handle:
        assert content not in handle.read()  # encrypted at rest
    [added] = _events("client.agreement.added")
    assert "content" in added.fields and added.subject_id == agreement.id

    opened = agreement_file_open(
        agency=agency, actor=staff_actor, agreement_id=agreement.id, now=NOW
    )
    assert opened.content == content
    assert opened.filename == "Signert avtale.pdf"
    [read] = _events("client.agreement.file_opened")
    assert read.subject_id == agreement.id


def test_agreement_without_file_has_nothing_to_open(agency, new_client, staff_actor):
    client = new_client()
    agreement = agreement_create(
        agency=agency, actor=staff_actor, client_id=client.id, data=_terms(), now=NOW
    )
    assert agreement.blob_name == ""
    with pytest.raises(NotFound):
        agreement_file_open(agency=agency, actor=staff_actor, agreement_id=agreement.id, now=NOW)


def test_p29_a_refused_agreement_file_stores_nothing(agency, new_client, staff_actor):
    client = new_client()
    with (
        mock.patch("fortrolig.clients.services.vault_store") as stored,
        pytest.raises(UploadRefused) as caught,
    ):
        agreement_create(
            agency=agency,
            actor=staff_actor,
            client_id=client.id,
            data=_terms(),
            filename="avtale.pdf",
            content=b"MZ\x90\x00 this is a program",
            now=NOW,
        )
    assert caught.value.message
    stored.assert_not_called()
    assert not Agreement.objects.exists()
    assert not _events("client.agreement.added")


def test_the_blob_is_deleted_when_the_transaction_fails(agency, new_client, staff_actor):
    client = new_client()
    with (
        mock.patch("fortrolig.clients.services.record", side_effect=RuntimeError("boom")),
        mock.patch("fortrolig.clients.services.vault_delete") as deleted,
        pytest.raises(RuntimeError),
    ):
        agreement_create(
            agency=agency,
            actor=staff_actor,
            client_id=client.id,
            data=_terms(),
            filename="avtale.pdf",
            content=pdf_bytes(),
            now=NOW,
        )
    deleted.assert_called_once()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_until": date(2025, 12, 31)}, "valid_until"),
        ({"terms": " "}, "terms"),
        ({"signed_on": date(2026, 3, 3)}, "signed_on"),
    ],
)
def test_bad_agreement_input_is_refused(agency, new_client, staff_actor, overrides, field):
    client = new_client()
    with pytest.raises(ValidationFailed) as caught:
        agreement_create(
            agency=agency,
            actor=staff_actor,
            client_id=client.id,
            data=_terms(**overrides),
            now=NOW,
        )
    assert list(caught.value.field_errors) == [field]
    assert not Agreement.objects.exists()


def test_another_agencys_agreement_is_not_found(agency, other_agency, new_client, staff_actor):
    theirs = new_client(in_agency=other_agency)
    agreement = agreement_create(
        agency=other_agency,
        actor=staff_actor,
        client_id=theirs.id,
        data=_terms(),
        filename="avtale.pdf",
        content=pdf_bytes(),
        now=NOW,
    )
    with pytest.raises(NotFound):
        agreement_file_open(agency=agency, actor=staff_actor, agreement_id=agreement.id, now=NOW)
    with pytest.raises(NotFound):
        agreement_create(
            agency=agency, actor=staff_actor, client_id=theirs.id, data=_terms(), now=NOW
        )


# --- credit assessments and prepayment (P-08) -----------------------------------------


def test_p08_a_score_under_the_threshold_requires_prepayment(agency, new_client, staff_actor):
    client = new_client()
    assessment = _assess(agency, staff_actor, client, score=49)
    client.refresh_from_db()
    assert assessment.below_threshold is True
    assert assessment.threshold == 50
    assert client.prepayment_required is True
    [event] = _events("client.credit.assessed")
    assert "prepayment_required" in event.fields


def test_p08_a_score_at_the_threshold_does_not(agency, new_client, staff_actor):
    client = new_client()
    assessment = _assess(agency, staff_actor, client, score=50)
    client.refresh_from_db()
    assert assessment.below_threshold is False
    assert client.prepayment_required is False


def test_p08_the_agencys_own_threshold_is_used_and_stored(agency, new_client, staff_actor):
    agency.settings = {"client_credit_threshold": 70}
    agency.save()
    client = new_client()
    assessment = _assess(agency, staff_actor, client, score=65)
    client.refresh_from_db()
    assert assessment.threshold == 70
    assert assessment.below_threshold and client.prepayment_required
    # A later change of the threshold does not rewrite history.
    agency.settings = {"client_credit_threshold": 60}
    agency.save()
    assessment.refresh_from_db()
    assert assessment.threshold == 70 and assessment.below_threshold


def test_p08_a_good_score_clears_the_flag(agency, new_client, staff_actor):
    client = new_client()
    _assess(agency, staff_actor, client, score=10, assessed_on=date(2026, 2, 1))
    _assess(agency, staff_actor, client, score=80)
    client.refresh_from_db()
    assert client.prepayment_required is False


def test_p08_an_older_assessment_does_not_override_the_newest(agency, new_client, staff_actor):
    client = new_client()
    _assess(agency, staff_actor, client, score=80)
    older = _assess(agency, staff_actor, client, score=10, assessed_on=date(2025, 6, 1))
    client.refresh_from_db()
    assert older.below_threshold is True  # kept in the history as it was
    assert client.prepayment_required is False


def test_p08_prepayment_received_clears_the_flag_and_records_who(agency, new_client):
    consultant = make_staff(agency, email="radgiver@nordlys.example.com")
    actor = actor_for_user(consultant)
    client = new_client()
    _assess(agency, actor, client, score=20)
    client_prepayment_received(agency=agency, actor=actor, client_id=client.id, now=NOW)
    client.refresh_from_db()
    assert client.prepayment_required is False
    assert client.prepayment_received_at == NOW
    assert client.prepayment_received_by_id == consultant.id
    [event] = _events("client.prepayment.received")
    assert event.subject_id == client.id
    # A new bad score needs a new prepayment: the old receipt is forgotten.
    _assess(agency, actor, client, score=20)
    client.refresh_from_db()
    assert client.prepayment_required is True
    assert client.prepayment_received_at is None and client.prepayment_received_by_id is None


def test_p08_prepayment_cannot_be_recorded_when_none_is_required(agency, new_client, staff_actor):
    client = new_client()
    with pytest.raises(Conflict) as caught:
        client_prepayment_received(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    assert caught.value.code == "prepayment_not_required"
    assert not _events("client.prepayment.received")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 150}, "score"),
        ({"score": -1}, "score"),
        ({"source": "  "}, "source"),
        ({"assessed_on": TODAY + timedelta(days=1)}, "assessed_on"),
    ],
)
def test_p08_bad_assessment_changes_nothing(agency, new_client, staff_actor, overrides, field):
    client = new_client()
    values = {"score": 10, "source": "Bisnode", "assessed_on": TODAY, **overrides}
    with pytest.raises(ValidationFailed) as caught:
        _assess(agency, staff_actor, client, **values)
    assert list(caught.value.field_errors) == [field]
    client.refresh_from_db()
    assert client.prepayment_required is False
    assert not CreditAssessment.objects.exists()
    assert not _events("client.credit.assessed")


def test_p08_another_agencys_client_is_not_found(agency, other_agency, new_client, staff_actor):
    theirs = new_client(in_agency=other_agency)
    with pytest.raises(NotFound):
        _assess(agency, staff_actor, theirs, score=10)
    with pytest.raises(NotFound):
        client_prepayment_received(agency=agency, actor=staff_actor, client_id=theirs.id, now=NOW)
    theirs.refresh_from_db()
    assert theirs.prepayment_required is False
