"""The client selectors: list and search, the client page's data and its timeline, and
that nothing of another agency leaks."""

from datetime import UTC, date, datetime

import pytest

from fortrolig.assignments.models import Assignment, AssignmentKind, AssignmentStatus
from fortrolig.audit.models import AuditEvent
from fortrolig.clients.selectors import (
    TimelineKind,
    agreement_list,
    client_choices,
    client_contact_get,
    client_contact_open,
    client_contacts_open,
    client_detail,
    client_get,
    client_list,
    credit_assessment_list,
)
from fortrolig.clients.services import (
    AgreementInput,
    agreement_create,
    client_archive,
    client_contact_end,
    client_prepayment_received,
    credit_assessment_record,
)
from fortrolig.core.errors import NotFound

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_client_get_and_choices_stay_in_the_agency(agency, other_agency, new_client, staff_actor):
    mine = new_client()
    archived = new_client(name="Arkivert Testkunde AS", index=1)
    client_archive(agency=agency, actor=staff_actor, client_id=archived.id, now=NOW)
    theirs = new_client(in_agency=other_agency, name="Andres Testkunde AS")
    assert client_get(agency=agency, client_id=mine.id) == mine
    with pytest.raises(NotFound):
        client_get(agency=agency, client_id=theirs.id)
    assert client_choices(agency=agency) == [mine]
    assert client_choices(agency=other_agency) == [theirs]


def test_client_list_searches_by_name_and_org_number(agency, other_agency, new_client):
    fjord = new_client(name="Fjordkraft Testkunde AS", index=0)
    hav = new_client(name="Havbruk Testkunde AS", index=1)
    new_client(in_agency=other_agency, name="Fjordkraft Annen AS", index=2)
    assert client_list(agency=agency).rows == [fjord, hav]
    assert client_list(agency=agency, query="fjord").rows == [fjord]
    assert client_list(agency=agency, query="HAVBRUK").rows == [hav]
    assert client_list(agency=agency, query="912 345").rows == [hav]
    assert client_list(agency=agency, query="889640782").rows == [fjord]
    assert client_list(agency=agency, query="Annen").total == 0


def test_client_list_pages(agency, new_client):
    for index in range(5):
        new_client(name=f"Kunde {index} AS", index=index)
    page = client_list(agency=agency, page=2, page_size=2)
    assert [c.name for c in page.rows] == ["Kunde 2 AS", "Kunde 3 AS"]
    assert (page.total, page.pages, page.page) == (5, 3, 2)
    assert client_list(agency=agency, page=99, page_size=2).page == 3


