"""The staff pages for employments (P-19): the list, the employment page with its payroll
records, employing a candidate, ending an employment and recording a month's pay; the
audit events of every view (P-28), and that no other agency's employment can be reached."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fortrolig.accounts.models import Role
from fortrolig.assignments.models import AssignmentStatus
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import login_verified, make_client, make_position, make_staff
from fortrolig.core import clock
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.tests.support import (
    NATIONAL_ID,
    employ,
    make_employee_candidate,
    make_staffing_assignment,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/staffing/"


def _today():
    return timezone.localdate(clock.now())


def _detail(employment) -> str:
    return reverse("staffing:detail", kwargs={"employment_id": employment.id})


def _events(action: str):
    return AuditEvent.objects.filter(action=action)


def _audit_text(event: AuditEvent) -> str:
    """The columns of an event that could carry a value. IDs and hashes are random hex, so
    a short number would turn up in them by chance."""
    return " ".join(
        [event.actor_type, event.action, event.subject_type, event.purpose, *event.fields]
    )


def _assert_no_personal_values(*values: str) -> None:
    for event in AuditEvent.objects.all():
        text = _audit_text(event)
        for value in values:
            assert value not in text


@pytest.fixture
def other_employment(other_agency):
    return employ(other_agency, make_employee_candidate(other_agency, first_name="Annen"))


# --- access ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login(client, agency):
    employment = employ(agency)
    for url in (
        LIST_URL,
        _detail(employment),
        reverse("staffing:create") + f"?candidate={employment.candidate_id}",
        reverse("staffing:candidate_section", kwargs={"candidate_id": employment.candidate_id}),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"] or "login" in response["Location"]
    response = client.post(reverse("staffing:end", kwargs={"employment_id": employment.id}))
    assert response.status_code == 302
    assert Employment.objects.get().ended_on is None


def test_half_logged_in_staff_is_sent_to_the_login(client, agency):
    user = make_staff(agency, email="halv@nordlys.example.com")
    client.force_login(user)
    response = client.get(LIST_URL)
    assert response.status_code == 302


def test_the_navigation_links_to_the_employments(consultant_client):
    response = consultant_client.get(reverse("core:dashboard"))
    assert f'href="{LIST_URL}"' in response.content.decode()


# --- the list -------------------------------------------------------------------------


def test_p28_list_shows_ongoing_first_and_records_a_listed_event_per_row(
    consultant_client, agency, other_employment
):
    ended = employ(agency, make_employee_candidate(agency, first_name="Eldre"), days_ago=200)
    ended.ended_on = _today() - timedelta(days=100)
    ended.save(update_fields=["ended_on"])
    ongoing = employ(
        agency,
        make_employee_candidate(agency, first_name="Nyere"),
        make_staffing_assignment(agency, 1, "Innleie av sjåfører"),
    )
    response = consultant_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Nyere Testesen") < body.index("Eldre Testesen")
    assert "Innleie av sjåfører" in body and "80 %" in body
    assert "Annen" not in body  # another agency's employee
    assert NATIONAL_ID not in body
    listed = _events("staffing.employment.listed")
    assert {event.subject_id for event in listed} == {ended.id, ongoing.id}
    assert all(event.agency_id == agency.id and event.purpose == "list" for event in listed)
    assert "employee_name" in listed[0].fields
    _assert_no_personal_values("Testesen", "Nyere", "Eldre", NATIONAL_ID, "solveig")


def test_empty_list_renders_and_records_nothing(consultant_client):
    response = consultant_client.get(LIST_URL)
    assert response.status_code == 200
    assert 'data-testid="result-count"' in response.content.decode()
    assert not _events("staffing.employment.listed").exists()


def test_list_pages(consultant_client, agency):
    assignment = make_staffing_assignment(agency)
    for index in range(26):
        employ(agency, make_employee_candidate(agency, first_name=f"Person{index:02d}"), assignment)
    first = consultant_client.get(LIST_URL)
    second = consultant_client.get(LIST_URL + "?page=2")
    assert first.content.decode().count('data-testid="employment-row"') == 25
    assert second.content.decode().count('data-testid="employment-row"') == 1
    assert consultant_client.get(LIST_URL + "?page=abc").status_code == 200
    assert _events("staffing.employment.listed").count() == 25 + 1 + 25


# --- the employment page --------------------------------------------------------------


def test_p28_detail_masks_the_national_id_and_records_a_view(consultant_client, agency):
    employment = employ(agency)
    response = consultant_client.get(_detail(employment))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Solveig Testesen" in body and "Innleie av lagerarbeidere" in body
    assert NATIONAL_ID not in body
    assert "345" in body.split('data-testid="national-id">')[1].split("<")[0]
    [event] = _events("staffing.employment.viewed")
    assert event.subject_id == employment.id
    assert "national_id" in event.fields
    _assert_no_personal_values("Testesen", NATIONAL_ID, "solveig")


@pytest.mark.parametrize("kind", ["detail", "end", "payroll_add"])
def test_another_agencys_employment_is_not_found(consultant_client, other_employment, kind):
    url = reverse(f"staffing:{kind}", kwargs={"employment_id": other_employment.id})
    if kind == "detail":
        response = consultant_client.get(url)
    elif kind == "end":
        response = consultant_client.post(url, {"ended_on": _today().isoformat()})
    else:
        response = consultant_client.post(
            url,
            {
                "period": _today().strftime("%Y-%m"),
                "paid_on": _today().isoformat(),
                "gross_pay": "1",
            },
        )
    assert response.status_code == 404
    assert "Annen" not in response.content.decode()
    other_employment.refresh_from_db()
    assert other_employment.ended_on is None
    assert not PayrollRecord.objects.exists()
    assert (
        not AuditEvent.objects.filter(subject_id=other_employment.id)
        .exclude(action="staffing.employment.started")
        .exists()
    )


def test_an_unknown_employment_is_not_found(consultant_client):
    response = consultant_client.get(
        reverse("staffing:detail", kwargs={"employment_id": uuid.uuid4()})
    )
    assert response.status_code == 404


# --- employing a candidate ------------------------------------------------------------


def _start_url(candidate) -> str:
    return reverse("staffing:create") + f"?candidate={candidate.id}"


def _start_form(assignment, **changes) -> dict[str, str]:
    values = {
        "assignment": str(assignment.id),
        "position_percentage": "37,5",
        "salary_basis": "hourly",
        "salary_amount": "245,50",
        "started_on": (_today() - timedelta(days=3)).isoformat(),
    }
    values.update(changes)
    return values


def test_the_form_offers_only_the_agencys_open_staffing_assignments(
    consultant_client, agency, other_agency
):
    candidate = make_employee_candidate(agency)
    make_staffing_assignment(agency, 0, "Innleie av lagerarbeidere")
    recruitment = make_position(
        agency, client=make_client(agency, index=1), assignment_title="Rekruttering av leder"
    )
    ended = make_staffing_assignment(agency, 2, "Avsluttet innleie")
    ended.status = AssignmentStatus.ENDED
    ended.ended_at = clock.now()
    ended.save(update_fields=["status", "ended_at"])
    make_staffing_assignment(other_agency, 3, "Fremmed innleie")
    response = consultant_client.get(_start_url(candidate))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Innleie av lagerarbeidere" in body
    assert recruitment.assignment.title not in body
    assert "Avsluttet innleie" not in body and "Fremmed innleie" not in body
    assert 'type="date"' in body


def test_p19_a_good_post_employs_and_redirects(consultant_client, agency):
    candidate = make_employee_candidate(agency)
    assignment = make_staffing_assignment(agency)
    response = consultant_client.post(_start_url(candidate), _start_form(assignment))
    employment = Employment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(employment)
    assert employment.candidate_id == candidate.id
    assert employment.position_percentage == Decimal("37.5")
    assert employment.salary_amount == Decimal("245.50")
    assert employment.national_id == NATIONAL_ID
    assert _events("staffing.employment.started").get().subject_id == employment.id
    _assert_no_personal_values("Testesen", NATIONAL_ID, "solveig", "245")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"position_percentage": "150"}, "Oppgi en stillingsprosent over 0 og høyst 100."),
        ({"position_percentage": ""}, "Oppgi en stillingsprosent over 0 og høyst 100."),
        (
            {"salary_amount": "mange"},
            "Oppgi et beløp på 0 eller mer, i kroner, med høyst to desimaler.",
        ),
        ({"started_on": ""}, "Feltet er påkrevet."),
    ],
)
def test_p19_bad_input_shows_the_norwegian_error_and_stores_nothing(
    consultant_client, agency, changes, message
):
    candidate = make_employee_candidate(agency)
    assignment = make_staffing_assignment(agency)
    response = consultant_client.post(_start_url(candidate), _start_form(assignment, **changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'role="alert"' in body
    assert not Employment.objects.exists()
    assert not _events("staffing.employment.started").exists()


def test_p19_a_second_employment_on_the_same_assignment_is_refused(consultant_client, agency):
    candidate = make_employee_candidate(agency)
    assignment = make_staffing_assignment(agency)
    employ(agency, candidate, assignment)
    response = consultant_client.post(_start_url(candidate), _start_form(assignment))
    assert response.status_code == 200
    assert "Kandidaten er allerede ansatt på dette oppdraget." in response.content.decode()
    assert Employment.objects.count() == 1


def test_p23_a_restricted_candidate_is_not_employed(consultant_client, agency):
    candidate = make_employee_candidate(agency, restricted=True)
    assignment = make_staffing_assignment(agency)
    response = consultant_client.post(_start_url(candidate), _start_form(assignment))
    assert response.status_code == 200
    assert "Behandlingen av kandidaten er begrenset." in response.content.decode()
    assert not Employment.objects.exists()


def test_another_agencys_candidate_or_assignment_is_not_found(
    consultant_client, agency, other_agency
):
    foreign = make_employee_candidate(other_agency)
    assignment = make_staffing_assignment(agency)
    assert consultant_client.get(_start_url(foreign)).status_code == 404
    response = consultant_client.post(_start_url(foreign), _start_form(assignment))
    assert response.status_code == 404
    # Another agency's assignment is not among the choices: the form refuses it.
    candidate = make_employee_candidate(agency, email="b@example.com")
    foreign_assignment = make_staffing_assignment(other_agency, 1)
    response = consultant_client.post(_start_url(candidate), _start_form(foreign_assignment))
    assert response.status_code == 200
    assert not Employment.objects.filter(agency=agency).exists()
    assert consultant_client.get(reverse("staffing:create") + "?candidate=nope").status_code == 404
    assert consultant_client.get(reverse("staffing:create")).status_code == 404


# --- ending and payroll ---------------------------------------------------------------


def test_p19_ending_sets_the_date_and_redirects(consultant_client, agency):
    employment = employ(agency)
    response = consultant_client.post(
        reverse("staffing:end", kwargs={"employment_id": employment.id}),
        {"ended_on": _today().isoformat()},
    )
    assert response.status_code == 302
    employment.refresh_from_db()
    assert employment.ended_on == _today()
    assert employment.erase_after is not None
    assert _events("staffing.employment.ended").get().fields == ["ended_on"]


@pytest.mark.parametrize(
    ("ended_on", "message"),
    [
        ("", "Feltet er påkrevet."),
        ("future", "Datoen kan ikke være fram i tid."),
        ("before", "Sluttdatoen kan ikke være før startdatoen."),
    ],
)
def test_p19_a_bad_end_date_is_shown_on_the_page_and_changes_nothing(
    consultant_client, agency, ended_on, message
):
    employment = employ(agency)
    value = {
        "": "",
        "future": (_today() + timedelta(days=2)).isoformat(),
        "before": (employment.started_on - timedelta(days=1)).isoformat(),
    }[ended_on]
    response = consultant_client.post(
        reverse("staffing:end", kwargs={"employment_id": employment.id}), {"ended_on": value}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    employment.refresh_from_db()
    assert employment.ended_on is None
    assert not _events("staffing.employment.ended").exists()


def test_p19_ending_twice_is_explained(consultant_client, agency):
    employment = employ(agency)
    url = reverse("staffing:end", kwargs={"employment_id": employment.id})
    consultant_client.post(url, {"ended_on": _today().isoformat()})
    response = consultant_client.post(url, {"ended_on": _today().isoformat()})
    assert response.status_code == 200
    assert "Ansettelsen er allerede avsluttet." in response.content.decode()
    assert _events("staffing.employment.ended").count() == 1


def _payroll(http, employment, **changes):
    values = {
        "period": employment.started_on.strftime("%Y-%m"),
        "paid_on": _today().isoformat(),
        "gross_pay": "45 000,00",
        "hours": "",
    }
    values.update(changes)
    return http.post(
        reverse("staffing:payroll_add", kwargs={"employment_id": employment.id}), values
    )


def test_p19_recording_pay_stores_the_month_and_shows_it(consultant_client, agency):
    employment = employ(agency)
    response = _payroll(consultant_client, employment, hours="120,5")
    assert response.status_code == 302
    assert response["Location"].endswith("#payroll")
    payroll = PayrollRecord.objects.get()
    assert payroll.period == employment.started_on.replace(day=1)
    assert payroll.gross_pay == Decimal("45000")
    assert payroll.hours == Decimal("120.5")
    assert payroll.position_percentage == Decimal("80")
    event = _events("staffing.payroll.recorded").get()
    assert "gross_pay" in event.fields
    _assert_no_personal_values("45000", "120.5")
    page = consultant_client.get(_detail(employment)).content.decode()
    assert page.count('data-testid="payroll-row"') == 1
    assert 'type="month"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"gross_pay": "-5"}, "Oppgi et beløp på 0 eller mer, i kroner, med høyst to desimaler."),
        ({"hours": "800"}, "Oppgi timene som et tall fra 0 til 744."),
        ({"period": ""}, "Feltet er påkrevet."),
        ({"period": "1999-01"}, "Måneden ligger utenfor ansettelsen."),
    ],
)
def test_p19_bad_pay_is_shown_on_the_page_and_stores_nothing(
    consultant_client, agency, changes, message
):
    employment = employ(agency)
    response = _payroll(consultant_client, employment, **changes)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'id="payroll-add" open' in body
    assert not PayrollRecord.objects.exists()
    assert not _events("staffing.payroll.recorded").exists()


def test_p19_the_same_month_twice_is_refused(consultant_client, agency):
    employment = employ(agency)
    _payroll(consultant_client, employment)
    response = _payroll(consultant_client, employment)
    assert "Lønn for denne måneden er allerede registrert." in response.content.decode()
    assert PayrollRecord.objects.count() == 1


def test_a_manager_may_change_too(client, agency):
    login_verified(client, make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER))
    employment = employ(agency)
    assert _payroll(client, employment).status_code == 302


def test_p24_p20_managers_reach_the_employees_request_and_export_from_the_page(
    client, consultant_client, agency
):
    import io
    import json
    import zipfile

    employment = employ(agency)
    register = (
        f"{reverse('requests:register')}?subject_type=employee&amp;subject_id={employment.id}"
    )
    export = reverse("export:subject", args=["employee", employment.id])
    # Consultants do not handle privacy requests.
    consultant_page = consultant_client.get(_detail(employment)).content.decode()
    assert register not in consultant_page and export not in consultant_page
    login_verified(client, make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER))
    page = client.get(_detail(employment)).content.decode()
    assert register in page and export in page
    response = client.post(export)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        doc = json.loads(archive.read("export.json"))
    assert doc["subject"] == {"type": "employee", "id": str(employment.id)}
    assert "export.pdf" in archive.namelist()


# --- the candidate page ---------------------------------------------------------------


def test_p28_the_candidate_page_lists_employments_and_records_them(consultant_client, agency):
    candidate = make_employee_candidate(agency)
    employment = employ(agency, candidate)
    employ(
        agency,
        make_employee_candidate(agency, first_name="Andre", email="andre@example.com"),
        make_staffing_assignment(agency, 1, "Innleie av sjåfører"),
    )
    page = consultant_client.get(
        reverse("candidates:detail", kwargs={"candidate_id": candidate.id})
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("staffing:candidate_section", kwargs={"candidate_id": candidate.id}) in body
    assert f"{reverse('staffing:create')}?candidate={candidate.id}" in body
    section = consultant_client.get(
        reverse("staffing:candidate_section", kwargs={"candidate_id": candidate.id})
    )
    assert section.status_code == 200
    assert _detail(employment) in section.content.decode()
    assert "Innleie av lagerarbeidere" in section.content.decode()
    listed = _events("staffing.employment.listed").get()
    assert listed.subject_id == employment.id and listed.purpose == "candidate"
    full = consultant_client.get(
        reverse("staffing:candidate", kwargs={"candidate_id": candidate.id})
    )
    assert full.status_code == 200 and _detail(employment) in full.content.decode()


def test_the_candidate_section_shows_nothing_of_another_agency(consultant_client, other_employment):
    response = consultant_client.get(
        reverse(
            "staffing:candidate_section", kwargs={"candidate_id": other_employment.candidate_id}
        )
    )
    assert response.status_code == 200
    assert _detail(other_employment) not in response.content.decode()
    assert not _events("staffing.employment.listed").exists()


def test_a_second_agency_staff_sees_only_its_own(client, agency, other_agency):
    employ(agency)
    theirs = employ(other_agency, make_employee_candidate(other_agency, first_name="Fjellets"))
    login_verified(client, make_staff(other_agency, email="radgiver@fjellet.example.com"))
    body = client.get(LIST_URL).content.decode()
    assert "Fjellets" in body and "Solveig" not in body
    assert client.get(_detail(theirs)).status_code == 200
