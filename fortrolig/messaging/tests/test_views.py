from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import make_staff
from fortrolig.messaging.models import OutboundEmail
from fortrolig.messaging.selectors import PAGE_SIZE
from fortrolig.messaging.services import email_queue

from .conftest import login_verified

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
OUTBOX = "/staff/outbox/"


def _queue(agency, to: str) -> OutboundEmail:
    return email_queue(
        agency=agency,
        to=to,
        template="staff.test",
        context={"agency_name": agency.name, "link": "https://fortrolig.example.com/"},
        language="nb",
        now=NOW,
    )


def test_outbox_url():
    assert reverse("messaging:outbox") == OUTBOX


@pytest.mark.django_db
def test_outbox_lists_the_agencys_emails_and_no_others(manager_client, agency, other_agency):
    own = _queue(agency, "egen.mottaker@example.com")
    other = _queue(other_agency, "fremmed.mottaker@example.com")

    response = manager_client.get(OUTBOX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "egen.mottaker@example.com" in body
    assert str(own.id) in body
    assert "fremmed.mottaker@example.com" not in body
    assert str(other.id) not in body
    assert other_agency.name not in body
    assert [e.id for e in response.context["page"]] == [own.id]


@pytest.mark.django_db
def test_outbox_shows_status_newest_first_and_paginates(manager_client, agency):
    first = _queue(agency, "forste@example.com")
    for n in range(PAGE_SIZE):
        _queue(agency, f"mottaker{n}@example.com")
    newest = _queue(agency, "nyeste@example.com")
    OutboundEmail.objects.filter(pk=newest.pk).update(status="failed", last_error="smtp_550")

    page_one = manager_client.get(OUTBOX)
    emails = list(page_one.context["page"])
    assert len(emails) == PAGE_SIZE
    assert emails[0].id == newest.id
    assert "smtp_550" in page_one.content.decode()
    page_two = manager_client.get(OUTBOX, {"page": 2})
    assert [e.id for e in page_two.context["page"]][-1] == first.id
    # A page number that is not one gives the nearest page, not an error.
    assert manager_client.get(OUTBOX, {"page": "x"}).status_code == 200


@pytest.mark.django_db
def test_p28_viewing_the_outbox_is_audited(manager_client, manager, agency):
    _queue(agency, "mottaker@example.com")
    manager_client.get(OUTBOX)
    event = AuditEvent.objects.get(agency=agency, action="messaging.outbox.viewed")
    assert event.actor_id == manager.id
    assert event.fields == ["recipient", "subject"]


@pytest.mark.django_db
def test_email_detail_shows_what_was_sent(manager_client, manager, agency):
    email = _queue(agency, "mottaker@example.com")
    response = manager_client.get(reverse("messaging:detail", args=[email.id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "mottaker@example.com" in body
    assert 'sandbox=""' in body
    assert AuditEvent.objects.filter(
        agency=agency, action="messaging.email.viewed", subject_id=email.id, actor_id=manager.id
    ).exists()


@pytest.mark.django_db
def test_another_agencys_email_detail_is_not_found(manager_client, other_agency):
    other = _queue(other_agency, "fremmed.mottaker@example.com")
    response = manager_client.get(reverse("messaging:detail", args=[other.id]))
    assert response.status_code == 404
    assert "fremmed.mottaker@example.com" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="messaging.email.viewed").exists()


@pytest.mark.django_db
def test_send_test_email_to_myself(
    manager_client, manager, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("messaging:send_test"))
    assert response.status_code == 302
    assert response["Location"] == OUTBOX
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.email]
    email = OutboundEmail.objects.get(agency=agency)
    assert email.template == "staff.test"
    assert email.recipient == manager.email
    assert email.status == OutboundEmail.Status.SENT
    assert "http://testserver/staff/outbox/" in email.body_text
    queued = AuditEvent.objects.get(action="messaging.email.queued")
    assert queued.actor_id == manager.id


@pytest.mark.django_db
def test_test_email_follows_the_users_language(
    manager_client, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("messaging:send_test"), HTTP_ACCEPT_LANGUAGE="en")
    assert mail.outbox[0].subject == f"Test email from Fortrolig for {agency.name}"


@pytest.mark.django_db
def test_send_test_needs_post(manager_client):
    assert manager_client.get(reverse("messaging:send_test")).status_code == 405


@pytest.mark.django_db
def test_consultant_cannot_open_the_outbox(client, agency):
    consultant = make_staff(agency, email="radgiver@nordlys.example.com", role=Role.CONSULTANT)
    login_verified(client, consultant)
    assert client.get(OUTBOX).status_code == 403
    assert client.post(reverse("messaging:send_test")).status_code == 403
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(OUTBOX)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


@pytest.mark.django_db
def test_password_without_second_factor_is_sent_to_login(client, manager):
    client.force_login(manager)
    response = client.get(OUTBOX)
    assert response.status_code == 302
