"""Reads of employments and payroll records, always within one agency."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, QuerySet

from fortrolig.assignments.models import Assignment, AssignmentKind, AssignmentStatus
from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record, record_many
from fortrolig.candidates.models import Candidate
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency

from .models import Employment, PayrollRecord

__all__ = [
    "EmploymentDetail",
    "EmploymentFormChoices",
    "EmploymentPage",
    "KeptEmployment",
    "candidate_employments_open",
    "employment_form_choices",
    "employment_get",
    "employment_list_open",
    "employment_open",
    "employments_kept",
    "employments_of_candidate",
    "payroll_records",
]


def employments_of_candidate(*, agency: Agency, candidate_id: uuid.UUID) -> QuerySet[Employment]:
    return Employment.objects.filter(agency=agency, candidate_id=candidate_id).select_related(
        "assignment"
    )


def employment_get(*, agency: Agency, employment_id: uuid.UUID) -> Employment:
    """Raises NotFound for another agency's or an unknown employment."""
    employment = (
        Employment.objects.filter(agency=agency, pk=employment_id)
        .select_related("assignment")
        .first()
    )
    if employment is None:
        raise NotFound()
    return employment


def payroll_records(*, agency: Agency, employment_id: uuid.UUID) -> QuerySet[PayrollRecord]:
    return PayrollRecord.objects.filter(agency=agency, employment_id=employment_id)


@dataclass(frozen=True)
class KeptEmployment:
    """An employment that an erasure must leave in place (P-19, P-22): while it lasts (an
    ongoing agreement), and afterwards for its payroll records' accounting period."""

    employment_id: uuid.UUID
    ongoing: bool
    payroll_records: int
    erase_after: datetime | None


def employments_kept(
    *,
    agency_id: uuid.UUID,
    candidate_id: uuid.UUID | None = None,
    employment_id: uuid.UUID | None = None,
) -> list[KeptEmployment]:
    """The employments of a candidate (or the one employment) that must be kept, oldest
    first. Every employment that still exists is kept: the sweep erases each one when its
    own clock runs out."""
    employments = Employment.objects.filter(agency_id=agency_id)
    if candidate_id is not None:
        employments = employments.filter(candidate_id=candidate_id)
    if employment_id is not None:
        employments = employments.filter(pk=employment_id)
    counts = dict(
        PayrollRecord.objects.filter(employment__in=employments)
        .values("employment_id")
        .annotate(n=Count("id"))
        .values_list("employment_id", "n")
    )
    kept = []
    for employment in employments.order_by("started_on", "id").only(
        "id", "ended_on", "erase_after"
    ):
        kept.append(
            KeptEmployment(
                employment_id=employment.id,
                ongoing=employment.ended_on is None,
                payroll_records=counts.get(employment.id, 0),
                erase_after=employment.erase_after,
            )
        )
    return kept


# --- reads for the staff pages and the API (each shown employment is audited, P-28) ------

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# What a list row shows of each employment: recorded as the fields seen (P-28).
LISTED_FIELDS = ("employee_name", "position_percentage", "started_on", "ended_on")
# What the employment page shows; the national identity number only masked.
VIEWED_FIELDS = (
    "employee_name",
    "email",
    "national_id",
    "position_percentage",
    "salary_basis",
    "salary_amount",
    "started_on",
    "ended_on",
    "payroll_records",
)


@dataclass(frozen=True)
class EmploymentPage:
    rows: list[Employment]
    total: int
    page: int
    pages: int
    page_size: int


@dataclass(frozen=True)
class EmploymentDetail:
    employment: Employment
    payroll_records: list[PayrollRecord]


@dataclass(frozen=True)
class EmploymentFormChoices:
    """What the form that employs a candidate offers: the candidate (by ID only) and the
    agency's open staffing assignments."""

    candidate_id: uuid.UUID
    candidate_restricted: bool
    assignments: list[Assignment]


def _record_listed(
    *, agency: Agency, actor: Actor, employments: list[Employment], purpose: str, now: datetime
) -> None:
    if not employments:
        # Nothing shown, nothing to record: do not take the audit chain's lock.
        return
    record_many(
        agency=agency,
        actor=actor,
        events=[
            PendingEvent(
                action="staffing.employment.listed",
                subject=SubjectRef(type=Employment._meta.label_lower, id=employment.id),
                fields=LISTED_FIELDS,
                purpose=purpose,
            )
            for employment in employments
        ],
        now=now,
    )


def employment_list_open(
    *, agency: Agency, actor: Actor, now: datetime, page: int = 1, page_size: int = PAGE_SIZE
) -> EmploymentPage:
    """One page of the agency's employments for a person who reads it: ongoing ones first
    (newest start first), then ended ones (latest end first). Each employment shown gets a
    `staffing.employment.listed` event (P-28). A page past the end gives the last page."""
    employments = Employment.objects.filter(agency=agency)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    with transaction.atomic():
        total = employments.count()
        pages = max(1, math.ceil(total / page_size))
        page = max(1, min(page, pages))
        start = (page - 1) * page_size
        rows = list(
            employments.select_related("assignment").order_by(
                F("ended_on").desc(nulls_first=True), "-started_on", "id"
            )[start : start + page_size]
        )
        _record_listed(agency=agency, actor=actor, employments=rows, purpose="list", now=now)
    return EmploymentPage(rows=rows, total=total, page=page, pages=pages, page_size=page_size)


def employment_open(
    *, agency: Agency, actor: Actor, employment_id: uuid.UUID, now: datetime
) -> EmploymentDetail:
    """One employment with its payroll records (newest month first), for a person who
    reads it; records a `staffing.employment.viewed` event (P-28). Raises NotFound for
    another agency's or an unknown employment."""
    with transaction.atomic():
        employment = employment_get(agency=agency, employment_id=employment_id)
        records = list(payroll_records(agency=agency, employment_id=employment.id))
        record(
            agency=agency,
            actor=actor,
            action="staffing.employment.viewed",
            subject=employment,
            fields=VIEWED_FIELDS,
            now=now,
        )
    return EmploymentDetail(employment=employment, payroll_records=records)


def candidate_employments_open(
    *, agency: Agency, actor: Actor, candidate_id: uuid.UUID, now: datetime
) -> list[Employment]:
    """The employments of one of the agency's candidates (ongoing first), for the candidate
    page; each gets a `staffing.employment.listed` event (P-28). An unknown candidate or
    another agency's has none."""
    with transaction.atomic():
        rows = list(
            employments_of_candidate(agency=agency, candidate_id=candidate_id).order_by(
                F("ended_on").desc(nulls_first=True), "-started_on", "id"
            )
        )
        _record_listed(agency=agency, actor=actor, employments=rows, purpose="candidate", now=now)
    return rows


def employment_form_choices(*, agency: Agency, candidate_id: uuid.UUID) -> EmploymentFormChoices:
    """The choices for employing one of the agency's candidates: its open staffing
    assignments, by title. Raises NotFound for another agency's or an unknown candidate."""
    candidate = (
        Candidate.objects.filter(agency=agency, pk=candidate_id).only("id", "restricted").first()
    )
    if candidate is None:
        raise NotFound()
    assignments = list(
        Assignment.objects.filter(
            agency=agency, kind=AssignmentKind.STAFFING, status=AssignmentStatus.OPEN
        )
        .select_related("client")
        .order_by("title", "id")
    )
    return EmploymentFormChoices(
        candidate_id=candidate.id,
        candidate_restricted=candidate.restricted,
        assignments=assignments,
    )
