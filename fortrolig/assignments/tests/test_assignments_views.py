"""The staff pages for assignments and positions, and the manager's pipeline page. The
rules are tested with the services; these test what the pages do."""

import pytest
from django.urls import reverse

from fortrolig.assignments.models import Assignment, AssignmentStatus, PipelineStage, Position
from fortrolig.assignments.services import assignment_end
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_client, make_position

from .conftest import NOW, new_assignment

pytestmark = pytest.mark.django_db

NB = {"HTTP_ACCEPT_LANGUAGE": "nb"}


def _form(company, **overrides):
    data = {
        "client": str(company.id),
        "title": "Sommerjobb lager",
        "kind": "staffing",
        "description": "Vikarer til sommeren.",
        "responsible": "",
        "starts_on": "2026-05-04",
        "ends_on": "2026-08-28",
        "position-title": "Lagervikar",
        "position-location": "Os",
        "position-openings": "4",
        "position-requires_police_certificate": "on",
    }
    data.update(overrides)
    return data


def test_staff_pages_need_a_login(client, assignment):
    response = client.get(reverse("assignments:detail", kwargs={"assignment_id": assignment.id}))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_create_an_assignment_with_its_first_position(staff_client, agency, company):
    response = staff_client.post(reverse("assignments:create"), _form(company))
    assignment = Assignment.objects.get(agency=agency)
    assert response["Location"] == reverse(
        "assignments:detail", kwargs={"assignment_id": assignment.id}
    )
    position = assignment.positions.get()
    assert (position.title, position.openings) == ("Lagervikar", 4)
    assert position.requires_police_certificate and not position.requires_credit_check
    page = staff_client.get(response["Location"])
    body = page.content.decode()
    assert "Sommerjobb lager" in body
    assert "Lagervikar" in body
    assert reverse("assignments:board", kwargs={"position_id": position.id}) in body
    assert f"/staff/ads/new/?position={position.id}" in body


def test_create_without_a_position(staff_client, agency, company):
    staff_client.post(
        reverse("assignments:create"),
        _form(
            company,
            **{
                "position-title": "",
                "position-location": "",
                "position-requires_police_certificate": "",
            },
        ),
    )
    assert Assignment.objects.get(agency=agency).positions.count() == 0