def test_p28_showing_contacts_is_audited_per_person(agency, new_client, new_contact, staff_actor):
    client = new_client()
    hilde = new_contact(client)
    per = new_contact(client, name="Per Kontaktsen", email="per@example.com", phone="")
    client_contact_end(agency=agency, actor=staff_actor, contact_id=per.id, now=NOW)

    shown = client_contacts_open(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    assert shown == [hilde]
    viewed = AuditEvent.objects.filter(action="client.contact.viewed")
    assert [(e.subject_id, sorted(e.fields)) for e in viewed] == [
        (hilde.id, ["email", "name", "phone", "role"])
    ]
    everyone = client_contacts_open(
        agency=agency, actor=staff_actor, client_id=client.id, now=NOW, include_ended=True
    )
    assert set(everyone) == {hilde, per}
    assert client_contact_open(agency=agency, actor=staff_actor, contact_id=per.id, now=NOW) == per
    assert AuditEvent.objects.filter(action="client.contact.viewed").count() == 4


def test_contacts_of_another_agency_are_not_found(
    agency, other_agency, new_client, new_contact, staff_actor
):
    theirs_client = new_client(in_agency=other_agency)
    theirs = new_contact(theirs_client, in_agency=other_agency)
    with pytest.raises(NotFound):
        client_contacts_open(agency=agency, actor=staff_actor, client_id=theirs_client.id, now=NOW)
    with pytest.raises(NotFound):
        client_contact_get(agency=agency, contact_id=theirs.id)
    with pytest.raises(NotFound):
        client_contact_open(agency=agency, actor=staff_actor, contact_id=theirs.id, now=NOW)
    with pytest.raises(NotFound):
        agreement_list(agency=agency, client_id=theirs_client.id)
    with pytest.raises(NotFound):
        credit_assessment_list(agency=agency, client_id=theirs_client.id)
    with pytest.raises(NotFound):
        client_detail(agency=agency, actor=staff_actor, client_id=theirs_client.id, now=NOW)
    assert not AuditEvent.objects.filter(agency=agency, action="client.contact.viewed").exists()


def test_p04_client_detail_has_everything_and_a_dated_timeline(
    agency, new_client, new_contact, staff_actor
):
    client = new_client()
    hilde = new_contact(client, is_primary=True)
    per = new_contact(client, name="Per Kontaktsen", email="per@example.com")
    client_contact_end(agency=agency, actor=staff_actor, contact_id=per.id, now=NOW)
    agreement = agreement_create(
        agency=agency,
        actor=staff_actor,
        client_id=client.id,
        data=AgreementInput(terms="Rammeavtale.", valid_from=date(2026, 1, 1)),
        now=NOW,
    )
    low = credit_assessment_record(
        agency=agency,
        actor=staff_actor,
        client_id=client.id,
        assessed_on=date(2026, 2, 20),
        score=30,
        source="Bisnode",
        now=NOW,
    )
    client_prepayment_received(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    assignment = Assignment.objects.create(
        agency=agency,
        client=client,
        title="Rekruttering av driftsleder",
        kind=AssignmentKind.RECRUITMENT,
        starts_on=date(2026, 2, 1),
        status=AssignmentStatus.ENDED,
        ended_at=datetime(2026, 2, 25, 12, 0, tzinfo=UTC),
    )

    detail = client_detail(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    assert detail.client == client
    assert detail.contacts == [hilde]
    assert detail.ended_contacts == [per]
    assert detail.agreements == [agreement]
    assert detail.assessments == [low]
    assert detail.assignments == [assignment]
    kinds = {entry.kind for entry in detail.timeline}
    assert kinds == {
        TimelineKind.CREATED,
        TimelineKind.CONTACT_ADDED,
        TimelineKind.CONTACT_ENDED,
        TimelineKind.AGREEMENT_ADDED,
        TimelineKind.CREDIT_ASSESSED,
        TimelineKind.PREPAYMENT_RECEIVED,
        TimelineKind.ASSIGNMENT_STARTED,
        TimelineKind.ASSIGNMENT_ENDED,
    }
    # Newest first.
    stamps = [entry.at for entry in detail.timeline]
    assert stamps == sorted(stamps, reverse=True)
    by_kind = {entry.kind: entry for entry in detail.timeline}
    assert by_kind[TimelineKind.CREDIT_ASSESSED].on == date(2026, 2, 20)
    assert by_kind[TimelineKind.ASSIGNMENT_STARTED].on == date(2026, 2, 1)
    assert by_kind[TimelineKind.ASSIGNMENT_ENDED].on == date(2026, 2, 25)
    # Both people were shown, so both views are recorded.
    viewed = AuditEvent.objects.filter(action="client.contact.viewed")
    assert {e.subject_id for e in viewed} == {hilde.id, per.id}


def test_another_agencys_assignments_are_not_in_the_timeline(
    agency, other_agency, new_client, staff_actor
):
    client = new_client()
    Assignment.objects.create(
        agency=agency,
        client=client,
        title="Vår egen",
        kind=AssignmentKind.STAFFING,
        starts_on=date(2026, 2, 1),
    )
    detail = client_detail(agency=agency, actor=staff_actor, client_id=client.id, now=NOW)
    assert [a.title for a in detail.assignments] == ["Vår egen"]
    assert (
        client_detail(agency=agency, actor=staff_actor, client_id=client.id, now=NOW).assignments
        == detail.assignments
    )
    # The other agency cannot even open the client.
    with pytest.raises(NotFound):
        client_detail(agency=other_agency, actor=staff_actor, client_id=client.id, now=NOW)
