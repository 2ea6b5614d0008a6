"""Legal holds (P-18): a hold pauses a subject's clock, with a reason and who set it; the
manager sets and releases holds from the retention dashboard."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.conftest import login_verified, make_client, make_staff
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.privacy.legal_holds import (
    legal_hold_get,
    legal_hold_release,
    legal_hold_set,
    legal_holds_active,
)
from fortrolig.privacy.models import LegalHold

from .test_retention_support import NOW, make_candidate

ACTIVITY = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def manager(agency):
    return make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER)


@pytest.fixture
def candidate(agency):
    return make_candidate(agency, last_activity_at=ACTIVITY)


def test_p18_a_hold_records_reason_who_and_when(agency, manager, candidate):
    hold = legal_hold_set(
        agency=agency,
        actor=actor_for_user(manager),
        candidate_id=candidate.id,
        reason="  Tvistesak   24-113 ",
        now=NOW,
    )
    assert hold.reason == "Tvistesak 24-113"
    assert hold.set_by == manager and hold.set_at == NOW
    candidate.refresh_from_db()
    assert candidate.erase_after is None
    event = AuditEvent.objects.get(action="retention.legal_hold.set")
    assert event.subject_id == candidate.id and event.fields == ["reason"]
    assert "24-113" not in str(event.fields) + event.purpose
    assert list(legal_holds_active(agency=agency)) == [hold]


def test_p18_release_records_who_and_when_and_is_idempotent(agency, manager, candidate):
    actor = actor_for_user(manager)
    hold = legal_hold_set(
        agency=agency, actor=actor, candidate_id=candidate.id, reason="Sak", now=NOW
    )
    legal_hold_release(agency=agency, actor=actor, hold_id=hold.id, now=NOW)
    legal_hold_release(agency=agency, actor=actor, hold_id=hold.id, now=NOW)
    hold.refresh_from_db()
    assert hold.released_at == NOW and hold.released_by == manager
    assert AuditEvent.objects.filter(action="retention.legal_hold.released").count() == 1
    assert list(legal_holds_active(agency=agency)) == []


def test_p18_a_hold_on_a_client_is_recorded(agency, manager):
    client = make_client(agency)
    hold = legal_hold_set(
        agency=agency, actor=actor_for_user(manager), client_id=client.id, reason="Krav", now=NOW
    )
    assert hold.client_id == client.id and hold.candidate_id is None


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_p18_a_hold_needs_a_short_reason(agency, manager, candidate, reason):
    with pytest.raises(ValidationFailed) as caught:
        legal_hold_set(
            agency=agency,
            actor=actor_for_user(manager),
            candidate_id=candidate.id,
            reason=reason,
            now=NOW,
        )
    assert "reason" in caught.value.field_errors
    assert not LegalHold.objects.exists()
    candidate.refresh_from_db()
    assert candidate.erase_after is not None


def test_p18_a_hold_is_on_one_subject(agency, manager, candidate):
    client = make_client(agency)
    with pytest.raises(ValidationFailed):
        legal_hold_set(
            agency=agency,
            actor=actor_for_user(manager),
            candidate_id=candidate.id,
            client_id=client.id,
            reason="Sak",
            now=NOW,
        )


def test_p18_holds_do_not_cross_agencies(agency, other_agency, manager, candidate):
    theirs = make_candidate(other_agency, last_activity_at=ACTIVITY, email="a@example.com")
    their_client = make_client(other_agency, index=2)
    actor = actor_for_user(manager)
    with pytest.raises(NotFound):
        legal_hold_set(agency=agency, actor=actor, candidate_id=theirs.id, reason="x", now=NOW)
    with pytest.raises(NotFound):
        legal_hold_set(agency=agency, actor=actor, client_id=their_client.id, reason="x", now=NOW)
    their_hold = legal_hold_set(
        agency=other_agency, actor=actor, candidate_id=theirs.id, reason="Deres sak", now=NOW
    )
    with pytest.raises(NotFound):
        legal_hold_release(agency=agency, actor=actor, hold_id=their_hold.id, now=NOW)
    with pytest.raises(NotFound):
        legal_hold_get(agency=agency, hold_id=their_hold.id)
    assert list(legal_holds_active(agency=agency)) == []
    their_hold.refresh_from_db()
    assert their_hold.released_at is None


# --- the pages ----------------------------------------------------------------------------


def test_p18_manager_sets_a_hold_from_the_form(manager_client, agency, candidate):
    url = reverse("retention:hold_set")
    page = manager_client.get(url + f"?candidate={candidate.id}")
    assert page.status_code == 200
    assert str(candidate.id) in page.content.decode()
    response = manager_client.post(
        url, {"subject": "candidate", "subject_id": str(candidate.id), "reason": "Sak 7"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("retention:dashboard")
    hold = LegalHold.objects.get()
    assert hold.candidate_id == candidate.id and hold.set_by is not None
    dashboard = manager_client.get(reverse("retention:dashboard")).content.decode()
    assert "Sak 7" in dashboard
    assert reverse("retention:hold_release", kwargs={"hold_id": hold.id}) in dashboard


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"subject": "candidate", "subject_id": "not-an-id", "reason": "Sak 9"}, "not-an-id"),
        ({"subject": "candidate", "subject_id": "", "reason": "Sak 9"}, "Sak 9"),
    ],
)
def test_p18_bad_hold_input_is_refused_and_kept(manager_client, agency, data, field_text):
    response = manager_client.post(reverse("retention:hold_set"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert field_text in body
    assert not LegalHold.objects.exists()


def test_p18_the_form_answers_in_norwegian(manager_client, agency):
    response = manager_client.post(
        reverse("retention:hold_set"),
        {"subject": "candidate", "subject_id": "", "reason": ""},
        HTTP_ACCEPT_LANGUAGE="nb",
    )
    assert response.status_code == 400
    assert 'lang="nb"' in response.content.decode()


def test_p18_another_agencys_candidate_id_is_refused_without_a_trace(
    manager_client, agency, other_agency
):
    theirs = make_candidate(other_agency, last_activity_at=ACTIVITY, email="a@example.com")
    response = manager_client.post(
        reverse("retention:hold_set"),
        {"subject": "candidate", "subject_id": str(theirs.id), "reason": "Sak"},
    )
    assert response.status_code == 400
    assert str(theirs.id) in response.content.decode()  # kept as typed
    assert not LegalHold.objects.exists()


def test_p18_manager_releases_a_hold(manager_client, agency, candidate):
    hold = LegalHold.objects.create(agency=agency, candidate=candidate, reason="Sak", set_at=NOW)
    response = manager_client.post(reverse("retention:hold_release", kwargs={"hold_id": hold.id}))
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None
    candidate.refresh_from_db()
    assert candidate.erase_after is not None


def test_p18_another_agencys_hold_is_404(manager_client, agency, other_agency):
    theirs = make_candidate(other_agency, last_activity_at=ACTIVITY, email="a@example.com")
    hold = LegalHold.objects.create(agency=other_agency, candidate=theirs, reason="Sak", set_at=NOW)
    response = manager_client.post(reverse("retention:hold_release", kwargs={"hold_id": hold.id}))
    assert response.status_code == 404
    hold.refresh_from_db()
    assert hold.released_at is None


def test_p18_release_needs_post(manager_client, agency, candidate):
    hold = LegalHold.objects.create(agency=agency, candidate=candidate, reason="Sak", set_at=NOW)
    response = manager_client.get(reverse("retention:hold_release", kwargs={"hold_id": hold.id}))
    assert response.status_code == 405


def test_p18_consultants_cannot_set_or_release_holds(client, agency, candidate):
    login_verified(client, make_staff(agency, email="radgiver@nordlys.example.com"))
    hold = LegalHold.objects.create(agency=agency, candidate=candidate, reason="Sak", set_at=NOW)
    assert client.get(reverse("retention:hold_set")).status_code == 403
    response = client.post(
        reverse("retention:hold_set"),
        {"subject": "candidate", "subject_id": str(candidate.id), "reason": "x"},
    )
    assert response.status_code == 403
    release = reverse("retention:hold_release", kwargs={"hold_id": hold.id})
    assert client.post(release).status_code == 403
    hold.refresh_from_db()
    assert hold.released_at is None
