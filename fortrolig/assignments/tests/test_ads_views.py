"""The staff pages for job ads. The rules are tested with the services; these test what
the pages do: forms, messages, the prepayment flag (P-08), the confidential client
(P-15), the publication record (P-14), and that another agency's ad is not found."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from fortrolig.assignments import ads_services as services
from fortrolig.assignments.models import (
    AdPublication,
    AdStatus,
    Assignment,
    AssignmentStatus,
    Channel,
    JobAd,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_position

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FORM = {
    "title": "Lagermedarbeider",
    "body": "Vi søker en strukturert lagermedarbeider.",
    "location": "Bergen",
    "employment_type": "full_time",
    "language": "nb",
    "apply_by": "",
}


def draft(agency, position=None, **overrides) -> JobAd:
    position = position or make_position(agency)
    values: dict[str, Any] = {"title": "Lagermedarbeider", "body": "Fast stilling på lager."}
    values.update(overrides)
    return services.ad_create(
        agency=agency,
        actor=Actor.system(),
        position_id=position.id,
        data=services.AdInput(**values),
        now=NOW,
    )


def published(agency, **kwargs) -> JobAd:
    ad = draft(agency, **kwargs)
    return services.ad_publish(agency=agency, actor=Actor.system(), ad_id=ad.id, now=NOW)


def url(name, ad=None, **kwargs) -> str:
    if ad is not None:
        kwargs["ad_id"] = ad.id
    return reverse(f"ads:{name}", kwargs=kwargs)


def test_staff_pages_need_a_login(client, agency):
    response = client.get(url("list"))
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


# List


def test_the_list_shows_the_agencys_own_ads(consultant_client, agency, other_agency):
    mine = draft(agency, title="Min annonse")
    draft(other_agency, title="Deres annonse")
    response = consultant_client.get(url("list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Min annonse" in body
    assert "Deres annonse" not in body
    assert url("detail", mine) in body
    code = mine.verification_code
    assert f"{code[:4]}-{code[4:]}" in body


def test_the_list_filters_by_status(consultant_client, agency):
    draft(agency, title="Utkastet")
    published(
        agency,
        title="Den publiserte",
        position=make_position(agency, client=make_client(agency, index=1)),
    )
    body = consultant_client.get(url("list"), {"status": "published"}).content.decode()
    assert "Den publiserte" in body
    assert "Utkastet" not in body


# Create


def test_create_from_a_position_fills_in_its_title_and_place(consultant_client, agency):
    position = make_position(agency, title="Truckfører", location="Ålesund")
    response = consultant_client.get(url("create") + f"?position={position.id}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["position"] == str(position.id)
    assert form.initial["title"] == "Truckfører"
    assert form.initial["location"] == "Ålesund"


def test_p08_create_and_publish_pages_show_the_prepayment_flag(consultant_client, agency):
    client_company = make_client(agency, prepayment_required=True)
    position = make_position(agency, client=client_company)
    create_page = consultant_client.get(url("create") + f"?position={position.id}", **EN)
    assert 'data-testid="prepayment-flag"' in create_page.content.decode()
    ad = draft(agency, position=position)
    publish_page = consultant_client.get(url("publish", ad), **EN)
    assert 'data-testid="prepayment-flag"' in publish_page.content.decode()


def test_no_prepayment_flag_for_a_client_in_good_standing(consultant_client, agency):
    ad = draft(agency)
    assert (
        'data-testid="prepayment-flag"'
        not in consultant_client.get(url("publish", ad)).content.decode()
    )


def test_create_saves_a_draft(consultant_client, agency):
    position = make_position(agency)
    response = consultant_client.post(url("create"), {**FORM, "position": str(position.id)})
    ad = JobAd.objects.get(agency=agency)
    assert response.status_code == 302
    assert response["Location"] == url("detail", ad)
    assert ad.status == AdStatus.DRAFT
    assert ad.position == position
    assert ad.employment_type == "full_time"
    assert AuditEvent.objects.filter(agency=agency, action="ad.created", subject_id=ad.id).exists()


def test_create_refuses_bad_input_and_keeps_what_was_typed(consultant_client, agency):
    position = make_position(agency)
    response = consultant_client.post(
        url("create"), {**FORM, "position": str(position.id), "title": ""}, **EN
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "Vi søker en strukturert lagermedarbeider." in response.content.decode()
    # A rule of the service (the deadline) is shown on its field, too.
    response = consultant_client.post(
        url("create"), {**FORM, "position": str(position.id), "apply_by": "2020-01-01"}, **EN
    )
    assert response.status_code == 200
    assert response.context["form"].errors["apply_by"] == [
        "The application deadline cannot be in the past."
    ]
    assert 'value="Lagermedarbeider"' in response.content.decode()
    assert not JobAd.objects.exists()


def test_create_for_another_agencys_position_is_not_found(consultant_client, agency, other_agency):
    theirs = make_position(other_agency)
    assert consultant_client.get(url("create") + f"?position={theirs.id}").status_code == 404
    assert consultant_client.get(url("create") + "?position=not-a-uuid").status_code == 404
    response = consultant_client.post(url("create"), {**FORM, "position": str(theirs.id)})
    assert response.status_code == 200
    assert "position" in response.context["form"].errors
    assert not JobAd.objects.exists()


def test_create_for_an_ended_assignment_says_so(consultant_client, agency):
    position = make_position(agency)
    Assignment.objects.filter(pk=position.assignment_id).update(
        status=AssignmentStatus.ENDED, ended_at=NOW
    )
    response = consultant_client.get(url("create") + f"?position={position.id}", **EN)
    assert 'data-testid="position-ended"' in response.content.decode()
    response = consultant_client.post(url("create"), {**FORM, "position": str(position.id)})
    assert not JobAd.objects.exists()


def test_p15_the_form_warns_about_a_confidential_client(consultant_client, agency):
    position = make_position(agency, confidential=True)
    response = consultant_client.get(url("create") + f"?position={position.id}")
    assert 'data-testid="confidential-client"' in response.content.decode()


# Detail


def test_the_detail_shows_the_code_the_record_and_a_preview(consultant_client, agency):
    ad = published(agency)
    response = consultant_client.get(url("detail", ad), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    code = ad.verification_code
    assert f'<code data-testid="verification-code">{code[:4]}-{code[4:]}</code>' in body
    assert 'data-testid="publications"' in body
    assert f"/jobs/{ad.id}/" in body
    assert 'data-testid="preview"' in body
    assert "Fast stilling på lager." in body
    assert url("publication_add", ad) in body


def test_the_detail_of_another_agencys_ad_is_not_found(consultant_client, other_agency):
    ad = published(other_agency)
    for name in ("detail", "edit", "publish"):
        assert consultant_client.get(url(name, ad)).status_code == 404, name
    assert consultant_client.post(url("publish", ad)).status_code == 404
    assert consultant_client.post(url("close", ad)).status_code == 404
    assert consultant_client.post(url("edit", ad), FORM).status_code == 404
    response = consultant_client.post(
        url("publication_add", ad),
        {"channel": "finn", "url": "https://finn.no/job/1", "published_on": "2026-03-02"},
    )
    assert response.status_code == 404
    own = AdPublication.objects.get(ad=ad)
    remove = url("publication_remove", ad, publication_id=own.id)
    assert consultant_client.post(remove).status_code == 404
    own.refresh_from_db()
    assert own.removed_on is None
    assert AdPublication.objects.filter(ad=ad).count() == 1
    ad.refresh_from_db()
    assert ad.status == AdStatus.PUBLISHED


def test_p15_the_detail_warns_when_the_ad_names_a_confidential_client(consultant_client, agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS")
    ad = draft(
        agency,
        position=make_position(agency, client=hidden, confidential=True),
        body="Jobb hos Hemmelig Kunde.",
    )
    body = consultant_client.get(url("detail", ad)).content.decode()
    assert 'data-testid="names-client"' in body


# Edit


def test_edit_changes_the_ad(consultant_client, agency):
    ad = draft(agency)
    page = consultant_client.get(url("edit", ad))
    assert page.context["form"].initial["title"] == "Lagermedarbeider"
    response = consultant_client.post(url("edit", ad), {**FORM, "title": "Truckfører"})
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.title == "Truckfører"


def test_edit_refuses_bad_input_and_changes_nothing(consultant_client, agency):
    ad = draft(agency)
    response = consultant_client.post(url("edit", ad), {**FORM, "body": "", "title": "Ny tittel"})
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert 'value="Ny tittel"' in response.content.decode()
    ad.refresh_from_db()
    assert ad.title == "Lagermedarbeider"


def test_p15_editing_a_published_ad_to_name_the_client_is_refused(consultant_client, agency):
    hidden = make_client(agency, name="Hemmelig Kunde AS")
    ad = published(agency, position=make_position(agency, client=hidden, confidential=True))
    response = consultant_client.post(
        url("edit", ad), {**FORM, "title": "Lager hos Hemmelig Kunde AS"}, **EN
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "the client is confidential" in response.content.decode()
    ad.refresh_from_db()
    assert ad.title == "Lagermedarbeider"


def test_a_closed_ad_cannot_be_edited(consultant_client, agency):
    ad = published(agency)
    services.ad_close(agency=agency, actor=Actor.system(), ad_id=ad.id, now=NOW)
    response = consultant_client.get(url("edit", ad))
    assert response.status_code == 302
    assert response["Location"] == url("detail", ad)


# Publish and close


def test_publish_page_and_publishing(consultant_client, agency):
    ad = draft(agency)
    page = consultant_client.get(url("publish", ad))
    assert page.status_code == 200
    response = consultant_client.post(url("publish", ad))
    assert response.status_code == 302
    assert response["Location"] == url("detail", ad)
    ad.refresh_from_db()
    assert ad.status == AdStatus.PUBLISHED
    assert ad.publications.get().channel == Channel.OWN_SITE


def test_p15_publishing_an_ad_that_names_the_confidential_client_is_refused(
    consultant_client, agency
):
    hidden = make_client(agency, name="Hemmelig Kunde AS")
    ad = draft(
        agency,
        position=make_position(agency, client=hidden, confidential=True),
        title="Lager hos Hemmelig Kunde AS",
    )
    page = consultant_client.get(url("publish", ad), **EN)
    assert 'data-testid="names-client"' in page.content.decode()
    response = consultant_client.post(url("publish", ad), **EN)
    assert response.status_code == 400
    assert 'data-testid="publish-error"' in response.content.decode()
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT
    assert not AdPublication.objects.exists()


def test_publishing_twice_says_so(consultant_client, agency):
    ad = published(agency)
    response = consultant_client.post(url("publish", ad), **EN)
    assert response.status_code == 400
    assert "Only a draft can be published." in response.content.decode()


def test_close(consultant_client, agency):
    ad = published(agency)
    assert consultant_client.get(url("close", ad)).status_code == 405
    response = consultant_client.post(url("close", ad))
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.status == AdStatus.CLOSED


def test_closing_a_draft_says_why_not(consultant_client, agency):
    ad = draft(agency)
    response = consultant_client.post(url("close", ad), follow=True, **EN)
    assert "Only a published ad can be closed." in response.content.decode()
    ad.refresh_from_db()
    assert ad.status == AdStatus.DRAFT


# The publication record


def test_p14_record_and_remove_a_publication(consultant_client, agency):
    ad = published(agency)
    response = consultant_client.post(
        url("publication_add", ad),
        {"channel": "finn", "url": "https://www.finn.no/job/ad/1", "published_on": "2026-03-02"},
    )
    assert response.status_code == 302
    finn = ad.publications.get(channel=Channel.FINN)
    assert finn.url_key == "finn.no/job/ad/1"
    response = consultant_client.post(
        url("publication_remove", ad, publication_id=finn.id), {"removed_on": "2026-03-04"}
    )
    assert response.status_code == 302
    finn.refresh_from_db()
    assert finn.removed_on == dt.date(2026, 3, 4)


def test_p14_a_bad_publication_is_refused_and_keeps_what_was_typed(consultant_client, agency):
    ad = published(agency)
    response = consultant_client.post(
        url("publication_add", ad),
        {"channel": "other", "channel_name": "", "url": "finn.no/x", "published_on": "2026-03-02"},
        **EN,
    )
    assert response.status_code == 400
    form = response.context["publication_form"]
    assert "url" in form.errors
    assert "channel_name" in form.errors
    assert 'value="finn.no/x"' in response.content.decode()
    assert ad.publications.count() == 1


def test_p14_a_removal_before_publication_is_refused_with_a_message(consultant_client, agency):
    ad = published(agency)
    own = ad.publications.get()
    response = consultant_client.post(
        url("publication_remove", ad, publication_id=own.id),
        {"removed_on": "2026-01-01"},
        follow=True,
        **EN,
    )
    assert "The ad cannot be removed before it was published." in response.content.decode()
    own.refresh_from_db()
    assert own.removed_on is None


def test_p14_a_draft_has_no_publication_form(consultant_client, agency):
    ad = draft(agency)
    body = consultant_client.get(url("detail", ad)).content.decode()
    assert url("publication_add", ad) not in body
    response = consultant_client.post(
        url("publication_add", ad),
        {"channel": "finn", "url": "https://finn.no/job/1", "published_on": "2026-03-02"},
    )
    assert response.status_code == 302
    assert not AdPublication.objects.exists()
