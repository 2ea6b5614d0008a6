"""Creating, updating and referencing candidates (P-05, P-06, P-27, P-28)."""

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import translation

from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import Availability, Candidate, Reference, Source
from fortrolig.candidates.services import (
    DuplicateCandidate,
    ReferenceInput,
    candidate_update,
    reference_add,
    reference_remove,
)
from fortrolig.candidates.validation import email_hash, phone_hash
from fortrolig.core.crypto import ciphertext_key_id
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import DataKey

from .conftest import NOW, make_national_id, person

pytestmark = pytest.mark.django_db


def _events(action: str, subject_id) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject_id=subject_id))


def _raw_column(candidate: Candidate, column: str) -> bytes | str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM candidates_candidate WHERE id = %s",  # noqa: S608
            [candidate.id.hex if connection.vendor == "sqlite" else candidate.id],
        )
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, memoryview) else value


# P-05: what is stored, and how


def test_p05_create_stores_contact_details_normalised(create):
    candidate = create(
        person(
            email="  Kari.Testesen@EXAMPLE.com ",
            phone="+47 912 34 567",
            skills=(" Python ", "python", "Django", "", "SQL  Server"),
            languages=("Norsk", "Engelsk", "norsk"),
        )
    )
    candidate.refresh_from_db()
    assert candidate.email == "kari.testesen@example.com"
    assert candidate.email_hash == email_hash("kari.testesen@example.com")
    assert candidate.phone == "+4791234567"
    assert candidate.phone_hash == phone_hash("+4791234567")
    # Trimmed, deduplicated ignoring case, first spelling kept.
    assert candidate.skills == ["Python", "Django", "SQL Server"]
    assert candidate.languages == ["Norsk", "Engelsk"]
    assert candidate.last_activity_at == NOW
    assert candidate.source == Source.CONSULTANT


def test_p05_national_id_is_stored_encrypted_and_shown_masked(create):
    number = make_national_id(date(1990, 5, 17))
    candidate = create(person(national_id=number[:6] + " " + number[6:]))
    stored = Candidate.objects.get(pk=candidate.id)
    assert stored.national_id == number
    assert stored.national_id_masked == "••••••••" + number[-3:]
    raw = _raw_column(candidate, "national_id")
    assert isinstance(raw, bytes)
    assert number.encode() not in raw


def test_p05_d_number_is_accepted(create):
    number = make_national_id(date(1985, 1, 9), d_number=True)
    candidate = create(person(birth_date=None, national_id=number))
    assert candidate.birth_date == date(1985, 1, 9)


def test_p05_national_id_fills_a_missing_birth_date(create):
    number = make_national_id(date(1990, 5, 17))
    candidate = create(person(birth_date=None, national_id=number))
    assert candidate.birth_date == date(1990, 5, 17)


@pytest.mark.parametrize(
    ("field", "value", "code_text"),
    [
        ("national_id", "12345678901", "national identity number"),
        ("national_id", "1705901234", "national identity number"),
        ("phone", "12", "phone number"),
        ("phone", "not a phone", "phone number"),
        ("email", "kari@", "email address"),
        ("email", "kari.example.com", "email address"),
        ("first_name", "   ", "required"),
        ("last_name", "x" * 101, "too long"),
    ],
)
def test_p05_invalid_input_gives_a_field_error_and_stores_nothing(create, field, value, code_text):
    keys_before = DataKey.objects.count()
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        create(person(**{field: value}))
    assert code_text in caught.value.field_errors[field][0]
    # No personal value in the error.
    assert value.strip() == "" or value not in str(caught.value.field_errors)
    assert Candidate.objects.count() == 0
    assert DataKey.objects.count() == keys_before
    assert not AuditEvent.objects.filter(action="candidate.created").exists()


def test_p05_field_errors_are_translated_to_bokmal(create):
    with translation.override("nb"), pytest.raises(ValidationFailed) as caught:
        create(person(email="feil", phone="12", national_id="12345678901"))
    errors = caught.value.field_errors
    assert "e-postadresse" in errors["email"][0]
    assert "telefonnummer" in errors["phone"][0]
    assert "fødselsnummer" in errors["national_id"][0]


def test_p05_national_id_must_match_the_birth_date(create):
    number = make_national_id(date(1990, 5, 17))
    with pytest.raises(ValidationFailed) as caught:
        create(person(birth_date=date(1991, 5, 17), national_id=number))
    assert "national_id" in caught.value.field_errors
    assert Candidate.objects.count() == 0


