"""The demo employment made by `seed_demo` (P-19): one employee, two months of pay, and a
second run that changes nothing."""

from datetime import UTC, datetime

import pytest

from fortrolig.assignments.demo import demo_business_seed
from fortrolig.assignments.models import Assignment, AssignmentKind
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.demo import demo_candidates_seed
from fortrolig.staffing.demo import DEMO_EMPLOYEE_EMAIL, demo_staffing_seed
from fortrolig.staffing.models import Employment, PayrollRecord

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_p19_demo_employs_one_candidate_with_two_months_of_pay_once(agency):
    demo_candidates_seed(agency=agency, now=NOW)
    demo_business_seed(agency=agency, now=NOW)
    staffing = Assignment.objects.get(agency=agency, kind=AssignmentKind.STAFFING)
    assert demo_staffing_seed(agency=agency, actor=Actor.system(), now=NOW) == 1
    employment = Employment.objects.get(agency=agency)
    assert employment.email == DEMO_EMPLOYEE_EMAIL
    assert employment.assignment_id == staffing.id
    assert employment.ended_on is None
    periods = sorted(r.period.isoformat() for r in PayrollRecord.objects.filter(agency=agency))
    assert periods == ["2026-01-01", "2026-02-01"]
    events = AuditEvent.objects.count()
    assert demo_staffing_seed(agency=agency, actor=Actor.system(), now=NOW) == 0
    assert Employment.objects.count() == 1 and PayrollRecord.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_p19_demo_makes_a_staffing_assignment_when_there_is_none(agency):
    demo_candidates_seed(agency=agency, now=NOW)
    assert demo_staffing_seed(agency=agency, actor=Actor.system(), now=NOW) == 1
    assignment = Assignment.objects.get(agency=agency)
    assert assignment.kind == AssignmentKind.STAFFING
    assert Employment.objects.get().assignment_id == assignment.id


def test_demo_without_the_demo_candidate_does_nothing(agency):
    assert demo_staffing_seed(agency=agency, actor=Actor.system(), now=NOW) == 0
    assert not Employment.objects.exists() and not Assignment.objects.exists()
