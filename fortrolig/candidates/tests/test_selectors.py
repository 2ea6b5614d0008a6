"""Reading candidates and finding duplicates, within one agency."""

import uuid
from datetime import date

import pytest

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.selectors import (
    candidate_duplicates,
    candidate_get,
    candidate_open,
)
from fortrolig.core.errors import NotFound

from .conftest import NOW, make_national_id, person

pytestmark = pytest.mark.django_db


def _only(**kwargs):
    """Input that matches on nothing but what is given."""
    values = {
        "first_name": "Ukjent",
        "last_name": "Person",
        "email": "",
        "phone": "",
        "birth_date": None,
    }
    values.update(kwargs)
    return person(**values)


# Isolation (house rule 5)


def test_candidate_get_never_crosses_agencies(create, agency, other_agency):
    mine = create()
    theirs = create(in_agency=other_agency)
    assert candidate_get(agency=agency, candidate_id=mine.id) == mine
    with pytest.raises(NotFound):
        candidate_get(agency=agency, candidate_id=theirs.id)
    with pytest.raises(NotFound):
        candidate_get(agency=other_agency, candidate_id=mine.id)
    with pytest.raises(NotFound):
        candidate_get(agency=agency, candidate_id=uuid.uuid4())


def test_candidate_open_never_crosses_agencies(create, agency, other_agency, staff_actor):
    theirs = create(in_agency=other_agency)
    with pytest.raises(NotFound):
        candidate_open(agency=agency, actor=staff_actor, candidate_id=theirs.id, now=NOW)
    assert not AuditEvent.objects.filter(action="candidate.viewed").exists()


def test_candidate_duplicates_never_cross_agencies(create, agency, other_agency):
    create(in_agency=other_agency)
    assert candidate_duplicates(agency=agency, data=person()) == []
    assert len(candidate_duplicates(agency=other_agency, data=person())) == 1


# Opening a candidate (P-28)


def test_p28_opening_a_candidate_records_a_view(create, agency, staff_actor):
    candidate = create()
    detail = candidate_open(agency=agency, actor=staff_actor, candidate_id=candidate.id, now=NOW)
    assert detail.candidate == candidate
    assert detail.references == []
    assert detail.documents == []
    actions = [event.action for event in detail.timeline]
    assert actions == ["candidate.viewed", "candidate.created"]
    viewed = detail.timeline[0]
    assert viewed.actor_type == ActorType.STAFF
    assert viewed.actor_id == staff_actor.id
    assert viewed.subject_id == candidate.id
    assert viewed.fields == []


def test_p28_an_api_view_is_recorded_as_the_api(create, agency):
    candidate = create()
    token_id = uuid.uuid4()
    candidate_open(
        agency=agency,
        actor=Actor(type=ActorType.API, id=token_id),
        candidate_id=candidate.id,
        now=NOW,
    )
    event = AuditEvent.objects.get(action="candidate.viewed")
    assert (event.actor_type, event.actor_id) == (ActorType.API, token_id)


def test_restricted_candidates_can_be_left_out(create, agency, staff_actor):
    candidate = create()
    Candidate.objects.filter(pk=candidate.id).update(restricted=True)
    assert candidate_get(agency=agency, candidate_id=candidate.id).restricted
    with pytest.raises(NotFound):
        candidate_get(agency=agency, candidate_id=candidate.id, include_restricted=False)
    with pytest.raises(NotFound):
        candidate_open(
            agency=agency,
            actor=staff_actor,
            candidate_id=candidate.id,
            now=NOW,
            include_restricted=False,
        )


# Duplicates


def test_duplicate_by_email(create, agency):
    existing = create()
    (match,) = candidate_duplicates(agency=agency, data=_only(email=" KARI.Testesen@example.com"))
    assert match.candidate == existing
    assert match.reasons == ("email",)


def test_duplicate_by_phone(create, agency):
    existing = create()
    (match,) = candidate_duplicates(agency=agency, data=_only(phone="+47 91 23 45 67"))
    assert match.candidate == existing
    assert match.reasons == ("phone",)


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Kari", "Testesen"),
        ("KARI", "testesen"),
        ("Testesen", "Kari"),  # first and last name swapped
        ("Kari", "Testsen"),  # one letter missing
        ("Kári", "Téstesen"),  # accents
    ],
)
def test_duplicate_by_similar_name_and_birth_date(create, agency, first_name, last_name):
    existing = create()
    data = _only(first_name=first_name, last_name=last_name, birth_date=date(1990, 5, 17))
    (match,) = candidate_duplicates(agency=agency, data=data)
    assert match.candidate == existing
    assert match.reasons == ("name_and_birth_date",)


def test_norwegian_letters_fold_for_names(create, agency):
    existing = create(person(first_name="Bjørn", last_name="Ødegård", email="", phone=""))
    data = _only(first_name="Bjorn", last_name="Odegard", birth_date=date(1990, 5, 17))
    (match,) = candidate_duplicates(agency=agency, data=data)
    assert match.candidate == existing


def test_birth_date_from_the_national_id_is_used_for_matching(create, agency):
    existing = create()
    data = _only(
        first_name="Kari", last_name="Testesen", national_id=make_national_id(date(1990, 5, 17))
    )
    (match,) = candidate_duplicates(agency=agency, data=data)
    assert match.candidate == existing


@pytest.mark.parametrize(
    ("first_name", "last_name", "birth_date"),
    [
        ("Kari", "Testesen", date(1990, 5, 18)),  # same name, another birth date
        ("Ola", "Testesen", date(1990, 5, 17)),  # same birth date, another person
        ("Kari", "Hansen", date(1990, 5, 17)),
    ],
)
def test_no_duplicate_without_a_match(create, agency, first_name, last_name, birth_date):
    create()
    data = _only(first_name=first_name, last_name=last_name, birth_date=birth_date)
    assert candidate_duplicates(agency=agency, data=data) == []


def test_every_reason_is_given(create, agency):
    existing = create()
    (match,) = candidate_duplicates(agency=agency, data=person())
    assert match.candidate == existing
    assert match.reasons == ("email", "phone", "name_and_birth_date")


def test_exclude_id_leaves_the_candidate_itself_out(create, agency):
    existing = create()
    assert candidate_duplicates(agency=agency, data=person(), exclude_id=existing.id) == []


def test_invalid_email_or_phone_match_nothing(create, agency):
    create()
    assert candidate_duplicates(agency=agency, data=_only(email="kari@", phone="12")) == []


def test_p23_restricted_candidates_are_not_matched(create, agency):
    existing = create()
    Candidate.objects.filter(pk=existing.id).update(restricted=True)
    assert candidate_duplicates(agency=agency, data=person()) == []
