"""Delivery through a real SMTP server (aiosmtpd on the loopback address)."""

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import parseaddr

import pytest
from django.conf import settings

from fortrolig.messaging.models import OutboundEmail
from fortrolig.messaging.services import email_queue

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_p10_email_reaches_a_real_smtp_server(
    agency, smtp_settings, django_capture_on_commit_callbacks
):
    recorder = smtp_settings
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            agency=agency,
            to="kari.testleder@example.com",
            template="staff.test",
            context={"agency_name": agency.name, "link": "https://fortrolig.example.com/x"},
            language="nb",
            now=NOW,
        )

    assert len(recorder.envelopes) == 1
    envelope = recorder.envelopes[0]
    assert envelope.rcpt_tos == ["kari.testleder@example.com"]
    assert envelope.mail_from == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

    message = message_from_bytes(envelope.content, policy=default_policy)
    assert message["To"] == "kari.testleder@example.com"
    assert message["Subject"] == f"Test-e-post fra Fortrolig for {agency.name}"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "https://fortrolig.example.com/x" in parts["text/plain"]
    assert '<a href="https://fortrolig.example.com/x">' in parts["text/html"]
    assert "sensitiv" in parts["text/plain"]

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
