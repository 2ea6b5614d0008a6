"""Client contacts and agreements in the retention sweep (P-04, P-18 engine): kept while
the agency works for the client, erased a period after the last agreement ended."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from fortrolig.assignments.models import Assignment, AssignmentStatus
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, chain_check
from fortrolig.clients.models import Agreement, Client, ClientContact
from fortrolig.clients.retention import client_erase_after_refresh
from fortrolig.clients.services import (
    AgreementInput,
    agreement_create,
    client_contact_add,
    client_contact_end,
    client_create,
)
from fortrolig.conftest import make_position
from fortrolig.core.models import DataKey
from fortrolig.privacy.models import RetentionSweep
from fortrolig.privacy.retention import retention_sweep

from .conftest import company, pdf_bytes, person

OSLO = ZoneInfo("Europe/Oslo")
SIGNED = datetime(2024, 1, 10, 10, 0, tzinfo=OSLO)
# Valid through 31 March 2025: ends at the following midnight, Oslo time; 12 months later.
VALID_UNTIL = date(2025, 3, 31)
DEADLINE = datetime(2026, 4, 1, 0, 0, tzinfo=OSLO)

CONTACT = "clients.ClientContact"
AGREEMENT = "clients.Agreement"


def sweep(now, **kwargs):
    with time_machine.travel(now, tick=False):
        return retention_sweep(now=now, **kwargs)


def make_client_with_agreement(
    agency, *, org_number="889 640 782", valid_until=VALID_UNTIL, contacts=2, file=True
):
    actor = Actor.system()
    client = client_create(
        agency=agency, actor=actor, data=company(org_number=org_number), now=SIGNED
    )
    for index in range(contacts):
        client_contact_add(
            agency=agency,
            actor=actor,
            client_id=client.id,
            data=person(email=f"kontakt{index}@example.com"),
            now=SIGNED,
        )
    agreement = agreement_add(agency, client, valid_until=valid_until, file=file)
    return client, agreement


def agreement_add(agency, client, *, valid_until, file=True, valid_from=date(2024, 1, 1)):
    return agreement_create(
        agency=agency,
        actor=Actor.system(),
        client_id=client.id,
        data=AgreementInput(
            terms="Rekruttering, 15 % av årslønn",
            valid_from=valid_from,
            valid_until=valid_until,
        ),
        now=SIGNED,
        filename="avtale.pdf" if file else "",
        content=pdf_bytes() if file else None,
    )


def erase_afters(client):
    return {
        *ClientContact.objects.filter(client=client).values_list("erase_after", flat=True),
        *Agreement.objects.filter(client=client).values_list("erase_after", flat=True),
    }


# --- deadlines ----------------------------------------------------------------------------


def test_p04_the_services_store_the_deadline_on_contacts_and_agreements(agency):
    client, _agreement = make_client_with_agreement(agency)
    assert erase_afters(client) == {DEADLINE}


def test_p04_the_latest_agreement_decides(agency):
    client, _agreement = make_client_with_agreement(agency)
    agreement_add(agency, client, valid_until=date(2025, 6, 30), file=False)
    assert erase_afters(client) == {datetime(2026, 7, 1, 0, 0, tzinfo=OSLO)}


def test_p04_an_agreement_without_an_end_keeps_the_deadline_empty(agency):
    client, _agreement = make_client_with_agreement(agency)
    agreement_add(agency, client, valid_until=None, file=False)
    assert erase_afters(client) == {None}
    sweep(DEADLINE + timedelta(days=800))
    assert ClientContact.objects.filter(client=client).count() == 2
    assert Agreement.objects.filter(client=client).count() == 2


def test_p04_an_agreement_ending_in_the_future_keeps_contacts(agency):
    client, _agreement = make_client_with_agreement(agency)
    agreement_add(agency, client, valid_until=date(2026, 12, 31), file=False)
    report = sweep(DEADLINE + timedelta(days=1))
    assert report.erased[CONTACT] == 0
    assert ClientContact.objects.filter(client=client).count() == 2
    assert erase_afters(client) == {datetime(2028, 1, 1, 0, 0, tzinfo=OSLO)}


def test_p04_a_client_without_agreements_keeps_a_contact_until_it_ended(agency):
    actor = Actor.system()
    client = client_create(agency=agency, actor=actor, data=company(), now=SIGNED)
    current = client_contact_add(
        agency=agency, actor=actor, client_id=client.id, data=person(), now=SIGNED
    )
    former = client_contact_add(
        agency=agency,
        actor=actor,
        client_id=client.id,
        data=person(email="tidligere@example.com"),
        now=SIGNED,
    )
    ended = datetime(2025, 1, 31, 12, 0, tzinfo=OSLO)
    client_contact_end(agency=agency, actor=actor, contact_id=former.id, now=ended)
    current.refresh_from_db()
    former.refresh_from_db()
    assert current.erase_after is None
    assert former.erase_after == datetime(2026, 1, 31, 12, 0, tzinfo=OSLO)

    sweep(datetime(2026, 1, 31, 11, 59, tzinfo=OSLO))
    assert ClientContact.objects.filter(pk=former.pk).exists()
    sweep(datetime(2026, 1, 31, 12, 0, tzinfo=OSLO))
    assert not ClientContact.objects.filter(pk=former.pk).exists()
    assert ClientContact.objects.filter(pk=current.pk).exists()


def test_p04_refresh_of_another_agencys_client_changes_nothing(agency, other_agency):
    client, _agreement = make_client_with_agreement(agency)
    ClientContact.objects.filter(client=client).update(erase_after=None)
    assert client_erase_after_refresh(agency=other_agency, client_id=client.id, now=SIGNED) == 0
    assert None in erase_afters(client)


# --- the sweep ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "erased"),
    [
        (DEADLINE - timedelta(days=1), False),
        (DEADLINE - timedelta(microseconds=1), False),
        (DEADLINE, True),
        (DEADLINE + timedelta(days=1), True),
    ],
)
def test_p18_p04_contacts_and_agreements_go_at_the_deadline(agency, moment, erased):
    client, agreement = make_client_with_agreement(agency)
    report = sweep(moment)
    assert ClientContact.objects.filter(client=client).exists() is not erased
    assert Agreement.objects.filter(pk=agreement.pk).exists() is not erased
    assert report.erased[CONTACT] == (2 if erased else 0)
    assert report.erased[AGREEMENT] == (1 if erased else 0)
    # The company is not personal data: it stays.
    assert Client.objects.filter(pk=client.pk).exists()
    assert not report.failures


def test_p04_each_erasure_is_audited_by_the_system_with_field_names(agency):
    _client, agreement = make_client_with_agreement(agency)
    sweep(DEADLINE)
    contacts = AuditEvent.objects.filter(action="retention.client_contact.erased")
    [agreement_event] = AuditEvent.objects.filter(action="retention.agreement.erased")
    assert contacts.count() == 2
    assert agreement_event.subject_id == agreement.id
    assert agreement_event.subject_type == "clients.agreement"
    for event in [*contacts, agreement_event]:
        assert event.actor_type == "system"
        assert event.purpose == "agreement_end"
        assert "kontakt0@example.com" not in str(event.fields)
    assert set(contacts[0].fields) == {"name", "role", "email", "email_hash", "phone"}
    assert chain_check(agency_id=agency.id).ok


def test_p04_the_agreement_file_is_gone_and_its_key_destroyed(
    agency, django_capture_on_commit_callbacks
):
    _client, agreement = make_client_with_agreement(agency)
    assert agreement.blob_name and default_storage.exists(agreement.blob_name)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(DEADLINE)
    assert not default_storage.exists(agreement.blob_name)
    key = DataKey.objects.get(pk=agreement.data_key_id)
    assert key.wrapped_key is None
    assert key.destroyed_at == DEADLINE


def test_p04_an_open_assignment_keeps_contacts(agency):
    client, agreement = make_client_with_agreement(agency)
    # Opened by code that did not refresh the deadline: the sweep computes it again.
    make_position(agency, client=client)
    report = sweep(DEADLINE + timedelta(days=1))
    assert report.erased[CONTACT] == 0 and report.erased[AGREEMENT] == 0
    assert report.paused[CONTACT] == 2 and report.paused[AGREEMENT] == 1
    assert ClientContact.objects.filter(client=client).count() == 2
    assert erase_afters(client) == {None}
    # Once the assignment has ended, a refresh makes the data due again.
    Assignment.objects.filter(client=client).update(
        status=AssignmentStatus.ENDED, ended_at=DEADLINE
    )
    client_erase_after_refresh(agency=agency, client_id=client.id, now=DEADLINE)
    assert erase_afters(client) == {DEADLINE}
    sweep(DEADLINE + timedelta(days=2))
    assert not ClientContact.objects.filter(client=client).exists()
    assert not Agreement.objects.filter(pk=agreement.pk).exists()


def test_p04_a_stale_deadline_is_moved_not_erased(agency):
    client, _agreement = make_client_with_agreement(agency)
    # A later agreement written without a refresh.
    Agreement.objects.filter(client=client).update(valid_until=date(2025, 12, 31))
    report = sweep(DEADLINE)
    assert report.erased[CONTACT] == 0
    assert report.rescheduled[CONTACT] == 2 and report.rescheduled[AGREEMENT] == 1
    assert erase_afters(client) == {datetime(2027, 1, 1, 0, 0, tzinfo=OSLO)}


def test_p04_a_dry_run_changes_nothing(agency):
    client, agreement = make_client_with_agreement(agency)
    report = sweep(DEADLINE, dry_run=True)
    assert report.erased[CONTACT] == 2 and report.erased[AGREEMENT] == 1
    listed = {(item.kind, item.clock, item.deadline) for item in report.items}
    assert (AGREEMENT, "agreement_end", DEADLINE) in listed
    assert (CONTACT, "agreement_end", DEADLINE) in listed
    assert ClientContact.objects.filter(client=client).count() == 2
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    assert default_storage.exists(agreement.blob_name)
    assert DataKey.objects.get(pk=agreement.data_key_id).wrapped_key is not None
    assert not AuditEvent.objects.filter(action__startswith="retention.").exists()
    assert RetentionSweep.objects.get(pk=report.sweep_id).dry_run


def test_p04_a_second_sweep_erases_nothing(agency):
    make_client_with_agreement(agency)
    first = sweep(DEADLINE)
    second = sweep(DEADLINE + timedelta(days=1))
    assert first.erased[CONTACT] == 2
    assert second.due[CONTACT] == 0 and second.due[AGREEMENT] == 0


def test_p04_another_agencys_client_with_a_later_deadline_stays(agency, other_agency):
    mine, _agreement = make_client_with_agreement(agency)
    theirs, their_agreement = make_client_with_agreement(
        other_agency, valid_until=date(2025, 9, 30)
    )
    report = sweep(DEADLINE)
    assert not ClientContact.objects.filter(client=mine).exists()
    assert ClientContact.objects.filter(client=theirs).count() == 2
    assert Agreement.objects.filter(pk=their_agreement.pk).exists()
    assert report.by_agency == {str(agency.id): {CONTACT: 2, AGREEMENT: 1}}
