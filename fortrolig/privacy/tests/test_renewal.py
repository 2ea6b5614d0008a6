"""Renewal (P-18): 30 and 7 days before the deadline the candidate is asked by email; a yes
through the signed link extends the deadline by 24 months and records a consent; silence
lets the data go."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.core.models import JobRun
from fortrolig.messaging.models import OutboundEmail
from fortrolig.privacy.legal_holds import legal_hold_set
from fortrolig.privacy.models import Consent, ConsentChannel, ConsentPurpose
from fortrolig.privacy.renewal import (
    RenewalLinkExpired,
    RenewalLinkInvalid,
    renewal_confirm,
    renewal_notices_send,
    renewal_token_make,
    renewal_token_read,
)
from fortrolig.privacy.retention import candidate_erase_after_refresh, retention_sweep
from fortrolig.privacy.tasks import renewal_notices_task, retention_sweep_task

from .test_retention_support import OSLO, make_candidate, use_test_policy

ACTIVITY = datetime(2024, 4, 1, 10, 0, tzinfo=OSLO)
DEADLINE = datetime(2026, 4, 1, 10, 0, tzinfo=OSLO)
EXTENDED = datetime(2028, 4, 1, 10, 0, tzinfo=OSLO)
LINK = re.compile(r"https?://\S+?/fornye/([^/\s]+)/\?lang=nb")


@pytest.fixture(autouse=True)
def policy(monkeypatch):
    use_test_policy(monkeypatch)


@pytest.fixture
def candidate(agency):
    return make_candidate(agency, last_activity_at=ACTIVITY, email="kari.testesen@example.com")


def notices(at):
    with time_machine.travel(at, tick=False):
        return renewal_notices_send(now=at).queued


def renewal_emails():
    return OutboundEmail.objects.filter(template="retention.renewal_notice").order_by("created_at")


def link_token(email):
    match = LINK.search(email.body_text)
    assert match, email.body_text
    return match.group(1)


def test_p18_asked_30_and_7_days_before_the_deadline_once_each(agency, candidate):
    assert candidate.erase_after == DEADLINE
    assert notices(DEADLINE - timedelta(days=31)) == 0
    assert notices(DEADLINE - timedelta(days=30)) == 1
    assert notices(DEADLINE - timedelta(days=30, hours=-3)) == 0
    assert notices(DEADLINE - timedelta(days=20)) == 0
    assert notices(DEADLINE - timedelta(days=7)) == 1
    assert notices(DEADLINE - timedelta(days=3)) == 0
    emails = list(renewal_emails())
    assert [e.recipient for e in emails] == ["kari.testesen@example.com"] * 2
    purposes = AuditEvent.objects.filter(
        action="retention.renewal.notice_queued", subject_id=candidate.id
    ).values_list("purpose", flat=True)
    assert sorted(purposes) == ["notice_30", "notice_7"]


def test_p18_a_late_start_sends_only_the_most_urgent_notice(agency, candidate):
    assert notices(DEADLINE - timedelta(days=5)) == 1
    assert notices(DEADLINE - timedelta(days=4)) == 0
    assert AuditEvent.objects.get(action="retention.renewal.notice_queued").purpose == "notice_7"


def test_p18_the_email_holds_no_personal_data_only_a_signed_link(agency, candidate):
    notices(DEADLINE - timedelta(days=30))
    email = renewal_emails().get()
    token = link_token(email)
    for text in (email.subject, email.body_text, email.body_html):
        assert "Kari" not in text and "Testesen" not in text
        assert "kari.testesen" not in text
    assert agency.name in email.body_text
    assert "Kari" not in token and "example.com" not in token
    claim = renewal_token_read(token=token)
    assert claim.candidate_id == candidate.id and claim.deadline == DEADLINE


def test_p18_yes_extends_by_24_months_and_records_a_consent(agency, candidate, client):
    notices(DEADLINE - timedelta(days=30))
    token = link_token(renewal_emails().get())
    path = f"/fornye/{token}/?lang=nb"
    with time_machine.travel(DEADLINE - timedelta(days=29), tick=False):
        page = client.get(path)
        assert page.status_code == 200
        assert 'data-status="open"' in page.content.decode()
        assert page["Referrer-Policy"] == "no-referrer"
        assert not page.cookies
        candidate.refresh_from_db()
        assert candidate.erase_after == DEADLINE  # opening the link changes nothing
        done = client.post(path)
    assert done.status_code == 200
    assert 'data-status="extended"' in done.content.decode()
    candidate.refresh_from_db()
    assert candidate.erase_after == EXTENDED
    consent = Consent.objects.get(candidate=candidate)
    assert consent.purpose == ConsentPurpose.STORAGE_EXTENSION
    assert consent.channel == ConsentChannel.EMAIL_LINK
    assert consent.expires_at == EXTENDED
    assert consent.given_at == DEADLINE - timedelta(days=29)
    event = AuditEvent.objects.get(action="privacy.consent.given")
    assert (event.actor_type, event.actor_id) == ("candidate", candidate.id)

    # The same link again (or the 7-day one): already done, nothing more recorded.
    with time_machine.travel(DEADLINE - timedelta(days=28), tick=False):
        again = client.post(path)
    assert 'data-status="already"' in again.content.decode()
    assert Consent.objects.count() == 1
    # No more notices for the old deadline; the sweep keeps the data past it.
    assert notices(DEADLINE - timedelta(days=7)) == 0
    with time_machine.travel(DEADLINE + timedelta(days=1), tick=False):
        retention_sweep(now=DEADLINE + timedelta(days=1))
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_p18_silence_lets_the_data_go(agency, candidate):
    notices(DEADLINE - timedelta(days=30))
    notices(DEADLINE - timedelta(days=7))
    with time_machine.travel(DEADLINE, tick=False):
        retention_sweep(now=DEADLINE)
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_p18_a_forged_or_altered_link_is_refused_clearly(agency, candidate, client):
    token = renewal_token_make(candidate_id=candidate.id, deadline=DEADLINE)
    forged = signing.dumps({"c": candidate.id.hex, "d": 1}, salt="another.salt")
    with time_machine.travel(DEADLINE - timedelta(days=10), tick=False):
        for bad in (token[:-2] + "xx", forged, "nonsense"):
            response = client.post(f"/fornye/{bad}/")
            assert response.status_code == 404
            assert 'data-code="renewal_link_invalid"' in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.erase_after == DEADLINE
    assert not Consent.objects.exists()


def test_p18_a_link_after_its_deadline_has_expired(agency, candidate, client):
    token = renewal_token_make(candidate_id=candidate.id, deadline=DEADLINE)
    with time_machine.travel(DEADLINE, tick=False):
        response = client.post(f"/fornye/{token}/")
    assert response.status_code == 410
    assert 'data-code="renewal_link_expired"' in response.content.decode()
    with pytest.raises(RenewalLinkExpired):
        renewal_confirm(token=token, now=DEADLINE + timedelta(days=1))
    assert not Consent.objects.exists()


def test_p18_a_link_to_erased_data_is_invalid(agency, candidate):
    token = renewal_token_make(candidate_id=candidate.id, deadline=DEADLINE)
    with time_machine.travel(DEADLINE, tick=False):
        retention_sweep(now=DEADLINE)
    with pytest.raises(RenewalLinkInvalid):
        renewal_confirm(token=token, now=DEADLINE - timedelta(days=1))


def test_p18_new_activity_opens_a_new_round_of_notices(agency, candidate):
    notices(DEADLINE - timedelta(days=30))
    applied = DEADLINE - timedelta(days=10)
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=applied)
    candidate_erase_after_refresh(candidate_id=candidate.id, now=applied)
    assert notices(DEADLINE - timedelta(days=7)) == 0  # the old deadline is gone
    new_deadline = datetime(2028, 3, 22, 10, 0, tzinfo=OSLO)
    candidate.refresh_from_db()
    assert candidate.erase_after == new_deadline
    assert notices(new_deadline - timedelta(days=30)) == 1
    assert renewal_emails().count() == 2


def test_p18_a_stale_deadline_is_checked_before_asking(agency, candidate):
    # Activity moved by code that did not refresh the deadline: no wrong date is sent.
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=DEADLINE - timedelta(60))
    assert notices(DEADLINE - timedelta(days=30)) == 0
    candidate.refresh_from_db()
    assert candidate.erase_after > DEADLINE


def test_p23_restricted_held_or_addressless_candidates_get_no_email(agency):
    make_candidate(agency, last_activity_at=ACTIVITY, email="r@example.com", restricted=True)
    make_candidate(agency, last_activity_at=ACTIVITY, email="")
    held = make_candidate(agency, last_activity_at=ACTIVITY, email="h@example.com")
    legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=held.id, reason="Sak", now=ACTIVITY
    )
    at = DEADLINE - timedelta(days=30)
    with time_machine.travel(at, tick=False):
        report = renewal_notices_send(now=at)
    assert (report.queued, report.not_emailed) == (0, 2)
    assert not renewal_emails().exists()


def test_p18_each_agency_uses_its_own_notice_days(db):
    from fortrolig.conftest import make_agency

    agency = make_agency("tidlig", index=2, settings={"renewal_notice_days": [60]})
    make_candidate(agency, last_activity_at=ACTIVITY)
    assert notices(DEADLINE - timedelta(days=61)) == 0
    assert notices(DEADLINE - timedelta(days=60)) == 1
    assert notices(DEADLINE - timedelta(days=7)) == 0


def test_p18_the_daily_tasks_run_the_services(agency, candidate):
    with time_machine.travel(DEADLINE - timedelta(days=30), tick=False):
        assert renewal_notices_task.delay().get() == 1
    run = JobRun.objects.get(job="retention_renewal_notices")
    assert run.status == "succeeded" and run.summary == {"queued": 1, "not_emailed": 0}
    with time_machine.travel(DEADLINE, tick=False):
        assert retention_sweep_task.delay().get() == 1
    assert not Candidate.objects.exists()


def test_p18_token_is_bound_to_its_deadline(agency, candidate):
    token = renewal_token_make(candidate_id=candidate.id, deadline=DEADLINE)
    other = renewal_token_make(candidate_id=candidate.id, deadline=DEADLINE + timedelta(1))
    assert token != other
    assert renewal_token_read(token=token).deadline == DEADLINE.astimezone(UTC)
