"""Job ad services and helpers: codes, address keys, drafting, publishing, closing, the
publication record (P-13, P-14) and the confidential client (P-15)."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.conf import settings

from fortrolig.assignments import ads_services as services
from fortrolig.assignments.ads import (
    CODE_ALPHABET,
    code_display,
    code_generate,
    code_normalise,
    text_names_client,
    url_key,
    url_query_matches,
)
from fortrolig.assignments.ads_selectors import ad_detail, ad_list, ad_publications
from fortrolig.assignments.models import (
    AdPublication,
    AdStatus,
    Assignment,
    AssignmentStatus,
    Channel,
    JobAd,
    Position,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_position
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
ACTOR = Actor.system()

pytestmark = pytest.mark.django_db


def ad_input(**overrides) -> services.AdInput:
    values: dict[str, Any] = {
        "title": "Lagermedarbeider",
        "body": "Vi søker en strukturert lagermedarbeider til et fast team i Bergen.",
        "location": "Bergen",
        "employment_type": "full_time",
        "language": "nb",
        "apply_by": dt.date(2026, 3, 31),
    }
    values.update(overrides)
    return services.AdInput(**values)


def create(agency, position=None, **overrides) -> JobAd:
    position = position or Position.objects.filter(agency=agency).first() or make_position(agency)
    return services.ad_create(
        agency=agency, actor=ACTOR, position_id=position.id, data=ad_input(**overrides), now=NOW
    )


def publish(agency, ad, now=NOW) -> JobAd:
    return services.ad_publish(agency=agency, actor=ACTOR, ad_id=ad.id, now=now)


def add_publication(agency, ad, **overrides) -> AdPublication:
    values: dict[str, Any] = {
        "channel": Channel.FINN,
        "url": "https://www.finn.no/job/ad/412345678",
        "published_on": TODAY,
    }
    values.update(overrides)
    return services.publication_add(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW, **values)


def actions(agency) -> list[str]:
    return list(
        AuditEvent.objects.filter(agency=agency).order_by("seq").values_list("action", flat=True)
    )


# Verification codes


def test_p13_codes_are_short_unambiguous_and_printed_in_two_halves():
    codes = {code_generate() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("ILOU")
    assert code_display("ABCD2345") == "ABCD-2345"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCD-2345", "ABCD2345"),
        ("abcd 2345", "ABCD2345"),
        ("  abcd\u20132345 ", "ABCD2345"),
        ("O0IL-1234", "00111234"),
        ("oOil.1234", "00111234"),
    ],
)
def test_p13_a_typed_code_is_read_as_people_type_it(typed, stored):
    assert code_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["", "ABC", "ABCD-23456", "ABCD-234U", "ABCD-23$5"])
def test_p13_a_malformed_code_is_not_a_code(typed):
    assert code_normalise(typed) is None


def test_p13_a_new_ad_gets_a_unique_code_and_a_taken_code_is_drawn_again(agency, monkeypatch):
    first = create(agency)
    drawn = iter([first.verification_code, first.verification_code, "ZZZZ9999"])
    monkeypatch.setattr(services, "code_generate", lambda: next(drawn))
    second = create(agency)
    assert second.verification_code == "ZZZZ9999"
    assert code_normalise(first.verification_code) == first.verification_code


# Address keys


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.FINN.no/job/ad/123/?utm_source=x#top", "finn.no/job/ad/123"),
        ("http://finn.no/job/ad/123", "finn.no/job/ad/123"),
        ("HTTPS://WWW.LinkedIn.com/jobs/view/98765/", "linkedin.com/jobs/view/98765"),
        (
            "https://arbeidsplassen.nav.no:443/stillinger/stilling/AbC",
            "arbeidsplassen.nav.no/stillinger/stilling/AbC",
        ),
        ("https://jobs.example.com:8443/a", "jobs.example.com:8443/a"),
    ],
)
def test_p14_address_key(url, key):
    assert url_key(url) == key


def test_p14_a_query_that_names_the_page_must_match():
    recorded = "https://www.finn.no/job/fulltime/ad.html?finnkode=123"
    assert url_query_matches(recorded, "finn.no/job/fulltime/ad.html?finnkode=123&utm_source=x")
    assert not url_query_matches(recorded, "https://finn.no/job/fulltime/ad.html?finnkode=999")
    assert url_query_matches("https://finn.no/job/ad/1?utm_source=x", "https://finn.no/job/ad/1")


# Drafting


def test_ad_create_drafts_an_ad_for_a_position(agency):
    position = make_position(agency)
    ad = create(agency, position, title="  Lager-\nmedarbeider  ")
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT
    assert ad.position == position
    assert ad.title == "Lager- medarbeider"
    assert ad.published_at is None
    assert len(ad.verification_code) == 8
    assert actions(agency) == ["ad.created"]
    event = AuditEvent.objects.get(agency=agency)
    assert event.subject_id == ad.id
    assert "title" in event.fields
    assert not AdPublication.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"employment_type": "forever"}, "employment_type"),
        ({"language": "sv"}, "language"),
        ({"apply_by": dt.date(2026, 3, 1)}, "apply_by"),
    ],
)
def test_ad_create_refuses_bad_input_and_stores_nothing(agency, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        create(agency, **overrides)
    assert field in error.value.field_errors
    assert not JobAd.objects.exists()
    assert not AuditEvent.objects.filter(agency=agency).exists()


def test_ad_create_refuses_a_position_of_an_ended_assignment(agency):
    position = make_position(agency)
    Assignment.objects.filter(pk=position.assignment_id).update(
        status=AssignmentStatus.ENDED, ended_at=NOW
    )
    with pytest.raises(services.AssignmentEnded):
        create(agency, position)
    assert not JobAd.objects.exists()


def test_ad_create_refuses_another_agencys_position(agency, other_agency):
    position = make_position(other_agency)
    with pytest.raises(NotFound):
        create(agency, position)
    assert not JobAd.objects.exists()


def test_ad_update_changes_the_text_and_records_the_changed_fields(agency):
    ad = create(agency)
    services.ad_update(
        agency=agency, actor=ACTOR, ad_id=ad.id, data=ad_input(title="Truckfører"), now=NOW
    )
    ad.refresh_from_db()
    assert ad.title == "Truckfører"
    event = AuditEvent.objects.filter(agency=agency, action="ad.updated").get()
    assert event.fields == ["title"]
    # Nothing changed, nothing recorded.
    services.ad_update(
        agency=agency, actor=ACTOR, ad_id=ad.id, data=ad_input(title="Truckfører"), now=NOW
    )
    assert actions(agency).count("ad.updated") == 1


def test_ad_update_refuses_bad_input_and_changes_nothing(agency):
    ad = create(agency)
    with pytest.raises(ValidationFailed):
        services.ad_update(
            agency=agency, actor=ACTOR, ad_id=ad.id, data=ad_input(title="", body=""), now=NOW
        )
    ad.refresh_from_db()
    assert ad.title == "Lagermedarbeider"


def test_ad_update_keeps_a_passed_deadline_but_refuses_a_new_one_in_the_past(agency):
    ad = create(agency, apply_by=dt.date(2026, 3, 5))
    later = NOW + dt.timedelta(days=10)
    services.ad_update(
        agency=agency,
        actor=ACTOR,
        ad_id=ad.id,
        data=ad_input(apply_by=dt.date(2026, 3, 5), title="Ny tittel"),
        now=later,
    )
    with pytest.raises(ValidationFailed) as error:
        services.ad_update(
            agency=agency,
            actor=ACTOR,
            ad_id=ad.id,
            data=ad_input(apply_by=dt.date(2026, 3, 6)),
            now=later,
        )
    assert "apply_by" in error.value.field_errors


def test_ad_update_of_another_agencys_ad_is_not_found(agency, other_agency):
    ad = create(other_agency)
    with pytest.raises(NotFound):
        services.ad_update(agency=agency, actor=ACTOR, ad_id=ad.id, data=ad_input(), now=NOW)


def test_ad_update_refuses_a_closed_ad(agency):
    ad = create(agency)
    publish(agency, ad)
    services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW)
    with pytest.raises(services.AdNotEditable):
        services.ad_update(
            agency=agency, actor=ACTOR, ad_id=ad.id, data=ad_input(title="Ny"), now=NOW
        )


# Publishing


def test_p14_publishing_records_the_own_site_publication(agency):
    ad = create(agency)
    publish(agency, ad)
    ad.refresh_from_db()
    assert ad.status == AdStatus.PUBLISHED
    assert ad.published_at == NOW
    [own] = ad_publications(agency=agency, ad_id=ad.id)
    assert own.channel == Channel.OWN_SITE
    assert own.url == f"{settings.PUBLIC_BASE_URL}/jobs/{ad.id}/"
    assert own.url_key == url_key(own.url)
    assert own.published_on == TODAY
    assert own.removed_on is None
    assert actions(agency) == ["ad.created", "ad.published", "ad.publication_added"]


def test_publish_only_a_draft(agency):
    ad = create(agency)
    publish(agency, ad)
    with pytest.raises(Conflict):
        publish(agency, ad)
    assert AdPublication.objects.count() == 1


def test_publish_refuses_a_passed_deadline(agency):
    ad = create(agency, apply_by=dt.date(2026, 3, 3))
    with pytest.raises(ValidationFailed):
        publish(agency, ad, now=NOW + dt.timedelta(days=5))
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT
    assert not AdPublication.objects.exists()


def test_publish_refuses_an_ended_assignment(agency):
    ad = create(agency)
    Assignment.objects.filter(pk=ad.position.assignment_id).update(
        status=AssignmentStatus.ENDED, ended_at=NOW
    )
    with pytest.raises(services.AssignmentEnded):
        publish(agency, ad)


def test_publish_another_agencys_ad_is_not_found(agency, other_agency):
    ad = create(other_agency)
    with pytest.raises(NotFound):
        publish(agency, ad)
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT


# P-15: the confidential client


def confidential_position(agency):
    client = make_client(agency, name="Fjordkraft Testkunde AS")
    return make_position(agency, client=client, confidential=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Lagermedarbeider hos Fjordkraft Testkunde AS"},
        {"body": "Bli med hos fjordkraft   testkunde, et solid selskap."},
        {"location": "Fjordkraft Testkunde, Bergen"},
    ],
)
def test_p15_publish_refuses_an_ad_that_names_a_confidential_client(agency, overrides):
    ad = create(agency, confidential_position(agency), **overrides)
    with pytest.raises(services.ClientNamedInAd) as error:
        publish(agency, ad)
    assert error.value.field_errors
    # The message names no client.
    assert "Fjordkraft" not in str(error.value.message)
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT
    assert not AdPublication.objects.exists()
    assert ad_detail(agency=agency, ad_id=ad.id).names_hidden_client


def test_p15_an_ad_without_the_name_publishes(agency):
    ad = create(agency, confidential_position(agency), body="Et solid selskap i Bergen.")
    publish(agency, ad)
    assert not ad_detail(agency=agency, ad_id=ad.id).names_hidden_client


def test_p15_a_released_name_may_be_used(agency):
    position = confidential_position(agency)
    Assignment.objects.filter(pk=position.assignment_id).update(client_name_released_at=NOW)
    ad = create(agency, position, title="Lagermedarbeider hos Fjordkraft Testkunde AS")
    publish(agency, ad)
    assert JobAd.objects.get(pk=ad.id).status == AdStatus.PUBLISHED


def test_p15_a_client_that_is_not_confidential_may_be_named(agency):
    client = make_client(agency, name="Fjordkraft Testkunde AS")
    ad = create(agency, make_position(agency, client=client), title="Hos Fjordkraft Testkunde")
    publish(agency, ad)


def test_p15_editing_a_published_ad_cannot_add_the_confidential_name(agency):
    ad = create(agency, confidential_position(agency), body="Et solid selskap.")
    publish(agency, ad)
    with pytest.raises(services.ClientNamedInAd):
        services.ad_update(
            agency=agency,
            actor=ACTOR,
            ad_id=ad.id,
            data=ad_input(body="Jobb hos Fjordkraft Testkunde AS."),
            now=NOW,
        )
    ad.refresh_from_db()
    assert ad.body == "Et solid selskap."


def test_p15_name_check_matches_whole_words_only():
    assert text_names_client("Fjordkraft Testkunde AS", "Jobb i FJORDKRAFT TESTKUNDE!")
    assert not text_names_client("Fjordkraft Testkunde AS", "Jobb i Fjordkraft Testkundeservice")
    assert not text_names_client("Nor AS", "Nordnorsk lager")


# Closing


def test_p14_closing_removes_the_ad_from_the_own_site_but_keeps_other_channels(agency):
    ad = create(agency)
    publish(agency, ad)
    finn = add_publication(agency, ad)
    later = NOW + dt.timedelta(days=3)
    services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=later)
    ad.refresh_from_db()
    assert ad.status == AdStatus.CLOSED
    assert ad.closed_at == later
    own = AdPublication.objects.get(ad=ad, channel=Channel.OWN_SITE)
    assert own.removed_on == dt.date(2026, 3, 5)
    finn.refresh_from_db()
    assert finn.removed_on is None
    assert actions(agency)[-2:] == ["ad.closed", "ad.publication_removed"]


def test_close_only_a_published_ad(agency):
    ad = create(agency)
    with pytest.raises(Conflict):
        services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW)
    publish(agency, ad)
    services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW)
    with pytest.raises(Conflict):
        services.ad_close(agency=agency, actor=ACTOR, ad_id=ad.id, now=NOW)


# The publication record


def test_p14_record_a_publication(agency):
    ad = create(agency)
    publish(agency, ad)
    publication = add_publication(agency, ad, url=" https://www.FINN.no/job/ad/412345678/?utm=1 ")
    assert publication.url == "https://www.FINN.no/job/ad/412345678/?utm=1"
    assert publication.url_key == "finn.no/job/ad/412345678"
    assert publication.channel_name == ""
    event = (
        AuditEvent.objects.filter(agency=agency, action="ad.publication_added")
        .order_by("seq")
        .last()
    )
    assert event is not None
    assert event.subject_id == publication.id
    # No values in the event, only field names.
    assert "finn" not in str(event.fields).lower().replace("published_on", "")


def test_p14_other_channel_needs_a_name(agency):
    ad = create(agency)
    publish(agency, ad)
    with pytest.raises(ValidationFailed) as error:
        add_publication(agency, ad, channel=Channel.OTHER, url="https://jobb.example.com/1")
    assert "channel_name" in error.value.field_errors
    publication = add_publication(
        agency,
        ad,
        channel=Channel.OTHER,
        channel_name=" Jobbnorge ",
        url="https://jobb.example.com/1",
    )
    assert publication.channel_name == "Jobbnorge"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "ftp://finn.no/job/1"}, "url"),
        ({"url": "finn.no/job/1"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://finn.no/" + "a" * 500}, "url"),
        ({"channel": "myspace"}, "channel"),
        ({"published_on": None}, "published_on"),
        ({"removed_on": dt.date(2026, 3, 1)}, "removed_on"),
    ],
)
def test_p14_bad_publication_input_is_refused_and_changes_nothing(agency, overrides, field):
    ad = create(agency)
    publish(agency, ad)
    count = AdPublication.objects.count()
    with pytest.raises(ValidationFailed) as error:
        add_publication(agency, ad, **overrides)
    assert field in error.value.field_errors
    assert AdPublication.objects.count() == count


def test_p14_the_same_address_twice_is_refused(agency):
    ad = create(agency)
    publish(agency, ad)
    add_publication(agency, ad, url="https://www.finn.no/job/ad/412345678")
    with pytest.raises(ValidationFailed) as error:
        add_publication(
            agency,
            ad,
            url="http://FINN.no/job/ad/412345678/",
            channel=Channel.OTHER,
            channel_name="Finn igjen",
        )
    assert "url" in error.value.field_errors
    assert AdPublication.objects.filter(ad=ad).count() == 2


def test_p14_a_draft_has_no_publications_yet(agency):
    ad = create(agency)
    with pytest.raises(Conflict):
        add_publication(agency, ad)
    assert not AdPublication.objects.exists()


def test_publication_of_another_agencys_ad_is_not_found(agency, other_agency):
    ad = create(other_agency)
    publish(other_agency, ad)
    with pytest.raises(NotFound):
        add_publication(agency, ad)
    with pytest.raises(NotFound):
        ad_publications(agency=agency, ad_id=ad.id)
    own = AdPublication.objects.get(ad=ad)
    with pytest.raises(NotFound):
        services.publication_remove(
            agency=agency, actor=ACTOR, ad_id=ad.id, publication_id=own.id, now=NOW
        )


def test_p14_removing_a_publication_keeps_it_with_a_date(agency):
    ad = create(agency)
    publish(agency, ad)
    finn = add_publication(agency, ad)
    services.publication_remove(
        agency=agency, actor=ACTOR, ad_id=ad.id, publication_id=finn.id, now=NOW
    )
    finn.refresh_from_db()
    assert finn.removed_on == TODAY
    with pytest.raises(Conflict):
        services.publication_remove(
            agency=agency, actor=ACTOR, ad_id=ad.id, publication_id=finn.id, now=NOW
        )


def test_p14_a_removal_before_the_publication_is_refused(agency):
    ad = create(agency)
    publish(agency, ad)
    finn = add_publication(agency, ad)
    with pytest.raises(ValidationFailed):
        services.publication_remove(
            agency=agency,
            actor=ACTOR,
            ad_id=ad.id,
            publication_id=finn.id,
            removed_on=dt.date(2026, 2, 1),
            now=NOW,
        )
    finn.refresh_from_db()
    assert finn.removed_on is None


def test_publication_remove_with_the_wrong_ad_is_not_found(agency):
    first, second = create(agency), create(agency)
    publish(agency, first)
    publish(agency, second)
    own = AdPublication.objects.get(ad=first)
    with pytest.raises(NotFound):
        services.publication_remove(
            agency=agency, actor=ACTOR, ad_id=second.id, publication_id=own.id, now=NOW
        )
    with pytest.raises(NotFound):
        services.publication_remove(
            agency=agency, actor=ACTOR, ad_id=first.id, publication_id=uuid.uuid4(), now=NOW
        )


# Staff reads


def test_ad_list_is_the_agencys_own(agency, other_agency):
    mine = create(agency)
    create(other_agency)
    page = ad_list(agency=agency)
    assert [ad.id for ad in page.rows] == [mine.id]
    assert page.total == 1
    publish(agency, mine)
    assert ad_list(agency=agency, status=AdStatus.DRAFT).total == 0
    assert ad_list(agency=agency, status=AdStatus.PUBLISHED).total == 1


def test_ad_detail_of_another_agency_is_not_found(agency, other_agency):
    ad = create(other_agency)
    with pytest.raises(NotFound):
        ad_detail(agency=agency, ad_id=ad.id)
