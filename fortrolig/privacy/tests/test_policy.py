"""The privacy policy page, rendered from configuration (P-01), and its versions.

The page states only values from the configuration; every period on it is the period that
the retention engine enforces, read from `retention_rules`; a change of configuration shows
on the page at once and makes a new version.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO
from xml.etree import ElementTree

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_agency
from fortrolig.core.models import AgencySettings
from fortrolig.privacy import policy as policy_module
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.models import PolicyVersion, ProcessingActivity
from fortrolig.privacy.policy import (
    policy_current,
    policy_publish,
    policy_render,
    policy_text,
)
from fortrolig.privacy.register import (
    activity_input_from,
    processing_activities_ensure_defaults,
    processing_activity_update,
)
from fortrolig.privacy.retention_rules import RetentionRule, retention_rules

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# Values that appear nowhere else, so that the page can be searched for them.
UNUSUAL = {
    "candidate_retention_months": 17,
    "renewal_notice_days": [45, 9],
    "renewal_extension_months": 11,
    "share_link_days": 6,
    "request_due_months": 2,
    "payroll_retention_years_after_financial_year": 8,
    "client_retention_months_after_agreement": 13,
}


def _get(client, url: str, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.get(url, **extra)


def _page(client, agency, lang: str = "nb"):
    response = _get(client, f"/personvern/{agency.slug}/?lang={lang}")
    assert response.status_code == 200
    return response


def _article(response) -> ElementTree.Element:
    """The policy article of a page, parsed (the template writes it well-formed)."""
    [markup] = re.findall(r'<article class="policy".*?</article>', response.content.decode(), re.S)
    article = ElementTree.fromstring(markup)  # noqa: S314 (our own page)
    assert article.get("id") == "policy"
    return article


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _all(element, tag: str, **attributes) -> list[ElementTree.Element]:
    return [
        e
        for e in element.iter(tag)
        if all(
            (value in (e.get(name) or "").split()) if name == "class" else e.get(name) == value
            for name, value in attributes.items()
        )
    ]


def _free_text(element) -> str:
    """The text of `element` outside every value that comes from the configuration."""
    if element.get("data-source") is not None:
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(_free_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _stated_rule(data) -> RetentionRule:
    """The retention rule that a marked-up period on the page states."""
    clock = RetentionClock(data.get("data-clock"))
    unit, value = data.get("data-unit"), data.get("value")
    if unit == "months":
        return RetentionRule(clock, months=int(value))
    if unit == "days":
        return RetentionRule(clock, days=int(value))
    if unit == "years_after_financial_year":
        return RetentionRule(clock, years_after_financial_year=int(value))
    if unit == "months_days":
        months, days = value.split(":")
        return RetentionRule(clock, months=int(months), days=int(days))
    assert (unit, value) == ("none", "0")
    return RetentionRule(clock)


def _configure(agency, **settings) -> None:
    agency.settings = {**(agency.settings or {}), **settings}
    agency.save()


# -- A change of configuration changes the page and makes a version ------------------------


def test_p01_changing_the_candidate_period_changes_the_page_and_the_version(client, agency):
    before = _text(_article(_page(client, agency)))
    assert "24 måneder etter siste søknad eller aktivitet" in before
    assert PolicyVersion.objects.filter(agency=agency).count() == 1

    _configure(agency, candidate_retention_months=18)
    after = _text(_article(_page(client, agency)))
    assert "18 måneder etter siste søknad eller aktivitet" in after
    assert "24 måneder etter siste søknad" not in after
    versions = PolicyVersion.objects.filter(agency=agency).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    assert "24 måneder" in versions[0].text_nb
    assert "18 måneder" in versions[1].text_nb
    assert "18 months" in versions[1].text_en
    assert "Versjon 2, publisert 2. mars 2026." in _text(_article(_page(client, agency)))


def test_p01_changing_the_contact_address_changes_the_page_and_the_version(client, agency):
    old = agency.contact_email
    assert f'href="mailto:{old}"' in _page(client, agency).content.decode()
    agency.contact_email = "spor.oss@nordlys.example.com"
    agency.save()
    body = _page(client, agency, "en").content.decode()
    assert 'href="mailto:spor.oss@nordlys.example.com"' in body
    assert old not in body
    latest = PolicyVersion.objects.filter(agency=agency).latest("number")
    assert latest.number == 2
    assert "spor.oss@nordlys.example.com" in latest.text_nb
    assert old not in latest.text_en


def test_p01_an_unchanged_configuration_makes_no_new_version(client, agency):
    for _ in range(3):
        _page(client, agency)
        _page(client, agency, "en")
    assert PolicyVersion.objects.filter(agency=agency).count() == 1
    assert AuditEvent.objects.filter(action="privacy.policy.published").count() == 1


def test_p01_publishing_versions_each_change(agency):
    first = policy_publish(agency=agency, now=NOW)
    assert first.number == 1
    assert policy_publish(agency=agency, now=NOW) == first
    assert policy_current(agency=agency, now=NOW) == first
    _configure(agency, share_link_days=7)
    later = NOW + timedelta(days=1)
    second = policy_current(agency=agency, now=later)
    assert (second.number, second.published_at) == (2, later)
    assert second.content_hash != first.content_hash
    assert "7 days" in second.text_en
    event = AuditEvent.objects.filter(action="privacy.policy.published").latest("seq")
    assert event.subject_id == second.id
    assert event.fields == ["text_en", "text_nb"]


def test_p01_a_register_edit_publishes_a_new_version_at_once(agency):
    first = policy_publish(agency=agency, now=NOW)
    activity = ProcessingActivity.objects.get(agency=agency, key="job_alerts_marketing")
    processing_activity_update(
        agency=agency,
        actor=Actor.system(),
        activity_id=activity.id,
        data=replace(activity_input_from(activity), recipients_nb="Ingen andre enn oss."),
        now=NOW + timedelta(hours=1),
    )
    latest = PolicyVersion.objects.filter(agency=agency).latest("number")
    assert latest.number == first.number + 1
    assert "Ingen andre enn oss." in latest.text_nb


def test_p01_a_concurrent_publish_of_the_same_text_is_taken_over(agency, monkeypatch):
    first = policy_publish(agency=agency, now=NOW)
    # As if another process published between our read and our insert.
    real_latest = policy_module.policy_latest
    calls = {"n": 0}

    def stale_then_real(*, agency):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_latest(agency=agency)

    monkeypatch.setattr(policy_module, "policy_latest", stale_then_real)
    assert policy_module.policy_publish(agency=agency, now=NOW) == first
    assert PolicyVersion.objects.filter(agency=agency).count() == 1


# -- Every period on the page is the enforced period ----------------------------------------


@pytest.mark.parametrize("settings", [{}, UNUSUAL, {"share_link_days": 1, "request_due_months": 1}])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_p01_every_period_on_the_page_is_the_period_the_retention_engine_enforces(
    client, agency, settings, lang
):
    _configure(agency, **settings)
    rules = retention_rules(agency.config)
    article = _article(_page(client, agency, lang))
    stated = _all(article, "data", **{"class": "retention-period"})
    assert stated
    for data in stated:
        rule = _stated_rule(data)
        assert rule == rules[rule.clock], (data.get("data-clock"), _text(data))
        # The figure that a reader sees is the figure in the markup.
        value = data.get("value")
        if data.get("data-unit") not in ("none", "months_days"):
            assert _text(data).startswith(f"{value} "), _text(data)
    # Every rule that the engine enforces is stated.
    assert {RetentionClock(d.get("data-clock", "")) for d in stated} == set(rules)
    # And the other settings the page states are the configured ones.
    config = agency.config
    settings_on_page = {
        d.get("data-key"): d.get("value")
        for d in _all(article, "data", **{"data-source": "settings"})
    }
    assert settings_on_page["renewal_extension_months"] == str(config.renewal_extension_months)
    assert settings_on_page["request_due_months"] == str(config.request_due_months)
    notices = _all(article, "data", **{"data-key": "renewal_notice_days"})
    assert [int(d.get("value", "")) for d in notices] == list(config.renewal_notice_days)


def test_p01_the_page_states_no_number_or_address_that_is_not_configured(client, agency):
    _configure(agency, **UNUSUAL)
    for lang in ("nb", "en"):
        article = _article(_page(client, agency, lang))
        free = _free_text(article)
        assert free.strip()
        assert not re.search(r"\d", free), re.findall(r".{30}\d.{30}", free)
        assert "@" not in free
        assert "http" not in free
        text = _text(article)
        # The defaults of PROMISES.md appear nowhere: only the configured values do.
        for default in ("24", "14", "30", "12"):
            assert not re.search(rf"\b{default}\b", text), (lang, default)
        for value in ("17", "45", "9", "11", "6", "2", "8", "13"):
            assert re.search(rf"\b{value}\b", text), (lang, value)
        # Every mailto is the agency's contact address.
        mails = {
            a.get("href") for a in _all(article, "a") if a.get("href", "").startswith("mailto:")
        }
        assert mails == {f"mailto:{agency.contact_email}"}


def test_p01_the_candidate_months_appear_only_as_the_configured_value(agency):
    _configure(agency, candidate_retention_months=19, renewal_extension_months=19)
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    text = policy_text(policy_render(agency=agency, language="nb"))
    assert "19 måneder etter siste søknad eller aktivitet" in text
    assert "24" not in text
    assert "i høyst 19 måneder" in text


# -- Content -----------------------------------------------------------------------------------


def test_p01_the_page_covers_what_the_promises_require(client, agency):
    nb = _text(_article(_page(client, agency, "nb")))
    for phrase in (
        "Personvernerklæring for Nordlys Rekruttering AS",
        "organisasjonsnummer 923609016",
        "Daglig leder, Kari Testleder",
        "ingen oppgaver er delegert",
        # Categories for candidates and for client contacts, from the data map.
        "Kandidater",
        "Kontaktpersoner hos kunder",
        "Fødselsnummer",
        "Bakgrunnssjekker",
        # P-07
        "bare for et oppdrag der stillingen krever det",
        "Bare et datert notat blir igjen",
        # P-09 .. P-12
        "bare med kontaktpersoner hos en oppdragsgiver",
        "Lenken utløper etter 14 dager",
        "engangskode",
        # P-19
        "a-meldingen",
        "5 år etter utgangen av regnskapsåret da hver utbetaling ble gjort",
        "selve ansettelsen slettes sammen med den siste lønnsposten",
        # P-16
        "med ett klikk",
        "sperreliste",
        # P-18
        "i høyst 24 måneder etter siste søknad eller aktivitet",
        "30 og 7 dager før fristen",
        "beholder vi dem i 24 måneder til",
        # P-20 .. P-25
        "Innsyn",
        "Retting",
        "Sletting",
        "Begrensning",
        "innen 1 måned",
        "nevner regelen",
        "kandidatportalen",
        "Datatilsynet",
        # P-31
        "strengt nødvendige informasjonskapsler",
        "personvern@nordlys.example.com",
        "Versjon 1, publisert 2. mars 2026.",
    ):
        assert phrase in nb, phrase
    en = _text(_article(_page(client, agency, "en")))
    for phrase in (
        "Privacy policy of Nordlys Rekruttering AS",
        "organisation number 923609016",
        "The link expires after 14 days",
        "30 and 7 days before the deadline",
        "within 1 month of receiving it",
        "Version 1, published",
    ):
        assert phrase in en, phrase


def test_p01_both_languages(client, agency):
    nb = _page(client, agency)
    assert nb["Content-Language"] == "nb"
    assert '<html lang="nb">' in nb.content.decode()
    assert _article(nb).get("lang") == "nb"
    en = _page(client, agency, "en")
    assert en["Content-Language"] == "en"
    assert _article(en).get("lang") == "en"
    # The register's own texts follow the language too.
    assert "Rekruttering og kandidatoppfølging" in _text(_article(nb))
    assert "Recruitment and candidate management" in _text(_article(en))
    assert "Rekruttering og kandidatoppfølging" not in _text(_article(en))
    # Without ?lang, the browser's language decides; bokmål first.
    by_browser = _get(client, f"/personvern/{agency.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert _article(by_browser).get("lang") == "en"
    assert _article(_get(client, f"/personvern/{agency.slug}/")).get("lang") == "nb"


def test_p01_delegations_are_named(client, agency):
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    activity = ProcessingActivity.objects.get(agency=agency, key="staffing_payroll")
    processing_activity_update(
        agency=agency,
        actor=Actor.system(),
        activity_id=activity.id,
        data=replace(
            activity_input_from(activity),
            responsible_name="Per Testlønn",
            responsible_role="Lønnsansvarlig",
        ),
        now=NOW,
    )
    article = _article(_page(client, agency))
    text = _text(article)
    assert "Daglig leder har delegert den daglige oppfølgingen" in text
    assert (
        "Bemanning: ansettelse og lønnsrapportering (a-melding): Per Testlønn, Lønnsansvarlig"
        in (text)
    )
    assert "ingen oppgaver er delegert" not in text


def test_p01_sections_follow_the_register(agency):
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    rendered = policy_render(agency=agency, language="nb")
    assert rendered.section("background_checks") is not None
    ProcessingActivity.objects.filter(agency=agency).update(
        data_categories=["identity"], data_subjects=["candidates"]
    )
    rendered = policy_render(agency=agency, language="nb")
    assert rendered.section("background_checks") is None
    assert rendered.section("staffing") is None


# -- The command ----------------------------------------------------------------------------


def _page_lines(article) -> list[str]:
    lines: list[str] = []
    for element in article.iter():
        if element.tag not in ("h1", "h2", "h3", "p", "li", "dt", "dd"):
            continue
        if element.tag == "dd":
            lines[-1] = f"{lines[-1]}: {_text(element)}"
        else:
            lines.append(_text(element))
    return lines


def _markdown_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.strip():
            continue
        line = re.sub(r"^(#+ |- )", "", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line)
        line = line.replace("**", "").replace(":: ", ": ")
        line = re.sub(r"^_(.*)_$", r"\1", line)
        lines.append(line.strip())
    return lines


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_p01_the_command_prints_what_the_page_shows(client, agency, lang):
    _configure(agency, candidate_retention_months=20)
    page_lines = _page_lines(_article(_page(client, agency, lang)))
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        args = ["privacy_policy", "--agency", agency.slug]
        call_command(*args, *(["--lang", lang] if lang == "en" else []), stdout=out)
    assert _markdown_lines(out.getvalue()) == page_lines
    assert out.getvalue().startswith("# ")
    # The same version, not a new one.
    assert PolicyVersion.objects.filter(agency=agency).count() == 1


def test_p01_the_command_refuses_an_unknown_agency(agency):
    with pytest.raises(CommandError, match="no agency"):
        call_command("privacy_policy", "--agency", "finnes-ikke", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("privacy_policy", "--agency", agency.slug, "--lang", "de")


# -- The public page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/personvern/", "/personvern/?lang=en", "/personvern/nordlys/", "/personvern/x/"]
)
def test_p01_the_policy_page_sets_no_cookies(client, agency, url):
    response = _get(client, url)
    assert response.status_code == (404 if url == "/personvern/x/" else 200)
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers(), "latin-1")
    assert b"<form" not in response.content
    assert b"csrfmiddlewaretoken" not in response.content


def test_p01_one_agency_shows_its_policy_at_the_root(client, agency):
    article = _article(_get(client, "/personvern/"))
    assert "Nordlys Rekruttering AS" in _text(article)


def test_p01_several_agencies_get_an_index(client, agency, other_agency):
    response = _get(client, "/personvern/?lang=en")
    body = response.content.decode()
    assert 'id="policy"' not in body
    assert 'href="/personvern/nordlys/?lang=en"' in body
    assert 'href="/personvern/fjellet/?lang=en"' in body
    # Only names and links: no addresses, numbers or settings of the agencies.
    assert agency.contact_email not in body
    assert agency.org_number not in body
    theirs = _text(_article(_page(client, other_agency)))
    assert other_agency.contact_email in theirs
    assert agency.contact_email not in theirs
    assert agency.name not in theirs


def test_p01_no_agencies_gives_an_empty_index(client):
    response = _get(client, "/personvern/")
    assert response.status_code == 200
    assert "Ingen byråer bruker Fortrolig her ennå." in response.content.decode()


def test_p01_each_agency_has_its_own_versions(client, agency, other_agency):
    _page(client, agency)
    _configure(agency, share_link_days=10)
    _page(client, agency)
    _page(client, other_agency)
    assert PolicyVersion.objects.filter(agency=agency).count() == 2
    assert PolicyVersion.objects.filter(agency=other_agency).count() == 1
    third = make_agency("havbris", index=2)
    assert policy_current(agency=third, now=NOW).number == 1


# -- The manager's policy section ----------------------------------------------------------


def test_p01_managers_see_the_current_version_history_and_preview(manager_client, agency):
    _get(manager_client, reverse("privacy:policy"))
    _configure(agency, request_due_months=2)
    response = _get(manager_client, reverse("privacy:policy"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gjeldende versjon er versjon 2" in body
    assert reverse("privacy:policy_version", kwargs={"number": 1}) in body
    assert reverse("privacy:policy_version", kwargs={"number": 2}) in body
    assert "innen 2 måneder" in _text(_article(response))
    english = _get(manager_client, reverse("privacy:policy") + "?lang=en")
    assert "within 2 months" in _text(_article(english))
    old = _get(manager_client, reverse("privacy:policy_version", kwargs={"number": 1}))
    assert "innen 1 måned" in old.content.decode()
    assert "within 1 month" in old.content.decode()


def test_default_settings_match_the_promises():
    # The page's defaults are PROMISES.md's bold numbers.
    config = AgencySettings()
    assert config.candidate_retention_months == 24
    assert config.renewal_notice_days == (30, 7)
    assert config.share_link_days == 14


def test_p01_register_texts_are_shown_as_text_not_markup(client, agency):
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    activity = ProcessingActivity.objects.get(agency=agency, key="recruitment")
    processing_activity_update(
        agency=agency,
        actor=Actor.system(),
        activity_id=activity.id,
        data=replace(activity_input_from(activity), purpose_nb='<script>alert("x")</script>'),
        now=NOW,
    )
    body = _page(client, agency).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
