import uuid

from django.db import transaction
from django.urls import reverse

from fortrolig.audit.models import ActorType
from fortrolig.audit.selectors import EventFilters, event_list
from fortrolig.audit.services import Actor, SubjectRef, chain_verify, record
from fortrolig.core import clock


def _record(agency, action="candidate.viewed", subject_id=None, actor_id=None):
    with transaction.atomic():
        return record(
            agency=agency,
            actor=Actor(type=ActorType.STAFF, id=actor_id or uuid.uuid4()),
            action=action,
            subject=SubjectRef(type="candidates.candidate", id=subject_id or uuid.uuid4()),
            fields=["email"],
            purpose="recruitment",
        )


def test_p28_event_list_never_shows_another_agencys_events(agency, other_agency):
    mine = _record(agency)
    _record(other_agency)
    assert list(event_list(agency=agency, filters=EventFilters())) == [mine]


def test_p28_event_list_filters(agency):
    subject, actor = uuid.uuid4(), uuid.uuid4()
    a = _record(agency, subject_id=subject)
    b = _record(agency, actor_id=actor, action="candidate.document.viewed")
    assert list(event_list(agency=agency, filters=EventFilters(subject_id=subject))) == [a]
    assert list(event_list(agency=agency, filters=EventFilters(actor_id=actor))) == [b]
    assert list(event_list(agency=agency, filters=EventFilters(action="candidate.document"))) == [b]
    today = clock.now().date()
    assert len(event_list(agency=agency, filters=EventFilters(date_from=today, date_to=today))) == 2
    tomorrow = today.replace(year=today.year + 1)
    assert not event_list(agency=agency, filters=EventFilters(date_from=tomorrow)).exists()


def test_p28_manager_sees_the_audit_page_with_filters(manager_client, agency, other_agency):
    mine = _record(agency, action="candidate.document.viewed")
    theirs = _record(other_agency, action="candidate.exported")
    response = manager_client.get(
        reverse("audit:event_list"), {"action": "candidate"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "candidate.document.viewed" in body
    assert "candidate.exported" not in body
    assert str(theirs.subject_id)[:8] not in body
    assert str(mine.subject_id)[:8] in body


def test_audit_page_explains_a_bad_filter_and_shows_everything(manager_client, agency):
    _record(agency)
    response = manager_client.get(reverse("audit:event_list"), {"actor_id": "not-a-uuid"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "candidate.viewed" in response.content.decode()


def test_consultant_cannot_open_the_audit_page(consultant_client):
    response = consultant_client.get(reverse("audit:event_list"))
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_dashboard_shows_the_chain_status(consultant_client, agency):
    _record(agency)
    response = consultant_client.get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Not verified yet" in response.content.decode()
    chain_verify(agency=agency, now=clock.now())
    response = consultant_client.get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Intact: 1 events verified" in response.content.decode()
    response = consultant_client.get(reverse("core:dashboard"))
    assert "Intakt: 1 hendelser kontrollert" in response.content.decode()
