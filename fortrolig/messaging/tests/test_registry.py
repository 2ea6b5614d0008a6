from datetime import UTC, datetime

import pytest
from django.core import mail

from fortrolig.core.models import Agency
from fortrolig.messaging import registry
from fortrolig.messaging.models import OutboundEmail
from fortrolig.messaging.registry import EmailTemplateError
from fortrolig.messaging.services import email_queue

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LINK = "https://fortrolig.example.com/staff/outbox/"


def _test_context(agency: Agency) -> dict:
    return {"agency_name": agency.name, "link": LINK}


@pytest.mark.django_db
def test_p10_undeclared_context_key_is_refused(agency, django_capture_on_commit_callbacks):
    context = {**_test_context(agency), "national_id": "01010112345"}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(EmailTemplateError) as caught,
    ):
        email_queue(
            agency=agency,
            to="kandidat@example.com",
            template="staff.test",
            context=context,
            language="nb",
            now=NOW,
        )
    assert caught.value.code == "email_context_undeclared"
    assert "national_id" in str(caught.value)
    # The key is named, the value never is.
    assert "01010112345" not in str(caught.value)
    assert OutboundEmail.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_p10_model_instance_under_a_declared_key_is_refused(agency):
    # A model instance would let the template reach any of its fields.
    with pytest.raises(EmailTemplateError) as caught:
        email_queue(
            agency=agency,
            to="leder@example.com",
            template="staff.test",
            context={"agency_name": agency, "link": LINK},
            language="nb",
            now=NOW,
        )
    assert caught.value.code == "email_context_value_invalid"
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_missing_context_key_is_refused(agency):
    with pytest.raises(EmailTemplateError) as caught:
        email_queue(
            agency=agency,
            to="leder@example.com",
            template="staff.test",
            context={"agency_name": agency.name},
            language="nb",
            now=NOW,
        )
    assert caught.value.code == "email_context_missing"


@pytest.mark.django_db
def test_unknown_template_and_language_are_refused(agency):
    with pytest.raises(EmailTemplateError) as unknown:
        email_queue(
            agency=agency,
            to="leder@example.com",
            template="candidate.cv",
            context={},
            language="nb",
            now=NOW,
        )
    assert unknown.value.code == "email_template_unknown"
    with pytest.raises(EmailTemplateError) as language:
        email_queue(
            agency=agency,
            to="leder@example.com",
            template="staff.test",
            context=_test_context(agency),
            language="sv",
            now=NOW,
        )
    assert language.value.code == "email_language_unsupported"
    assert OutboundEmail.objects.count() == 0


def test_registered_names_are_codes():
    with pytest.raises(ValueError):
        registry.register(registry.EmailTemplate(name="No Spaces", context_keys=frozenset()))
    with pytest.raises(ValueError):
        registry.register(
            registry.EmailTemplate(name="staff.test", context_keys=frozenset({"other"}))
        )


def _sample_context(template: registry.EmailTemplate) -> dict:
    samples = {
        "agency_name": "Nordlys Rekruttering AS",
        "link": LINK,
        "occurred_at": NOW,
        "ad_title": "Lagermedarbeider",
        "reply_email": "personvern@nordlys.example.com",
        "retention_months": 24,
        "deadline": NOW,
        "extension_months": 24,
        "check_kind": "police_certificate",
        "position_title": "Lagermedarbeider",
        "client_name": "",
        "code": "123456",
        "reason": "Vi har mottatt mange forespørsler samtidig.",
        "erased_on": NOW,
        "reference": "2b6f1c2e-0000-4000-8000-000000000000",
        "kept": "",
    }
    return {key: samples[key] for key in template.context_keys}


@pytest.mark.parametrize("template", registry.registered_templates(), ids=lambda t: t.name)
def test_every_template_renders_differently_in_nb_and_en(template):
    context = _sample_context(template)
    nb = registry.render(template, context, language="nb")
    en = registry.render(template, context, language="en")
    assert nb.subject and en.subject
    assert nb.subject != en.subject
    assert nb.body_text != en.body_text
    assert nb.body_html != en.body_html
    assert '<html lang="nb">' in nb.body_html
    assert '<html lang="en">' in en.body_html
    # Both bodies carry the link; the text body is plain text, not HTML-escaped.
    assert LINK in nb.body_text and LINK in nb.body_html
    assert "&amp;" not in nb.body_text and "&#" not in nb.body_text


def test_staff_test_email_texts():
    context: dict[str, registry.ContextValue] = {"agency_name": "Nordlys & Fjell AS", "link": LINK}
    nb = registry.render(registry.STAFF_TEST, context, language="nb")
    en = registry.render(registry.STAFF_TEST, context, language="en")
    assert nb.subject == "Test-e-post fra Fortrolig for Nordlys & Fjell AS"
    assert en.subject == "Test email from Fortrolig for Nordlys & Fjell AS"
    assert "Nordlys & Fjell AS" in nb.body_text
    # The HTML body escapes what it is given.
    assert "Nordlys &amp; Fjell AS" in nb.body_html
    assert "\n" not in nb.subject


def test_recovery_codes_email_shows_the_time_in_oslo():
    context: dict[str, registry.ContextValue] = {"link": LINK, "occurred_at": NOW}
    nb = registry.render(registry.RECOVERY_CODES_REGENERATED, context, language="nb")
    en = registry.render(registry.RECOVERY_CODES_REGENERATED, context, language="en")
    assert nb.subject == "Reservekodene dine i Fortrolig er laget på nytt"
    assert "recovery codes" in en.subject
    # 09:30 UTC is 10:30 in Oslo in March.
    assert "10:30" in nb.body_text
