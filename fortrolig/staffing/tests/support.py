"""Test data for employments, shared by the staffing pages', the services' and the API's
tests: made-up people, example.com addresses."""

from datetime import timedelta

from django.utils import timezone

from fortrolig.assignments.models import Assignment, AssignmentKind
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_client, make_position
from fortrolig.core import clock
from fortrolig.core.crypto import data_key_create
from fortrolig.core.models import Agency
from fortrolig.staffing.models import Employment
from fortrolig.staffing.services import EmploymentInput, employment_start

NATIONAL_ID = "01019012345"
STAFFING_TITLE = "Innleie av lagerarbeidere"


def make_employee_candidate(agency: Agency, **extra: object) -> Candidate:
    """A candidate with a made-up name, address and national identity number."""
    values: dict[str, object] = {
        "first_name": "Solveig",
        "last_name": "Testesen",
        "email": "solveig.testesen@example.com",
        "national_id": NATIONAL_ID,
        "source": "consultant",
        "last_activity_at": clock.now(),
    }
    values.update(extra)
    return Candidate.objects.create(
        agency=agency, data_key=data_key_create(agency=agency), **values
    )


def make_staffing_assignment(
    agency: Agency, index: int = 0, title: str = STAFFING_TITLE
) -> Assignment:
    """An open staffing assignment for the agency's client number `index`."""
    assignment = make_position(
        agency, client=make_client(agency, index=index), assignment_title=title
    ).assignment
    assignment.kind = AssignmentKind.STAFFING
    assignment.save(update_fields=["kind"])
    return assignment


def employ(
    agency: Agency,
    candidate: Candidate | None = None,
    assignment: Assignment | None = None,
    *,
    days_ago: int = 60,
) -> Employment:
    """An 80 % monthly-paid employment that started `days_ago` days ago."""
    return employment_start(
        agency=agency,
        actor=Actor.system(),
        data=EmploymentInput(
            candidate_id=(candidate or make_employee_candidate(agency)).id,
            assignment_id=(assignment or make_staffing_assignment(agency)).id,
            position_percentage="80",
            salary_basis="monthly",
            salary_amount="45000",
            started_on=timezone.localdate(clock.now()) - timedelta(days=days_ago),
        ),
        now=clock.now(),
    )
