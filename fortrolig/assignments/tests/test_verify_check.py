"""The verification check behind /verify/ (P-13: is this from us? P-14: trusted places
only). Each outcome, the removal date, drafts, and bad input."""

import dataclasses
import datetime as dt

import pytest
from django.conf import settings

from fortrolig.assignments import ads_services as services
from fortrolig.assignments.ads_selectors import VerifiedPublication, VerifyOutcome, verify_check
from fortrolig.assignments.models import Channel
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_position, make_published_ad
from fortrolig.core.errors import ValidationFailed

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
ACTOR = Actor.system()
FINN = "https://www.finn.no/job/ad/412345678"

pytestmark = pytest.mark.django_db


@pytest.fixture
def ad(agency):
    """A published ad on the agency's own site and on FINN."""
    position = make_position(agency)
    ad = services.ad_create(
        agency=agency,
        actor=ACTOR,
        position_id=position.id,
        data=services.AdInput(title="Lagermedarbeider", body="Fast stilling på lager."),
        now=NOW,
    )
    services.ad_publish(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW)
    services.publication_add(
        agency=agency,
        actor=ACTOR,
        ad_id=ad.id,
        channel=Channel.FINN,
        url=FINN,
        published_on=dt.date(2026, 3, 2),
        now=NOW,
    )
    return ad


def match(result) -> VerifiedPublication:
    assert result.match is not None
    return result.match


def own_page(ad) -> str:
    return f"{settings.PUBLIC_BASE_URL}/jobs/{ad.id}/"


def test_p13_code_and_recorded_address_is_genuine_and_published_here(ad, agency):
    result = verify_check(code=ad.verification_code, url=FINN, now=LATER)
    assert result.outcome == VerifyOutcome.PUBLISHED_HERE
    assert result.agency_name == agency.name
    assert result.ad_title == "Lagermedarbeider"
    assert result.match is not None
    assert match(result).channel == Channel.FINN
    assert result.match.active
    assert result.ad_open


def test_p13_the_address_is_matched_as_people_paste_it(ad):
    code = ad.verification_code.lower()
    code = f"{code[:4]} - {code[4:]}"
    result = verify_check(code=code, url="finn.no/job/ad/412345678/?utm_source=fb", now=LATER)
    assert result.outcome == VerifyOutcome.PUBLISHED_HERE


def test_p13_code_and_the_ads_own_page_is_published_here(ad):
    result = verify_check(code=ad.verification_code, url=own_page(ad), now=LATER)
    assert result.outcome == VerifyOutcome.PUBLISHED_HERE
    assert match(result).channel == Channel.OWN_SITE


def test_p14_code_at_another_address_is_not_authorised_and_lists_the_authorised(ad, agency):
    result = verify_check(
        code=ad.verification_code, url="https://jobs-scam.example.com/lager", now=LATER
    )
    assert result.outcome == VerifyOutcome.NOT_AUTHORISED
    assert result.agency_name == agency.name
    assert result.match is None
    assert [p.channel for p in result.publications] == [Channel.OWN_SITE, Channel.FINN]
    assert {p.url for p in result.publications} == {own_page(ad), FINN}


def test_p14_another_ads_address_with_this_code_is_not_authorised(ad, agency):
    other = make_published_ad(agency, position=ad.position)
    result = verify_check(code=other.verification_code, url=FINN, now=LATER)
    assert result.outcome == VerifyOutcome.NOT_AUTHORISED


def test_p14_a_site_that_names_the_page_in_the_query_must_match_it(agency):
    published = make_published_ad(agency)
    old_finn = "https://www.finn.no/job/fulltime/ad.html?finnkode=123456"
    services.publication_add(
        agency=agency,
        actor=ACTOR,
        ad_id=published.id,
        channel=Channel.FINN,
        url=old_finn,
        published_on=dt.date(2026, 2, 1),
        now=NOW,
    )
    code = published.verification_code
    fake = "https://www.finn.no/job/fulltime/ad.html?finnkode=999999"
    assert verify_check(code=code, url=fake, now=LATER).outcome == VerifyOutcome.NOT_AUTHORISED
    assert verify_check(url=fake, now=LATER).outcome == VerifyOutcome.UNKNOWN
    assert verify_check(code=code, url=old_finn, now=LATER).outcome == (
        VerifyOutcome.PUBLISHED_HERE
    )


def test_p13_code_only_is_genuine_with_the_channels_and_dates(ad):
    result = verify_check(code=ad.verification_code, now=LATER)
    assert result.outcome == VerifyOutcome.GENUINE
    assert result.code == f"{ad.verification_code[:4]}-{ad.verification_code[4:]}"
    assert [(p.channel, p.published_on, p.removed_on) for p in result.publications] == [
        (Channel.OWN_SITE, dt.date(2026, 3, 2), None),
        (Channel.FINN, dt.date(2026, 3, 2), None),
    ]


def test_p13_address_only_of_a_recorded_publication_is_genuine(ad, agency):
    result = verify_check(url="http://finn.no/job/ad/412345678", now=LATER)
    assert result.outcome == VerifyOutcome.PUBLISHED_HERE
    assert result.agency_name == agency.name
    assert result.ad_id == ad.id


