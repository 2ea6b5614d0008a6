"""The retention dashboard (P-18): overdue candidates (must be zero), erasures due per
month for 12 months, the last sweeps and the legal holds; for managers, per agency."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from fortrolig.candidates.models import Candidate
from fortrolig.conftest import login_verified, make_staff
from fortrolig.privacy.models import LegalHold
from fortrolig.privacy.retention import retention_dashboard, retention_sweep
from fortrolig.privacy.retention_views import chart_bars

from .test_retention_support import NOW, OSLO, make_candidate


def candidate_due_at(agency, moment, email="kari@example.com"):
    candidate = make_candidate(agency, last_activity_at=NOW, email=email, refresh=False)
    Candidate.objects.filter(pk=candidate.pk).update(erase_after=moment)
    return candidate


def test_p18_overdue_means_past_the_deadline_by_more_than_one_sweep_interval(agency):
    candidate_due_at(agency, NOW - timedelta(hours=25), "a@example.com")
    candidate_due_at(agency, NOW - timedelta(hours=1), "b@example.com")
    candidate_due_at(agency, NOW + timedelta(hours=1), "c@example.com")
    make_candidate(agency, last_activity_at=NOW, refresh=False, email="d@example.com")
    data = retention_dashboard(agency=agency, now=NOW)
    assert (data.overdue, data.due_now, data.not_computed) == (1, 1, 1)


def test_p18_erasures_due_per_month_for_twelve_months_in_oslo_months(agency, other_agency):
    candidate_due_at(agency, datetime(2026, 3, 20, tzinfo=UTC), "a@example.com")
    # 22:30 UTC on 30 April is 1 May in Oslo.
    candidate_due_at(agency, datetime(2026, 4, 30, 22, 30, tzinfo=UTC), "b@example.com")
    candidate_due_at(agency, datetime(2027, 2, 28, 12, tzinfo=OSLO), "c@example.com")
    candidate_due_at(agency, datetime(2027, 3, 5, tzinfo=UTC), "d@example.com")  # too far
    candidate_due_at(agency, NOW - timedelta(days=1), "e@example.com")  # overdue, not ahead
    candidate_due_at(other_agency, datetime(2026, 3, 20, tzinfo=UTC), "f@example.com")
    months = retention_dashboard(agency=agency, now=NOW).months
    assert [m.month for m in months][:3] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert months[-1].month == date(2027, 2, 1)
    assert [m.count for m in months] == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_p18_each_agency_sees_only_its_own_sweep_counts_and_holds(agency, other_agency):
    activity = datetime(2024, 1, 1, tzinfo=UTC)
    make_candidate(agency, last_activity_at=activity)
    make_candidate(other_agency, last_activity_at=activity, email="a@example.com")
    make_candidate(other_agency, last_activity_at=activity, email="b@example.com")
    theirs = make_candidate(other_agency, last_activity_at=NOW, email="c@example.com")
    LegalHold.objects.create(agency=other_agency, candidate=theirs, reason="Deres", set_at=NOW)
    with time_machine.travel(NOW, tick=False):
        retention_sweep(now=NOW)
    data = retention_dashboard(agency=agency, now=NOW)
    assert [row.erased for row in data.sweeps] == [1]
    assert data.holds == []
    assert [row.erased for row in retention_dashboard(agency=other_agency, now=NOW).sweeps] == [2]


def test_p18_chart_bars_scale_to_the_largest_month():
    from fortrolig.privacy.retention import MonthCount

    bars = chart_bars(
        [MonthCount(date(2026, m, 1), c) for m, c in [(1, 0), (2, 10), (3, 5), (4, 1)]]
    )
    assert [b.height for b in bars] == [0, 140, 70, 14]
    assert all(b.y + b.height == 160 for b in bars)
    assert chart_bars([]) == []


def test_p18_the_dashboard_page_shows_zero_overdue_in_green(manager_client, agency):
    with time_machine.travel(NOW, tick=False):
        response = manager_client.get(reverse("retention:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="ok" style="font-size: 2rem;" data-testid="overdue-count">0<' in body
    assert 'data-testid="months-chart"' in body
    assert "<script" not in body.split("</head>", 1)[1]


def test_p18_the_dashboard_shows_overdue_in_red_and_the_sweeps_and_holds(manager_client, agency):
    candidate_due_at(agency, NOW - timedelta(days=3), "a@example.com")
    held = make_candidate(agency, last_activity_at=NOW, email="h@example.com")
    LegalHold.objects.create(agency=agency, candidate=held, reason="Sak 2026-14", set_at=NOW)
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        retention_sweep(now=NOW - timedelta(days=10), dry_run=True)
    with time_machine.travel(NOW, tick=False):
        response = manager_client.get(reverse("retention:dashboard"))
    body = response.content.decode()
    assert 'class="bad" style="font-size: 2rem;" data-testid="overdue-count">1<' in body
    assert body.count('data-testid="sweep-row"') == 1
    assert "Sak 2026-14" in body
    assert reverse("candidates:detail", kwargs={"candidate_id": held.id}) in body
    # IDs only: no names or addresses of the people on the dashboard.
    assert "Kari" not in body and "h@example.com" not in body


def test_p18_the_dashboard_is_for_managers(client, agency):
    response = client.get(reverse("retention:dashboard"))
    assert response.status_code == 302
    login_verified(client, make_staff(agency, email="radgiver@nordlys.example.com"))
    assert client.get(reverse("retention:dashboard")).status_code == 403


@pytest.mark.parametrize("language", ["nb", "en"])
def test_p18_the_dashboard_renders_in_both_languages(manager_client, agency, language):
    response = manager_client.get(reverse("retention:dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


@pytest.mark.django_db
def test_p18_p19_the_dashboard_counts_every_other_kind_past_its_deadline(
    manager_client, agency, other_agency
):
    from fortrolig.conftest import make_position
    from fortrolig.core.crypto import data_key_create
    from fortrolig.staffing.models import Employment, PayrollRecord

    def payroll(owner, erase_after):
        employment = Employment.objects.create(
            agency=owner,
            data_key=data_key_create(agency=owner),
            assignment=make_position(owner).assignment,
            employee_name="Ola Testmann",
            position_percentage=100,
            salary_basis="monthly",
            salary_amount=40000,
            started_on=date(2019, 1, 1),
        )
        return PayrollRecord.objects.create(
            agency=owner,
            employment=employment,
            period=date(2019, 1, 1),
            paid_on=date(2019, 1, 25),
            gross_pay=40000,
            position_percentage=100,
            erase_after=erase_after,
        )

    payroll(agency, NOW - timedelta(days=2))
    payroll(other_agency, NOW - timedelta(days=2))
    data = retention_dashboard(agency=agency, now=NOW)
    counts = {item.label: item.count for item in data.other_overdue}
    # Only this agency's row, and only past the interval.
    assert counts["staffing.PayrollRecord"] == 1
    assert counts["staffing.Employment"] == 0
    assert counts["clients.ClientContact"] == 0
    within = retention_dashboard(agency=agency, now=NOW - timedelta(days=1, hours=12))
    assert {i.label: i.count for i in within.other_overdue}["staffing.PayrollRecord"] == 0
    with time_machine.travel(NOW, tick=False):
        body = manager_client.get(reverse("retention:dashboard")).content.decode()
    row = '<tr data-testid="overdue-staffing.PayrollRecord"><td>Lønnsposter</td>'
    assert row + '<td><strong class="bad">1<' in body