def test_a_half_filled_first_position_is_refused_and_kept(staff_client, company):
    response = staff_client.post(
        reverse("assignments:create"), _form(company, **{"position-title": ""}), **NB
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gi stillingen en tittel, eller la alt stå tomt." in body
    assert 'value="Os"' in body
    assert not Assignment.objects.exists()


def test_bad_input_is_refused_in_norwegian_and_keeps_what_was_typed(staff_client, company):
    response = staff_client.post(
        reverse("assignments:create"),
        _form(company, title="Mitt spesielle oppdrag", ends_on="2026-05-01"),
        **NB,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Planlagt sluttdato kan ikke være før startdatoen." in body
    assert 'value="Mitt spesielle oppdrag"' in body
    assert 'value="Lagervikar"' in body
    assert not Assignment.objects.exists()


def test_another_agencys_client_cannot_be_chosen(staff_client, other_agency):
    theirs = make_client(other_agency, name="Deres Kunde AS", index=1)
    response = staff_client.post(reverse("assignments:create"), _form(theirs), **NB)
    assert response.status_code == 200
    assert "Deres Kunde AS" not in response.content.decode()
    assert not Assignment.objects.exists()


def test_p08_the_prepayment_flag_is_shown_on_the_assignment_pages(staff_client, agency, actor):
    flagged = make_client(agency, name="Usikker Betaler AS", index=2, prepayment_required=True)
    assignment = new_assignment(agency, actor, flagged)
    for name in ("detail", "edit"):
        page = staff_client.get(
            reverse(f"assignments:{name}", kwargs={"assignment_id": assignment.id})
        )
        assert 'data-testid="prepayment-flag"' in page.content.decode(), name
    create = staff_client.get(reverse("assignments:create"), **NB)
    assert "Usikker Betaler AS (" in create.content.decode()


def test_edit_keeps_what_was_typed_on_bad_input(staff_client, assignment, company):
    url = reverse("assignments:edit", kwargs={"assignment_id": assignment.id})
    page = staff_client.get(url)
    assert 'value="Lagerteam Bergen"' in page.content.decode()
    response = staff_client.post(url, _form(company, title="Endret tittel", starts_on=""), **NB)
    assert response.status_code == 200
    assert 'value="Endret tittel"' in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.title == "Lagerteam Bergen"
    response = staff_client.post(url, _form(company, title="Endret tittel"))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.title == "Endret tittel"


def test_list_shows_the_agencys_assignments_only(staff_client, assignment, other_agency):
    make_position(
        other_agency, client=make_client(other_agency, index=1), assignment_title="Hemmelig"
    )
    response = staff_client.get(reverse("assignments:list"))
    body = response.content.decode()
    assert "Lagerteam Bergen" in body
    assert "Hemmelig" not in body
    filtered = staff_client.get(reverse("assignments:list"), {"status": "ended"})
    assert "Lagerteam Bergen" not in filtered.content.decode()


def test_another_agencys_assignment_pages_are_404(staff_client, other_agency):
    theirs = make_position(other_agency, client=make_client(other_agency, index=1))
    ids = {"assignment_id": theirs.assignment_id}
    for name in ("detail", "edit", "end", "position_add"):
        assert staff_client.get(reverse(f"assignments:{name}", kwargs=ids)).status_code == 404
    assert staff_client.post(reverse("assignments:release", kwargs=ids)).status_code == 404
    assert staff_client.post(reverse("assignments:end", kwargs=ids)).status_code == 404
    pos = {"position_id": theirs.id}
    assert staff_client.get(reverse("assignments:position_edit", kwargs=pos)).status_code == 404
    assert staff_client.post(reverse("assignments:position_remove", kwargs=pos)).status_code == 404
    assert Position.objects.filter(pk=theirs.id).exists()
    theirs.assignment.refresh_from_db()
    assert theirs.assignment.status == AssignmentStatus.OPEN


def test_p15_release_button_releases_the_name_once(staff_client, agency, actor, company):
    assignment = new_assignment(agency, actor, company, confidential_client=True)
    detail = reverse("assignments:detail", kwargs={"assignment_id": assignment.id})
    release = reverse("assignments:release", kwargs={"assignment_id": assignment.id})
    assert release in staff_client.get(detail).content.decode()
    response = staff_client.post(release)
    assert response["Location"] == detail
    assignment.refresh_from_db()
    assert assignment.client_name_released_at is not None
    page = staff_client.get(detail).content.decode()
    assert release not in page
    again = staff_client.post(release, follow=True, **NB)
    assert "allerede" in again.content.decode()
    assert AuditEvent.objects.filter(action="assignment.client_released").count() == 1


def test_p15_release_is_refused_for_a_client_that_is_not_confidential(staff_client, assignment):
    release = reverse("assignments:release", kwargs={"assignment_id": assignment.id})
    assert (
        release
        not in staff_client.get(
            reverse("assignments:detail", kwargs={"assignment_id": assignment.id})
        ).content.decode()
    )
    page = staff_client.post(release, follow=True, **NB)
    assert "ikke konfidensiell" in page.content.decode()
    assignment.refresh_from_db()
    assert assignment.client_name_released_at is None


def test_ending_asks_first_and_then_ends(staff_client, assignment):
    url = reverse("assignments:end", kwargs={"assignment_id": assignment.id})
    confirm = staff_client.get(url, **NB)
    assert confirm.status_code == 200
    assert "Bakgrunnssjekker" in confirm.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.OPEN
    response = staff_client.post(url)
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ENDED
    again = staff_client.post(url, follow=True, **NB)
    assert "allerede avsluttet" in again.content.decode()


def test_position_pages_add_edit_and_remove(staff_client, assignment):
    add = reverse("assignments:position_add", kwargs={"assignment_id": assignment.id})
    bad = staff_client.post(add, {"title": "Vekter", "openings": "0"}, **NB)
    assert bad.status_code == 200
    assert 'value="Vekter"' in bad.content.decode()
    staff_client.post(
        add,
        {
            "title": "Vekter",
            "location": "Flesland",
            "openings": "2",
            "requires_security_clearance": "on",
        },
    )
    position = Position.objects.get(title="Vekter")
    assert position.requires_security_clearance
    edit = reverse("assignments:position_edit", kwargs={"position_id": position.id})
    staff_client.post(edit, {"title": "Vekter", "openings": "3", "requires_credit_check": "on"})
    position.refresh_from_db()
    assert (position.openings, position.requires_credit_check) == (3, True)
    assert not position.requires_security_clearance
    staff_client.post(reverse("assignments:position_remove", kwargs={"position_id": position.id}))
    assert not Position.objects.filter(pk=position.id).exists()


def test_a_position_with_applications_is_kept_with_a_message(staff_client, application, position):
    response = staff_client.post(
        reverse("assignments:position_remove", kwargs={"position_id": position.id}),
        follow=True,
        **NB,
    )
    assert "kan ikke fjernes" in response.content.decode()
    assert Position.objects.filter(pk=position.id).exists()


def test_an_ended_assignment_shows_no_change_buttons(staff_client, agency, assignment):
    assignment_end(agency=agency, actor=Actor.system(), assignment_id=assignment.id, now=NOW)
    body = staff_client.get(
        reverse("assignments:detail", kwargs={"assignment_id": assignment.id})
    ).content.decode()
    assert reverse("assignments:edit", kwargs={"assignment_id": assignment.id}) not in body
    assert 'data-testid="ended"' in body


# --- the pipeline page ------------------------------------------------------------------


def test_the_pipeline_page_is_for_managers(staff_client):
    assert staff_client.get(reverse("assignments:stages")).status_code == 403


def test_a_manager_configures_the_stages(manager_staff_client, agency):
    url = reverse("assignments:stages")
    page = manager_staff_client.get(url)
    assert page.status_code == 200
    assert "Ny søknad" in page.content.decode()
    bad = manager_staff_client.post(
        url, {"name_nb": "Intervju", "name_en": "Round two", "outcome": "open"}, **NB
    )
    assert bad.status_code == 200
    assert 'value="Round two"' in bad.content.decode()
    assert "Et annet steg har allerede dette navnet." in bad.content.decode()
    manager_staff_client.post(
        url, {"name_nb": "Andre intervju", "name_en": "Second interview", "outcome": "open"}
    )
    stage = PipelineStage.objects.get(agency=agency, name_nb="Andre intervju")
    manager_staff_client.post(
        reverse("assignments:stage_rename", kwargs={"stage_id": stage.id}),
        {"name_nb": "Intervju 2", "name_en": "Interview 2"},
    )
    stage.refresh_from_db()
    assert stage.name_nb == "Intervju 2"
    manager_staff_client.post(
        reverse("assignments:stage_shift", kwargs={"stage_id": stage.id}), {"by": "-1"}
    )
    names = list(
        PipelineStage.objects.filter(agency=agency, archived_at__isnull=True)
        .order_by("order")
        .values_list("name_nb", flat=True)
    )
    assert names[-2] == "Intervju 2"
    manager_staff_client.post(reverse("assignments:stage_archive", kwargs={"stage_id": stage.id}))
    stage.refresh_from_db()
    assert stage.archived_at is not None


def test_the_initial_stage_is_not_archived_from_the_page(manager_staff_client, agency):
    manager_staff_client.get(reverse("assignments:stages"))
    initial = PipelineStage.objects.get(agency=agency, is_initial=True)
    page = manager_staff_client.post(
        reverse("assignments:stage_archive", kwargs={"stage_id": initial.id}), follow=True, **NB
    )
    assert "kan ikke arkiveres" in page.content.decode()
    initial.refresh_from_db()
    assert initial.archived_at is None


def test_another_agencys_stage_pages_are_404(manager_staff_client, other_agency):
    from fortrolig.assignments.pipeline import pipeline_stages_ensure

    theirs = pipeline_stages_ensure(agency=other_agency, now=NOW)
    ids = {"stage_id": theirs.id}
    assert (
        manager_staff_client.get(reverse("assignments:stage_rename", kwargs=ids)).status_code == 404
    )
    assert (
        manager_staff_client.post(reverse("assignments:stage_archive", kwargs=ids)).status_code
        == 404
    )
    assert (
        manager_staff_client.post(
            reverse("assignments:stage_shift", kwargs=ids), {"by": "1"}
        ).status_code
        == 404
    )