def test_p13_address_only_of_the_ads_page_on_our_site_is_genuine(agency):
    # Made directly, without a publication record: the ad's own page still counts.
    published = make_published_ad(agency)
    result = verify_check(url=own_page(published), now=LATER)
    assert result.outcome == VerifyOutcome.PUBLISHED_HERE
    assert match(result).channel == Channel.OWN_SITE
    assert match(result).published_on == dt.date(2026, 2, 1)


def test_p13_an_unknown_address_is_unknown(ad):
    result = verify_check(url="https://jobs-scam.example.com/lager", now=LATER)
    assert result == verify_check(url="https://jobs-scam.example.com/x", now=LATER)
    assert result.outcome == VerifyOutcome.UNKNOWN
    assert result.agency_name == ""
    assert result.publications == ()


def test_p13_an_unknown_code_is_unknown_even_at_a_recorded_address(ad):
    assert verify_check(code="ZZZZ-9999", now=LATER).outcome == VerifyOutcome.UNKNOWN
    assert verify_check(code="ZZZZ-9999", url=FINN, now=LATER).outcome == VerifyOutcome.UNKNOWN


def test_p13_a_drafts_code_and_page_are_unknown(agency):
    draft = services.ad_create(
        agency=agency,
        actor=ACTOR,
        position_id=make_position(agency).id,
        data=services.AdInput(title="Utkast", body="Ikke publisert."),
        now=NOW,
    )
    assert verify_check(code=draft.verification_code, now=LATER).outcome == VerifyOutcome.UNKNOWN
    assert verify_check(url=own_page(draft), now=LATER).outcome == VerifyOutcome.UNKNOWN
    result = verify_check(code=draft.verification_code, url=own_page(draft), now=LATER)
    assert result.outcome == VerifyOutcome.UNKNOWN
    assert result.ad_title == ""


def test_p14_a_removed_publication_was_published_there_until_its_date(ad, agency):
    finn = ad.publications.get(channel=Channel.FINN)
    services.publication_remove(
        agency=agency,
        actor=ACTOR,
        ad_id=ad.id,
        publication_id=finn.id,
        removed_on=dt.date(2026, 3, 10),
        now=NOW,
    )
    # Before the removal date it is still there.
    before = verify_check(code=ad.verification_code, url=FINN, now=NOW)
    assert before.outcome == VerifyOutcome.PUBLISHED_HERE
    after = verify_check(code=ad.verification_code, url=FINN, now=LATER)
    assert after.outcome == VerifyOutcome.WAS_PUBLISHED_HERE
    assert match(after).removed_on == dt.date(2026, 3, 10)
    assert not match(after).active
    assert verify_check(url=FINN, now=LATER).outcome == VerifyOutcome.WAS_PUBLISHED_HERE


def test_p13_a_closed_ad_is_still_genuine_and_says_when_it_closed(ad, agency):
    services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=LATER)
    result = verify_check(code=ad.verification_code, now=LATER + dt.timedelta(days=1))
    assert result.outcome == VerifyOutcome.GENUINE
    assert result.closed_on == dt.date(2026, 3, 20)
    assert not result.ad_open
    page = verify_check(url=own_page(ad), now=LATER + dt.timedelta(days=1))
    assert page.outcome == VerifyOutcome.WAS_PUBLISHED_HERE
    # FINN was not recorded as removed: it still counts as published there.
    finn = verify_check(code=ad.verification_code, url=FINN, now=LATER + dt.timedelta(days=1))
    assert finn.outcome == VerifyOutcome.PUBLISHED_HERE


def test_p13_the_check_spans_agencies_by_code(ad, other_agency):
    theirs = make_published_ad(other_agency, position=make_position(other_agency))
    result = verify_check(code=theirs.verification_code, now=LATER)
    assert result.outcome == VerifyOutcome.GENUINE
    assert result.agency_name == other_agency.name


def test_p15_the_answer_carries_no_client_name(agency):
    client = make_client(agency, name="Hemmelig Kunde AS")
    position = make_position(agency, client=client, confidential=True)
    published = make_published_ad(agency, position=position, title="Lagermedarbeider")
    result = verify_check(code=published.verification_code, url=own_page(published), now=LATER)
    assert "Hemmelig" not in repr(dataclasses.asdict(result))


@pytest.mark.parametrize(
    ("code", "url", "field"),
    [
        ("", "", "__all__"),
        ("   ", " ", "__all__"),
        ("ABC", "", "code"),
        ("ABCD-EFGU", "", "code"),
        ("", "ftp://finn.no/job/1", "url"),
        ("", "not an address", "url"),
        ("", "https://", "url"),
        ("", "https://finn.no/" + "a" * 2100, "url"),
    ],
)
def test_p13_bad_input_gets_a_clear_message(code, url, field):
    with pytest.raises(ValidationFailed) as error:
        verify_check(code=code, url=url, now=LATER)
    assert field in error.value.field_errors
