"""Employments and payroll records (P-19): what is recorded, what is refused, and the clock
that each gets."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fortrolig.assignments.models import AssignmentStatus
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_agency, make_client, make_position
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.selectors import employment_get, employments_of_candidate
from fortrolig.staffing.services import (
    EmploymentEnded,
    EmploymentInput,
    PayrollInput,
    employment_end,
    employment_start,
    payroll_record_add,
)
from fortrolig.staffing.tests.support import make_employee_candidate, make_staffing_assignment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


def _candidate(agency, **extra) -> Candidate:
    # Activity at NOW, without an identity number, unless the test says otherwise.
    return make_employee_candidate(
        agency, **{"last_activity_at": NOW, "national_id": None, **extra}
    )


def _input(candidate, assignment, **changes) -> EmploymentInput:
    values = {
        "candidate_id": candidate.id,
        "assignment_id": assignment.id,
        "position_percentage": "100",
        "salary_basis": "hourly",
        "salary_amount": "245,50",
        "started_on": date(2026, 1, 5),
    }
    values.update(changes)
    return EmploymentInput(**values)


def test_p19_start_copies_identity_under_its_own_key_and_audits_field_names(agency, actor):
    candidate = _candidate(agency, national_id="01019012345")
    assignment = make_staffing_assignment(agency)
    employment = employment_start(
        agency=agency, actor=actor, data=_input(candidate, assignment), now=NOW
    )
    assert employment.employee_name == "Solveig Testesen"
    assert employment.email == candidate.email
    assert employment.national_id == "01019012345"
    assert employment.data_key_id != candidate.data_key_id
    assert employment.salary_amount == Decimal("245.50")
    assert employment.erase_after is None
    event = AuditEvent.objects.get(action="staffing.employment.started")
    assert event.subject_id == employment.id
    assert "national_id" in event.fields
    text = str((event.action, event.subject_type, event.purpose, event.fields))
    assert "Testesen" not in text and "01019012345" not in text
    assert list(employments_of_candidate(agency=agency, candidate_id=candidate.id)) == [employment]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"position_percentage": "0"}, "position_percentage"),
        ({"position_percentage": "100,5"}, "position_percentage"),
        ({"position_percentage": "femti"}, "position_percentage"),
        ({"position_percentage": "NaN"}, "position_percentage"),
        ({"salary_amount": "-1"}, "salary_amount"),
        ({"salary_amount": "12.345"}, "salary_amount"),
        ({"salary_basis": "weekly"}, "salary_basis"),
        ({"started_on": None}, "started_on"),
    ],
)
def test_p19_bad_input_is_refused_and_nothing_stored(agency, actor, changes, field):
    candidate = _candidate(agency)
    assignment = make_staffing_assignment(agency)
    with pytest.raises(ValidationFailed) as caught:
        employment_start(
            agency=agency, actor=actor, data=_input(candidate, assignment, **changes), now=NOW
        )
    assert field in caught.value.field_errors
    assert not Employment.objects.exists()
    assert not AuditEvent.objects.filter(action="staffing.employment.started").exists()


def test_p19_only_open_staffing_assignments_employ(agency, actor):
    candidate = _candidate(agency)
    recruitment = make_position(agency, client=make_client(agency, index=2)).assignment
    with pytest.raises(ValidationFailed) as caught:
        employment_start(agency=agency, actor=actor, data=_input(candidate, recruitment), now=NOW)
    assert "assignment" in caught.value.field_errors
    ended = make_staffing_assignment(agency, index=1)
    ended.status = AssignmentStatus.ENDED
    ended.ended_at = NOW
    ended.save(update_fields=["status", "ended_at"])
    with pytest.raises(ValidationFailed):
        employment_start(agency=agency, actor=actor, data=_input(candidate, ended), now=NOW)
    assert not Employment.objects.exists()


def test_p19_second_employment_on_the_same_assignment_is_refused(agency, actor):
    candidate = _candidate(agency)
    assignment = make_staffing_assignment(agency)
    employment_start(agency=agency, actor=actor, data=_input(candidate, assignment), now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        employment_start(agency=agency, actor=actor, data=_input(candidate, assignment), now=NOW)
    assert "candidate" in caught.value.field_errors
    assert Employment.objects.count() == 1


def test_p23_restricted_candidate_is_not_employed(agency, actor):
    candidate = _candidate(agency, restricted=True)
    with pytest.raises(ValidationFailed):
        employment_start(
            agency=agency,
            actor=actor,
            data=_input(candidate, make_staffing_assignment(agency)),
            now=NOW,
        )
    assert not Employment.objects.exists()


def test_p19_other_agency_is_not_found(agency, actor):
    other = make_agency("fjellvind", index=1)
    candidate = _candidate(agency)
    assignment = make_staffing_assignment(agency)
    with pytest.raises(NotFound):
        employment_start(agency=other, actor=actor, data=_input(candidate, assignment), now=NOW)
    employment = employment_start(
        agency=agency, actor=actor, data=_input(candidate, assignment), now=NOW
    )
    with pytest.raises(NotFound):
        employment_get(agency=other, employment_id=employment.id)
    with pytest.raises(NotFound):
        employment_end(
            agency=other,
            actor=actor,
            employment_id=employment.id,
            ended_on=date(2026, 2, 1),
            now=NOW,
        )
    with pytest.raises(NotFound):
        payroll_record_add(
            agency=other,
            actor=actor,
            employment_id=employment.id,
            data=PayrollInput(period=date(2026, 1, 1), paid_on=date(2026, 1, 25), gross_pay="1"),
            now=NOW,
        )


def test_p19_payroll_record_clock_is_five_years_after_the_financial_year(agency, actor):
    candidate = _candidate(agency)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=_input(candidate, make_staffing_assignment(agency)),
        now=NOW,
    )
    payroll = payroll_record_add(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        data=PayrollInput(
            period=date(2026, 1, 15), paid_on=date(2026, 2, 10), gross_pay="39 280,00", hours="160"
        ),
        now=NOW,
    )
    assert payroll.period == date(2026, 1, 1)
    assert payroll.position_percentage == Decimal("100.00")
    # Financial year 2026 ends 31 December 2026; five years later is the end of 2031.
    assert payroll.erase_after == datetime(2032, 1, 1, tzinfo=OSLO)
    # While the employment lasts, it has no deadline of its own.
    employment.refresh_from_db()
    assert employment.erase_after is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            PayrollInput(period=date(2025, 12, 1), paid_on=date(2025, 12, 20), gross_pay="1"),
            "period",
        ),
        (
            PayrollInput(period=date(2026, 2, 1), paid_on=date(2026, 1, 31), gross_pay="1"),
            "paid_on",
        ),
        (
            PayrollInput(period=date(2026, 2, 1), paid_on=date(2026, 12, 1), gross_pay="1"),
            "paid_on",
        ),
        (PayrollInput(period=None, paid_on=date(2026, 2, 1), gross_pay="1"), "period"),
        (
            PayrollInput(period=date(2026, 2, 1), paid_on=date(2026, 2, 20), gross_pay="x"),
            "gross_pay",
        ),
        (
            PayrollInput(
                period=date(2026, 2, 1), paid_on=date(2026, 2, 20), gross_pay="1", hours="800"
            ),
            "hours",
        ),
    ],
)
def test_p19_bad_payroll_is_refused_and_nothing_stored(agency, actor, data, field):
    candidate = _candidate(agency)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=_input(candidate, make_staffing_assignment(agency)),
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        payroll_record_add(
            agency=agency, actor=actor, employment_id=employment.id, data=data, now=NOW
        )
    assert field in caught.value.field_errors
    assert not PayrollRecord.objects.exists()


def test_p19_one_record_per_month(agency, actor):
    candidate = _candidate(agency)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=_input(candidate, make_staffing_assignment(agency)),
        now=NOW,
    )
    data = PayrollInput(period=date(2026, 1, 1), paid_on=date(2026, 1, 25), gross_pay="100")
    payroll_record_add(agency=agency, actor=actor, employment_id=employment.id, data=data, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        payroll_record_add(
            agency=agency, actor=actor, employment_id=employment.id, data=data, now=NOW
        )
    assert "period" in caught.value.field_errors
    assert PayrollRecord.objects.count() == 1


def test_p19_end_starts_the_clock_and_cannot_be_repeated(agency, actor):
    candidate = _candidate(agency)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=_input(candidate, make_staffing_assignment(agency)),
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        employment_end(
            agency=agency,
            actor=actor,
            employment_id=employment.id,
            ended_on=date(2025, 12, 31),
            now=NOW,
        )
    assert "ended_on" in caught.value.field_errors
    with pytest.raises(ValidationFailed):
        employment_end(
            agency=agency,
            actor=actor,
            employment_id=employment.id,
            ended_on=date(2026, 3, 3),
            now=NOW,
        )
    ended = employment_end(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        ended_on=date(2026, 2, 27),
        now=NOW,
    )
    assert ended.erase_after == datetime(2032, 1, 1, tzinfo=OSLO)
    with pytest.raises(EmploymentEnded):
        employment_end(
            agency=agency,
            actor=actor,
            employment_id=employment.id,
            ended_on=date(2026, 2, 28),
            now=NOW,
        )
    # The candidate's own clock (P-18) starts again from the end.
    candidate.refresh_from_db()
    assert candidate.last_activity_at == NOW


def test_p19_candidate_clock_pauses_while_employed_and_restarts_at_the_end(agency, actor):
    from datetime import timedelta

    from fortrolig.privacy.retention import retention_sweep

    long_ago = NOW - timedelta(days=3 * 365)
    candidate = _candidate(agency, last_activity_at=long_ago)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=_input(candidate, make_staffing_assignment(agency)),
        now=long_ago + timedelta(days=1),
    )
    candidate.refresh_from_db()
    assert candidate.erase_after is None
    # Two years without any activity: still employed, so still kept.
    retention_sweep(now=NOW)
    assert Candidate.objects.filter(pk=candidate.id).exists()
    employment_end(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        ended_on=date(2026, 2, 27),
        now=NOW,
    )
    candidate.refresh_from_db()
    assert candidate.erase_after == datetime(2028, 3, 2, 9, 30, tzinfo=UTC)
    retention_sweep(now=datetime(2028, 3, 2, 9, 29, tzinfo=UTC))
    assert Candidate.objects.filter(pk=candidate.id).exists()
    retention_sweep(now=datetime(2028, 3, 2, 9, 30, tzinfo=UTC))
    assert not Candidate.objects.filter(pk=candidate.id).exists()
    # The employment and its clock outlive the candidate record (P-19).
    assert Employment.objects.filter(pk=employment.id, candidate__isnull=True).exists()