def test_p05_birth_date_cannot_be_in_the_future(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(birth_date=NOW.date() + timedelta(days=1)))
    assert "birth_date" in caught.value.field_errors


def test_p05_available_from_is_needed_for_from_date(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(availability=Availability.FROM_DATE))
    assert "available_from" in caught.value.field_errors
    candidate = create(person(availability=Availability.FROM_DATE, available_from=date(2026, 4, 1)))
    assert candidate.available_from == date(2026, 4, 1)


def test_p05_foreign_phone_numbers_need_their_country_code(create):
    candidate = create(person(phone="+46 70 123 45 67"))
    assert candidate.phone == "+46701234567"


def test_p05_postal_code_is_checked_for_norway(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(postal_code="12345"))
    assert "postal_code" in caught.value.field_errors
    assert create(person(postal_code="5003")).postal_code == "5003"


# P-06: the source


@pytest.mark.parametrize("source", [Source.APPLICATION, Source.CONSULTANT, Source.IMPORT])
def test_p06_every_record_keeps_its_source(create, source):
    candidate = create(person(source=source))
    assert Candidate.objects.get(pk=candidate.id).source == source


def test_p06_a_campaign_names_its_partner(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(source=Source.CAMPAIGN))
    assert "source_partner" in caught.value.field_errors
    candidate = create(person(source=Source.CAMPAIGN, source_partner="Sosialt Byrå AS"))
    assert candidate.source_partner == "Sosialt Byrå AS"


def test_p06_a_partner_is_only_named_for_a_campaign(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(source=Source.CONSULTANT, source_partner="Sosialt Byrå AS"))
    assert "source_partner" in caught.value.field_errors


def test_p06_an_unknown_source_is_refused(create):
    with pytest.raises(ValidationFailed) as caught:
        create(person(source="rumour"))
    assert "source" in caught.value.field_errors


def test_p06_update_keeps_the_registered_source(agency, create, staff_actor):
    candidate = create(person(source=Source.CAMPAIGN, source_partner="Sosialt Byrå AS"))
    updated = candidate_update(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=person(city="Oslo"),  # the input's default source is "consultant"
        now=NOW,
    )
    updated.refresh_from_db()
    assert updated.source == Source.CAMPAIGN
    assert updated.source_partner == "Sosialt Byrå AS"
    assert updated.city == "Oslo"


# P-27: a data key per candidate


def test_p27_every_candidate_gets_its_own_data_key(create):
    first = create(person(national_id=make_national_id(date(1990, 5, 17))))
    second = create(
        person(
            first_name="Ola",
            email="ola@example.com",
            phone="",
            birth_date=date(1980, 1, 2),
            national_id=make_national_id(date(1980, 1, 2)),
        )
    )
    assert first.data_key_id != second.data_key_id
    for candidate in (first, second):
        raw = _raw_column(candidate, "national_id")
        assert isinstance(raw, bytes)
        assert ciphertext_key_id(raw) == candidate.data_key_id


# P-28: audit events hold field names only


def test_p28_create_records_the_names_of_the_fields_set(create, staff_actor):
    number = make_national_id(date(1990, 5, 17))
    candidate = create(person(national_id=number, summary="Erfaren utvikler."))
    (event,) = _events("candidate.created", candidate.id)
    assert event.actor_id == staff_actor.id
    assert set(event.fields) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "birth_date",
        "national_id",
        "city",
        "country",
        "skills",
        "summary",
        "source",
    }
    text = repr(AuditEvent.objects.filter(subject_id=candidate.id).values())
    for value in (number, "Kari", "kari.testesen@example.com", "4791234567", "Erfaren"):
        assert value not in text


def test_p28_update_records_only_the_changed_field_names(agency, create, staff_actor):
    candidate = create()
    candidate_update(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=person(email="kari.ny@example.com", city="Oslo"),
        now=NOW,
    )
    (event,) = _events("candidate.updated", candidate.id)
    assert sorted(event.fields) == ["city", "email"]
    candidate.refresh_from_db()
    assert candidate.email_hash == email_hash("kari.ny@example.com")
    assert "kari.ny" not in repr(AuditEvent.objects.filter(subject_id=candidate.id).values())


def test_p28_an_update_that_changes_nothing_records_nothing(agency, create, staff_actor):
    number = make_national_id(date(1990, 5, 17))
    candidate = create(person(national_id=number))
    candidate_update(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=person(national_id=number, email=" Kari.Testesen@example.com"),
        now=NOW,
    )
    assert _events("candidate.updated", candidate.id) == []


