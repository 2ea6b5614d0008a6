"""Consents (P-16, P-18): per person and purpose, with the policy version, channel, time
given, expiry and withdrawal; withdrawal takes effect at once."""

from datetime import timedelta

import pytest

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.clients.models import ClientContact
from fortrolig.conftest import make_client
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.privacy import consents
from fortrolig.privacy.consents import (
    consent_give,
    consent_is_active,
    consent_withdraw,
    consents_active,
    consents_for_subject,
)
from fortrolig.privacy.models import Consent, ConsentChannel, ConsentPurpose

from .test_retention_support import NOW, make_candidate, make_policy, use_test_policy

ACTOR = Actor.system()


@pytest.fixture
def policy(monkeypatch):
    use_test_policy(monkeypatch)


@pytest.fixture
def candidate(agency):
    return make_candidate(agency, last_activity_at=NOW - timedelta(days=10))


def give(agency, **kwargs):
    values = {
        "agency": agency,
        "actor": ACTOR,
        "purpose": ConsentPurpose.JOB_ALERTS,
        "channel": ConsentChannel.JOB_BOARD,
        "now": NOW,
    }
    values.update(kwargs)
    return consent_give(**values)


def test_p16_a_consent_records_purpose_policy_channel_times(agency, candidate, policy):
    version = make_policy(agency, number=3)
    consent = give(
        agency,
        candidate_id=candidate.id,
        expires_at=NOW + timedelta(days=365),
        scope={"roles": ["lager", "logistikk"], "weekly": True},
    )
    assert consent.policy_version == version
    assert consent.channel == ConsentChannel.JOB_BOARD
    assert consent.given_at == NOW
    assert consent.expires_at == NOW + timedelta(days=365)
    assert consent.withdrawn_at is None
    event = AuditEvent.objects.get(action="privacy.consent.given")
    assert event.subject_id == candidate.id
    assert event.purpose == "job_alerts"
    assert "expires_at" in event.fields and "scope" in event.fields


def test_p16_withdrawal_takes_effect_at_once(agency, candidate, policy):
    consent = give(agency, candidate_id=candidate.id)
    assert consent_is_active(
        agency=agency, now=NOW, candidate_id=candidate.id, purpose=ConsentPurpose.JOB_ALERTS
    )
    consent_withdraw(agency=agency, actor=ACTOR, consent_id=consent.id, now=NOW)
    assert not consent_is_active(
        agency=agency, now=NOW, candidate_id=candidate.id, purpose=ConsentPurpose.JOB_ALERTS
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at == NOW
    # A second withdrawal changes nothing.
    consent_withdraw(agency=agency, actor=ACTOR, consent_id=consent.id, now=NOW + timedelta(1))
    consent.refresh_from_db()
    assert consent.withdrawn_at == NOW
    assert AuditEvent.objects.filter(action="privacy.consent.withdrawn").count() == 1


def test_p16_an_expired_consent_no_longer_counts(agency, candidate, policy):
    give(agency, candidate_id=candidate.id, expires_at=NOW + timedelta(days=1))
    assert consents_active(agency=agency, now=NOW, candidate_id=candidate.id).count() == 1
    later = NOW + timedelta(days=1)
    assert consents_active(agency=agency, now=later, candidate_id=candidate.id).count() == 0
    assert consents_for_subject(agency=agency, candidate_id=candidate.id).count() == 1


def test_p16_presentation_consent_names_one_client(agency, candidate, policy):
    client = make_client(agency)
    other = make_client(agency, name="Annen Kunde AS", index=1)
    give(
        agency,
        candidate_id=candidate.id,
        purpose=ConsentPurpose.CLIENT_PRESENTATION,
        channel=ConsentChannel.CONSULTANT,
        client_id=client.id,
    )
    purpose = ConsentPurpose.CLIENT_PRESENTATION
    assert consent_is_active(
        agency=agency, now=NOW, candidate_id=candidate.id, purpose=purpose, client_id=client.id
    )
    assert not consent_is_active(
        agency=agency, now=NOW, candidate_id=candidate.id, purpose=purpose, client_id=other.id
    )


def test_p16_a_client_contact_can_consent(agency, policy):
    client = make_client(agency)
    contact = ClientContact.objects.create(
        agency=agency, client=client, name="Nina Kontakt", email="nina@example.com"
    )
    give(agency, client_contact_id=contact.id, channel=ConsentChannel.CONSULTANT)
    assert consent_is_active(
        agency=agency,
        now=NOW,
        client_contact_id=contact.id,
        purpose=ConsentPurpose.JOB_ALERTS,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"purpose": ConsentPurpose.CLIENT_PRESENTATION}, "client"),
        ({"purpose": ConsentPurpose.STORAGE_EXTENSION}, "expires_at"),
        ({"expires_at": NOW - timedelta(seconds=1)}, "expires_at"),
        ({"scope": {"note": "x" * 500}}, "scope"),
        ({"scope": {"nested": {"a": 1}}}, "scope"),
    ],
)
def test_p16_bad_input_is_refused_and_nothing_is_stored(agency, candidate, policy, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        give(agency, candidate_id=candidate.id, **kwargs)
    assert field in caught.value.field_errors
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action="privacy.consent.given").exists()


def test_p16_one_subject_exactly(agency, candidate, policy):
    with pytest.raises(ValidationFailed):
        give(agency)
    client = make_client(agency)
    contact = ClientContact.objects.create(agency=agency, client=client, name="Nina Kontakt")
    with pytest.raises(ValidationFailed):
        give(agency, candidate_id=candidate.id, client_contact_id=contact.id)
    with pytest.raises(ValidationFailed):
        give(
            agency,
            client_contact_id=contact.id,
            purpose=ConsentPurpose.STORAGE_EXTENSION,
            expires_at=NOW + timedelta(days=10),
        )


def test_p16_another_agencys_people_and_consents_do_not_leak(
    agency, other_agency, candidate, policy
):
    theirs = make_candidate(other_agency, last_activity_at=NOW, email="a@example.com")
    their_client = make_client(other_agency, index=2)
    with pytest.raises(NotFound):
        give(agency, candidate_id=theirs.id)
    with pytest.raises(NotFound):
        give(
            agency,
            candidate_id=candidate.id,
            purpose=ConsentPurpose.CLIENT_PRESENTATION,
            client_id=their_client.id,
        )
    their_consent = give(other_agency, candidate_id=theirs.id)
    with pytest.raises(NotFound):
        consent_withdraw(agency=agency, actor=ACTOR, consent_id=their_consent.id, now=NOW)
    assert consents_for_subject(agency=agency, candidate_id=theirs.id).count() == 0
    assert not consent_is_active(
        agency=agency, now=NOW, candidate_id=theirs.id, purpose=ConsentPurpose.JOB_ALERTS
    )
    their_consent.refresh_from_db()
    assert their_consent.withdrawn_at is None


def test_p16_a_policy_version_of_another_agency_is_refused(agency, other_agency, candidate):
    with pytest.raises(NotFound):
        give(agency, candidate_id=candidate.id, policy_version=make_policy(other_agency))


def test_p16_without_a_version_given_the_current_policy_is_recorded(agency, candidate):
    # The real policy service (privacy.policy): the version the person saw.
    pytest.importorskip("fortrolig.privacy.policy")
    consent = give(agency, candidate_id=candidate.id)
    assert consent.policy_version.agency_id == agency.id
    assert consents._policy_current(agency=agency, now=NOW) == consent.policy_version
