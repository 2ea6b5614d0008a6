"""The outgoing-email guard of P-23: an address of a restricted candidate of the agency is
refused, whoever calls, unless the template may reach them (the person's own rights, or a
staff member's own account)."""

import uuid
from datetime import UTC, datetime

import pytest
from django.utils import translation

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.selectors import candidate_email_restricted
from fortrolig.candidates.services import candidate_create
from fortrolig.candidates.tests.conftest import person
from fortrolig.messaging import registry
from fortrolig.messaging.models import OutboundEmail
from fortrolig.messaging.registry import ContextValue
from fortrolig.messaging.services import RecipientRestricted, email_queue
from fortrolig.privacy.restriction import subject_restrict, subject_restriction_lift

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADDRESS = "kari.begrenset@example.com"
ACTOR = Actor(type=ActorType.STAFF, id=uuid.uuid4())

# The templates that may reach a restricted person. Adding one is a decision about P-23,
# so it must be made here too.
MAY_REACH_RESTRICTED = {
    "account.recovery_codes_regenerated",
    "privacy.erasure_receipt",
    "privacy.request_code",
    "privacy.request_extended",
    "privacy.restriction_lift_notice",
    "staff.test",
}

_CONTEXTS: dict[str, dict[str, ContextValue]] = {
    "staff.test": {"agency_name": "Nordlys", "link": "https://fortrolig.example.com/"},
    "account.recovery_codes_regenerated": {
        "link": "https://fortrolig.example.com/",
        "occurred_at": NOW,
    },
    "application.received": {
        "agency_name": "Nordlys",
        "ad_title": "Lagermedarbeider",
        "reply_email": "post@nordlys.example.com",
        "retention_months": 12,
        "link": "https://fortrolig.example.com/",
    },
    "retention.renewal_notice": {
        "agency_name": "Nordlys",
        "deadline": NOW.date(),
        "extension_months": 12,
        "link": "https://fortrolig.example.com/",
        "reply_email": "post@nordlys.example.com",
    },
    "background_check.notice": {
        "agency_name": "Nordlys",
        "check_kind": "Politiattest",
        "position_title": "Lagermedarbeider",
        "client_name": "",
        "reply_email": "post@nordlys.example.com",
        "link": "https://fortrolig.example.com/",
    },
    "privacy.request_code": {
        "agency_name": "Nordlys",
        "code": "123456",
        "deadline": NOW.date(),
        "reply_email": "post@nordlys.example.com",
        "link": "https://fortrolig.example.com/",
    },
    "privacy.request_extended": {
        "agency_name": "Nordlys",
        "deadline": NOW.date(),
        "reason": "Mange forespørsler",
        "reply_email": "post@nordlys.example.com",
        "link": "https://fortrolig.example.com/",
    },
    "privacy.erasure_receipt": {
        "agency_name": "Nordlys",
        "erased_on": NOW.date(),
        "reference": "2b6f1c2e-0000-4000-8000-000000000000",
        "kept": "",
        "reply_email": "post@nordlys.example.com",
        "link": "https://fortrolig.example.com/",
    },
    "privacy.restriction_lift_notice": {
        "agency_name": "Nordlys",
        "reply_email": "post@nordlys.example.com",
        "link": "https://fortrolig.example.com/",
    },
}


def _restricted(agency, email: str = ADDRESS):
    candidate = candidate_create(agency=agency, actor=ACTOR, data=person(email=email), now=NOW)
    return subject_restrict(agency=agency, actor=ACTOR, candidate_id=candidate.id, now=NOW)


def _queue(agency, template: str, to: str = ADDRESS) -> OutboundEmail:
    return email_queue(
        agency=agency,
        to=to,
        template=template,
        context=_CONTEXTS[template],
        language="nb",
        now=NOW,
    )


def _emails_queued() -> int:
    return AuditEvent.objects.filter(action="messaging.email.queued").count()


def test_p23_every_template_has_a_context_here():
    # So that the parametrised tests below cover every registered template.
    assert {t.name for t in registry.registered_templates()} == set(_CONTEXTS)


def test_p23_only_the_named_templates_may_reach_a_restricted_person():
    allowed = {t.name for t in registry.registered_templates() if t.reaches_restricted}
    assert allowed == MAY_REACH_RESTRICTED


@pytest.mark.parametrize(
    "template", sorted(set(_CONTEXTS) - MAY_REACH_RESTRICTED), ids=lambda name: name
)
def test_p23_email_to_a_restricted_candidate_is_refused(agency, template):
    _restricted(agency)
    audited = _emails_queued()
    # The address as typed or stored another way is the same person.
    for to in (ADDRESS, f"  {ADDRESS.upper()} "):
        with pytest.raises(RecipientRestricted) as caught:
            _queue(agency, template, to=to)
        assert caught.value.status == 409
        assert caught.value.code == "recipient_restricted"
        assert ADDRESS not in str(caught.value).lower()
    assert not OutboundEmail.objects.exists()
    assert _emails_queued() == audited


@pytest.mark.parametrize("template", sorted(MAY_REACH_RESTRICTED), ids=lambda name: name)
def test_p23_rights_and_staff_emails_still_reach_a_restricted_person(agency, template):
    _restricted(agency)
    email = _queue(agency, template)
    assert email.recipient == ADDRESS
    assert OutboundEmail.objects.filter(template=template).count() == 1


def test_p23_refusal_is_translated_and_names_no_address(agency):
    _restricted(agency)
    with pytest.raises(RecipientRestricted) as caught:
        _queue(agency, "application.received")
    with translation.override("en"):
        assert "restricted" in str(caught.value)
    with translation.override("nb"):
        assert "begrenset" in str(caught.value)
    assert "@" not in str(caught.value)


def test_p23_same_address_in_another_agency_is_not_refused(agency, other_agency):
    _restricted(other_agency)
    email = _queue(agency, "application.received")
    assert email.agency_id == agency.id


def test_p23_unrestricted_and_lifted_candidates_are_emailed(agency):
    candidate = candidate_create(agency=agency, actor=ACTOR, data=person(email=ADDRESS), now=NOW)
    assert not candidate_email_restricted(agency=agency, email=ADDRESS)
    _queue(agency, "application.received")
    subject_restrict(agency=agency, actor=ACTOR, candidate_id=candidate.id, now=NOW)
    assert candidate_email_restricted(agency=agency, email=ADDRESS)
    with pytest.raises(RecipientRestricted):
        _queue(agency, "application.received")
    subject_restriction_lift(
        agency=agency, actor=ACTOR, candidate_id=candidate.id, language="nb", now=NOW
    )
    assert not candidate_email_restricted(agency=agency, email=ADDRESS)
    _queue(agency, "application.received")
    templates = sorted(OutboundEmail.objects.values_list("template", flat=True))
    assert templates == [
        "application.received",
        "application.received",
        "privacy.restriction_lift_notice",
    ]


def test_p23_selector_ignores_an_empty_address(agency):
    # A restricted candidate without an address does not make every empty address theirs.
    _restricted(agency, email="")
    assert not candidate_email_restricted(agency=agency, email="")
    assert not candidate_email_restricted(agency=agency, email="   ")
