import smtplib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from fortrolig.audit.models import AuditEvent
from fortrolig.messaging import services
from fortrolig.messaging.models import OutboundEmail
from fortrolig.messaging.services import (
    MAX_ATTEMPTS,
    EmailDeliveryDeferred,
    email_queue,
    email_send,
)
from fortrolig.messaging.tasks import email_send_task

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 9, 31, tzinfo=UTC)
RECIPIENT = "ola.testmann@example.com"


def _queue(agency, **extra) -> OutboundEmail:
    values = {
        "agency": agency,
        "to": RECIPIENT,
        "template": "staff.test",
        "context": {"agency_name": agency.name, "link": "https://fortrolig.example.com/"},
        "language": "nb",
        "now": NOW,
    }
    values.update(extra)
    return email_queue(**values)


@pytest.mark.django_db
def test_p10_queued_email_is_sent_after_commit(agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = _queue(agency)
        # Nothing leaves before the transaction commits.
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == [RECIPIENT]
    assert message.subject == email.subject
    assert message.body == email.body_text
    assert message.alternatives[0][0] == email.body_html
    assert message.alternatives[0][1] == "text/html"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.last_error == ""
    actions = list(
        AuditEvent.objects.filter(agency=agency, subject_id=email.id).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["messaging.email.queued", "messaging.email.sent"]


@pytest.mark.django_db
def test_p10_bodies_are_stored_as_rendered(agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue(agency, language="en")
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.subject == f"Test email from Fortrolig for {agency.name}"
    assert agency.name in email.body_text
    assert "<html" in email.body_html
    assert email.template == "staff.test"
    assert email.language == "en"


@pytest.mark.django_db
def test_p28_audit_events_hold_no_values(agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _queue(agency)
    for event in AuditEvent.objects.filter(agency=agency):
        text = f"{event.action} {event.fields} {event.purpose} {event.subject_type}"
        assert RECIPIENT not in text
        assert agency.name not in text


@pytest.mark.django_db
def test_sending_twice_sends_once(agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(agency)
    assert len(mail.outbox) == 1
    again = email_send(email_id=email.id, now=LATER)
    assert again is not None and again.status == OutboundEmail.Status.SENT
    assert email_send_task.delay(str(email.id)).get() == "sent"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.sent_at == again.sent_at
    assert AuditEvent.objects.filter(action="messaging.email.sent").count() == 1


@pytest.mark.django_db
def test_sending_an_erased_email_does_nothing():
    assert email_send(email_id=uuid.uuid4(), now=NOW) is None
    assert email_send_task.delay(str(uuid.uuid4())).get() == "missing"
    assert mail.outbox == []


@pytest.mark.django_db
def test_invalid_recipient_is_refused_without_echoing_it(agency):
    from fortrolig.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        _queue(agency, to="ikke-en-adresse")
    assert "ikke-en-adresse" not in str(caught.value)
    assert "ikke-en-adresse" not in str(caught.value.field_errors)
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_transient_failure_is_retried_then_sent(
    agency, monkeypatch, celery_retries, django_capture_on_commit_callbacks
):
    real_deliver = services._deliver
    calls = {"n": 0}

    def flaky(email):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        real_deliver(email)

    monkeypatch.setattr(services, "_deliver", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(agency)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_deferred_failure_is_recorded_and_raised(
    agency, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue(agency)

    def busy(email):
        raise smtplib.SMTPResponseException(451, b"4.3.0 Try again later <x@example.com>")

    monkeypatch.setattr(services, "_deliver", busy)
    with pytest.raises(EmailDeliveryDeferred) as caught:
        email_send(email_id=email.id, now=NOW)
    assert caught.value.code == "smtp_451"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.attempts == 1
    # A code, not the server's reply, which quotes an address.
    assert email.last_error == "smtp_451"


@pytest.mark.django_db
def test_retries_are_bounded(agency, settings, celery_retries, django_capture_on_commit_callbacks):
    # Nothing listens on port 9 of the loopback address: every attempt fails to connect.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(agency)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == MAX_ATTEMPTS
    assert email.last_error == "connection_failed"
    assert email.sent_at is None
    # A failed email is final: running the task again neither sends nor counts.
    assert email_send_task.delay(str(email.id)).get() == "failed"
    email.refresh_from_db()
    assert email.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_permanent_refusal_is_not_retried(agency, monkeypatch, django_capture_on_commit_callbacks):
    def refused(email):
        raise smtplib.SMTPRecipientsRefused({email.recipient: (550, b"5.1.1 User unknown")})

    monkeypatch.setattr(services, "_deliver", refused)
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(agency)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == 1
    assert email.last_error == "recipient_refused"


@pytest.mark.django_db
def test_a_second_worker_backs_off_while_the_first_is_sending(
    agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        email = _queue(agency)
    # As if another worker had claimed the email a moment ago and is talking to the server.
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=1, sending_until=NOW + timedelta(minutes=1)
    )
    with pytest.raises(EmailDeliveryDeferred) as caught:
        email_send(email_id=email.id, now=NOW)
    assert caught.value.code == "in_progress"
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.status == OutboundEmail.Status.QUEUED

    # A claim left behind by a worker that died expires, and the email is sent.
    sent = email_send(email_id=email.id, now=NOW + timedelta(minutes=2))
    assert sent is not None and sent.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.sending_until is None
    assert email.sent_at == NOW + timedelta(minutes=2)


def test_an_email_whose_task_was_lost_is_queued_again(agency):
    # No on_commit callbacks run here: the task is lost, as when the broker was down.
    email = _queue(agency)
    assert email.status == OutboundEmail.Status.QUEUED
    later = email.created_at + services.STRANDED_AFTER - timedelta(seconds=1)
    assert services.emails_requeue_stranded(now=later) == 0
    assert not mail.outbox

    later = email.created_at + services.STRANDED_AFTER + timedelta(seconds=1)
    assert services.emails_requeue_stranded(now=later) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1
    # Sent now: a second sweep finds nothing.
    assert services.emails_requeue_stranded(now=later) == 0


def test_requeue_is_scheduled():
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "fortrolig.messaging.tasks.email_requeue_stranded_task" in tasks
