"""The suppression list (P-16, GDPR Art. 21(3)): a marketing email never reaches an address
that opted out or objected, and the list holds keyed hashes only."""

import uuid
from datetime import UTC, datetime

import pytest

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.messaging import registry
from fortrolig.messaging.models import OutboundEmail, Suppression
from fortrolig.messaging.services import RecipientSuppressed, email_queue
from fortrolig.messaging.suppression import email_suppressed, suppression_add

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACTOR = Actor(type=ActorType.STAFF, id=uuid.uuid4())
ADDRESS = "ola.testmann@example.com"


@pytest.fixture
def marketing_template(monkeypatch):
    template = registry.EmailTemplate(
        name="test.job_alert", context_keys=frozenset({"agency_name"}), marketing=True
    )
    monkeypatch.setitem(registry._registry, template.name, template)
    monkeypatch.setattr(
        registry,
        "render",
        lambda _template, _context, *, language: registry.RenderedEmail(
            subject="Nye stillinger", body_text="Nye stillinger", body_html=""
        ),
    )
    return template


def _queue(agency, to: str = ADDRESS) -> OutboundEmail:
    return email_queue(
        agency=agency,
        to=to,
        template="test.job_alert",
        context={"agency_name": "Nordlys"},
        language="nb",
        now=NOW,
    )


def test_p16_marketing_to_a_suppressed_address_is_refused_and_nothing_stored(
    agency, marketing_template
):
    suppression_add(agency=agency, actor=ACTOR, email=ADDRESS, reason="objection", now=NOW)
    with pytest.raises(RecipientSuppressed) as caught:
        _queue(agency, to="  Ola.Testmann@EXAMPLE.com ")
    assert "@" not in str(caught.value)
    assert not OutboundEmail.objects.exists()


def test_p16_marketing_to_other_addresses_and_agencies_still_goes(
    agency, other_agency, marketing_template
):
    suppression_add(agency=other_agency, actor=ACTOR, email=ADDRESS, reason="objection", now=NOW)
    assert _queue(agency).recipient == ADDRESS
    suppression_add(agency=agency, actor=ACTOR, email=ADDRESS, reason="unsubscribe", now=NOW)
    assert _queue(agency, to="kari.testesen@example.com").template == "test.job_alert"


def test_p16_a_non_marketing_email_is_not_suppressed(agency):
    suppression_add(agency=agency, actor=ACTOR, email=ADDRESS, reason="objection", now=NOW)
    email = email_queue(
        agency=agency,
        to=ADDRESS,
        template="staff.test",
        context={"agency_name": "Nordlys", "link": "https://fortrolig.example.com/"},
        language="nb",
        now=NOW,
    )
    assert email.recipient == ADDRESS


def test_p16_the_list_holds_a_keyed_hash_once_and_is_audited_without_values(agency):
    first = suppression_add(agency=agency, actor=ACTOR, email=ADDRESS, reason="objection", now=NOW)
    again = suppression_add(
        agency=agency, actor=ACTOR, email=ADDRESS.upper(), reason="unsubscribe", now=NOW
    )
    assert first is not None and again is not None and first.pk == again.pk
    assert Suppression.objects.get().reason == "objection"
    assert "ola" not in first.email_hash and len(first.email_hash) == 64
    event = AuditEvent.objects.get(action="messaging.suppression.added")
    assert "ola" not in str((event.action, event.subject_type, event.purpose, event.fields))
    assert email_suppressed(agency=agency, email=ADDRESS)
    assert (
        suppression_add(agency=agency, actor=ACTOR, email=" ", reason="objection", now=NOW) is None
    )
    with pytest.raises(ValueError):
        suppression_add(agency=agency, actor=ACTOR, email=ADDRESS, reason="spam", now=NOW)
