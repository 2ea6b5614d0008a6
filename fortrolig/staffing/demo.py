"""A made-up demo employment for `seed_demo`: one demo candidate employed on a staffing
assignment, with two months of pay (P-19). The person, the company and the amounts are
invented; addresses use example.com.

Idempotent: when the demo employee already has an employment, nothing is done.
"""

from datetime import date, datetime

from fortrolig.assignments.models import Assignment, AssignmentKind, AssignmentStatus
from fortrolig.assignments.services import AssignmentInput, PositionInput, assignment_create
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.validation import email_hash
from fortrolig.clients.models import Client
from fortrolig.clients.services import client_create
from fortrolig.clients.validation import ClientInput
from fortrolig.core.clock import require_aware
from fortrolig.core.models import Agency

from .models import Employment, SalaryBasis
from .retention import OSLO
from .services import EmploymentInput, PayrollInput, employment_start, payroll_record_add

DEMO_EMPLOYEE_EMAIL = "lars.eksempelsen@example.com"
# Used only when the agency has no client to hang a staffing assignment on.
DEMO_STAFFING_CLIENT = ClientInput(
    name="Kystlager Eksempel AS",
    org_number="912345696",
    city="Bergen",
    invoice_email="faktura@kystlager.example.com",
)
DEMO_ASSIGNMENT_TITLE = "Innleie av lagermedarbeidere"
HOURLY_WAGE = "235,00"
MONTHS = (("162,5", "38 187,50"), ("150", "35 250,00"))


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _staffing_assignment(*, agency: Agency, actor: Actor, today: date, now: datetime) -> Assignment:
    assignment = (
        Assignment.objects.filter(
            agency=agency, kind=AssignmentKind.STAFFING, status=AssignmentStatus.OPEN
        )
        .order_by("created_at", "id")
        .first()
    )
    if assignment is not None:
        return assignment
    client = (
        Client.objects.filter(agency=agency, archived_at__isnull=True)
        .order_by("name", "id")
        .first()
    )
    if client is None:
        client = client_create(agency=agency, actor=actor, data=DEMO_STAFFING_CLIENT, now=now)
    return assignment_create(
        agency=agency,
        actor=actor,
        data=AssignmentInput(
            client_id=client.id,
            title=DEMO_ASSIGNMENT_TITLE,
            kind=AssignmentKind.STAFFING,
            starts_on=_month_start(today, 2),
        ),
        positions=[PositionInput(title="Lagermedarbeider", location="Bergen")],
        now=now,
    )


def demo_staffing_seed(*, agency: Agency, actor: Actor, now: datetime) -> int:
    """Employ the demo employee (a demo candidate, seeded before) on the agency's first open
    staffing assignment, making one if there is none, from the first day of the month two
    months ago, with the pay of those two months. Returns how many employments were
    created: 0 when the demo candidate is missing or restricted, or already employed."""
    require_aware(now)
    candidate = Candidate.objects.filter(
        agency=agency, email_hash=email_hash(DEMO_EMPLOYEE_EMAIL)
    ).first()
    if candidate is None or candidate.restricted:
        return 0
    if Employment.objects.filter(agency=agency, candidate=candidate).exists():
        return 0
    today = now.astimezone(OSLO).date()
    started_on = _month_start(today, 2)
    assignment = _staffing_assignment(agency=agency, actor=actor, today=today, now=now)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=EmploymentInput(
            candidate_id=candidate.id,
            assignment_id=assignment.id,
            position_percentage="100",
            salary_basis=SalaryBasis.HOURLY,
            salary_amount=HOURLY_WAGE,
            started_on=started_on,
        ),
        now=now,
    )
    for back, (hours, gross_pay) in zip((2, 1), MONTHS, strict=True):
        period = _month_start(today, back)
        payroll_record_add(
            agency=agency,
            actor=actor,
            employment_id=employment.id,
            # Paid on the 25th of the month, as is common in Norway; always in the past.
            data=PayrollInput(
                period=period,
                paid_on=period.replace(day=25),
                gross_pay=gross_pay,
                hours=hours,
            ),
            now=now,
        )
    return 1