def test_p28_update_of_the_national_id_names_the_field_only(agency, create, staff_actor):
    candidate = create()
    number = make_national_id(date(1990, 5, 17))
    candidate_update(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=person(national_id=number),
        now=NOW,
    )
    (event,) = _events("candidate.updated", candidate.id)
    assert event.fields == ["national_id"]
    assert Candidate.objects.get(pk=candidate.id).national_id == number


def test_update_with_bad_input_changes_nothing(agency, create, staff_actor):
    candidate = create()
    with pytest.raises(ValidationFailed):
        candidate_update(
            agency=agency,
            actor=staff_actor,
            candidate_id=candidate.id,
            data=person(city="Oslo", phone="12"),
            now=NOW,
        )
    candidate.refresh_from_db()
    assert candidate.city == "Bergen"
    assert _events("candidate.updated", candidate.id) == []


def test_update_does_not_move_the_retention_clock(agency, create, staff_actor):
    candidate = create()
    candidate_update(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=person(city="Oslo"),
        now=NOW + timedelta(days=30),
    )
    candidate.refresh_from_db()
    assert candidate.last_activity_at == NOW


def test_update_of_another_agencys_candidate_is_not_found(create, other_agency, staff_actor):
    candidate = create()
    with pytest.raises(NotFound):
        candidate_update(
            agency=other_agency,
            actor=staff_actor,
            candidate_id=candidate.id,
            data=person(city="Oslo"),
            now=NOW,
        )


def test_create_refuses_a_duplicate_unless_allowed(create):
    first = create()
    with pytest.raises(DuplicateCandidate) as caught:
        create(person(first_name="Kari", phone="", birth_date=None))
    assert caught.value.reasons == ["email"]
    assert caught.value.matches[0].candidate.id == first.id
    # The message names no one.
    assert "Kari" not in str(caught.value) and "example.com" not in str(caught.value)
    second = create(person(phone="", birth_date=None), allow_duplicate=True)
    assert second.id != first.id


def test_create_schedules_a_search_refresh(create, monkeypatch):
    from fortrolig.search import services as search_services

    scheduled = []
    monkeypatch.setattr(
        search_services,
        "search_index_schedule",
        lambda *, candidate_id: scheduled.append(candidate_id),
    )
    candidate = create()
    assert scheduled == [candidate.id]


# References


def test_references_are_added_and_removed_with_audit(agency, create, staff_actor):
    candidate = create()
    reference = reference_add(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=ReferenceInput(
            name="Per Referansesen",
            relation="Tidligere leder",
            organisation="Eksempel AS",
            phone="22 33 44 55",
            email="Per@Example.com",
        ),
        now=NOW,
    )
    assert reference.phone == "+4722334455"
    assert reference.email == "per@example.com"
    (added,) = _events("candidate.reference.added", candidate.id)
    assert set(added.fields) == {"name", "relation", "organisation", "phone", "email"}
    reference_remove(agency=agency, actor=staff_actor, reference_id=reference.id, now=NOW)
    assert not Reference.objects.filter(pk=reference.id).exists()
    assert len(_events("candidate.reference.removed", candidate.id)) == 1


def test_reference_needs_a_name_and_a_valid_phone(agency, create, staff_actor):
    candidate = create()
    with pytest.raises(ValidationFailed) as caught:
        reference_add(
            agency=agency,
            actor=staff_actor,
            candidate_id=candidate.id,
            data=ReferenceInput(name=" ", phone="12"),
            now=NOW,
        )
    assert set(caught.value.field_errors) == {"name", "phone"}
    assert not Reference.objects.exists()


def test_references_never_cross_agencies(agency, other_agency, create, staff_actor):
    candidate = create()
    with pytest.raises(NotFound):
        reference_add(
            agency=other_agency,
            actor=staff_actor,
            candidate_id=candidate.id,
            data=ReferenceInput(name="Per Referansesen"),
            now=NOW,
        )
    reference = reference_add(
        agency=agency,
        actor=staff_actor,
        candidate_id=candidate.id,
        data=ReferenceInput(name="Per Referansesen"),
        now=NOW,
    )
    with pytest.raises(NotFound):
        reference_remove(agency=other_agency, actor=staff_actor, reference_id=reference.id, now=NOW)
    with pytest.raises(NotFound):
        reference_remove(agency=agency, actor=staff_actor, reference_id=uuid.uuid4(), now=NOW)
    assert Reference.objects.filter(pk=reference.id).exists()


def test_input_is_frozen():
    data = person()
    with pytest.raises(AttributeError):
        data.first_name = "Ola"  # type: ignore[misc]
    assert replace(data, first_name="Ola").first_name == "Ola"
