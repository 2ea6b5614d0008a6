"""Employment endpoints of the API (P-19): list and read employments, employ a candidate on
a staffing assignment, end an employment, and read and record its payroll records.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token
(audit actor type API). Another agency's employment, candidate or assignment answers 404,
as one that does not exist. Every employment read is recorded in the audit trail (P-28).
The national identity number is never returned: only whether one is on file. Errors use the
shared JSON shape; none of them repeats a submitted value.
"""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from fortrolig.core import clock
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.selectors import employment_list_open, employment_open
from fortrolig.staffing.services import (
    EmploymentInput,
    PayrollInput,
    employment_end,
    employment_start,
    payroll_record_add,
)

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["employments"])

MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")
# A number may come as JSON number or as text ("37,5", as typed in Norway); the service
# checks it and explains what is wrong.
Number = Decimal | str


class EmploymentIn(Schema):
    candidate_id: uuid.UUID = Field(description="One of the agency's candidates.")
    assignment_id: uuid.UUID = Field(description="One of the agency's open staffing assignments.")
    position_percentage: Number = Field(description="Above 0 and at most 100.")
    salary_basis: str = Field(description="`monthly` or `hourly`.", max_length=20)
    salary_amount: Number = Field(description="The monthly salary or hourly wage in NOK.")
    started_on: date


class EmploymentOut(Schema):
    """An employment. The national identity number is kept, encrypted, for the a-melding,
    but never returned here: `has_national_id` tells whether one is on file."""

    id: uuid.UUID
    candidate_id: uuid.UUID | None = Field(
        description="Empty once the candidate's own record is erased (the employment stays)."
    )
    assignment_id: uuid.UUID
    assignment_title: str
    employee_name: str
    email: str
    has_national_id: bool
    position_percentage: Decimal
    salary_basis: str
    salary_amount: Decimal
    started_on: date
    ended_on: date | None
    erase_after: datetime | None = Field(
        description="When the employment is due for erasure; empty while it lasts."
    )
    created_at: datetime


class EmploymentPageOut(Schema):
    items: list[EmploymentOut]
    total: int
    page: int
    pages: int
    page_size: int


class EmploymentListIn(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


class EmploymentEndIn(Schema):
    ended_on: date = Field(description="The last day of the employment; not in the future.")


class PayrollIn(Schema):
    period: date = Field(
        description="The month the pay is for, as `YYYY-MM` (a full date is taken as its month)."
    )
    paid_on: date = Field(description="Not in the future, nor before the month begins.")
    gross_pay: Number = Field(description="Gross pay in NOK.")
    hours: Number | None = Field(None, description="Hours worked in the month, 0 to 744.")

    @field_validator("period", mode="before")
    @classmethod
    def _month(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = MONTH.match(value.strip())
            if match is None or not 1 <= int(match.group(2)) <= 12:
                raise ValueError(_("Give the month as YYYY-MM."))
            return date(int(match.group(1)), int(match.group(2)), 1)
        return value


class PayrollOut(Schema):
    id: uuid.UUID
    period: date
    paid_on: date
    gross_pay: Decimal
    position_percentage: Decimal
    hours: Decimal | None
    erase_after: datetime
    created_at: datetime


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _employment_out(employment: Employment) -> dict[str, Any]:
    values = {
        name: getattr(employment, name)
        for name in EmploymentOut.model_fields
        if name not in ("assignment_title", "has_national_id")
    }
    values["assignment_title"] = employment.assignment.title
    values["has_national_id"] = bool(employment.national_id)
    return values


def _payroll_out(payroll: PayrollRecord) -> dict[str, Any]:
    return {name: getattr(payroll, name) for name in PayrollOut.model_fields}


@router.get(
    "/employments",
    response={200: EmploymentPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="List employments",
)
def employment_list_endpoint(
    request: HttpRequest, filters: Query[EmploymentListIn]
) -> dict[str, Any]:
    """The agency's employments: ongoing ones first, then ended ones. Each employment
    returned is recorded as read by this token (P-28)."""
    page = employment_list_open(
        agency=_agency(request),
        actor=_actor(request),
        now=clock.now(),
        page=filters.page,
        page_size=filters.page_size,
    )
    return {
        "items": [_employment_out(employment) for employment in page.rows],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.page_size,
    }


@router.post(
    "/employments",
    response={201: EmploymentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Employ a candidate on a staffing assignment",
)
def employment_start_endpoint(
    request: HttpRequest, payload: EmploymentIn
) -> Status[dict[str, Any]]:
    """Employ one of the agency's candidates on one of its open staffing assignments. The
    candidate's name, email and national identity number are copied into the employment
    and kept as long as the law requires (P-19). A recruitment or ended assignment, a
    restricted candidate, or a second employment on the same assignment answers 400."""
    employment = employment_start(
        agency=_agency(request),
        actor=_actor(request),
        data=EmploymentInput(
            candidate_id=payload.candidate_id,
            assignment_id=payload.assignment_id,
            position_percentage=str(payload.position_percentage),
            salary_basis=payload.salary_basis,
            salary_amount=str(payload.salary_amount),
            started_on=payload.started_on,
        ),
        now=clock.now(),
    )
    return Status(201, _employment_out(employment))


@router.get(
    "/employments/{employment_id}",
    response={200: EmploymentOut, 401: ErrorOut, 404: ErrorOut},
    summary="Read an employment",
)
def employment_read_endpoint(request: HttpRequest, employment_id: uuid.UUID) -> dict[str, Any]:
    """One employment; the read is recorded as made by this token (P-28)."""
    detail = employment_open(
        agency=_agency(request),
        actor=_actor(request),
        employment_id=employment_id,
        now=clock.now(),
    )
    return _employment_out(detail.employment)


@router.post(
    "/employments/{employment_id}/end",
    response={200: EmploymentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="End an employment",
)
def employment_end_endpoint(
    request: HttpRequest, employment_id: uuid.UUID, payload: EmploymentEndIn
) -> dict[str, Any]:
    """End the employment on `ended_on`; from then its retention clock runs (P-19). An
    employment that has already ended answers 409."""
    employment = employment_end(
        agency=_agency(request),
        actor=_actor(request),
        employment_id=employment_id,
        ended_on=payload.ended_on,
        now=clock.now(),
    )
    return _employment_out(employment)


@router.get(
    "/employments/{employment_id}/payroll",
    response={200: list[PayrollOut], 401: ErrorOut, 404: ErrorOut},
    summary="List an employment's payroll records",
)
def payroll_list_endpoint(request: HttpRequest, employment_id: uuid.UUID) -> list[dict[str, Any]]:
    """The employment's payroll records, newest month first; the read is recorded as a
    view of the employment (P-28)."""
    detail = employment_open(
        agency=_agency(request),
        actor=_actor(request),
        employment_id=employment_id,
        now=clock.now(),
    )
    return [_payroll_out(payroll) for payroll in detail.payroll_records]


@router.post(
    "/employments/{employment_id}/payroll",
    response={201: PayrollOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Record a month's pay",
)
def payroll_add_endpoint(
    request: HttpRequest, employment_id: uuid.UUID, payload: PayrollIn
) -> Status[dict[str, Any]]:
    """Record one month's pay for the a-melding, with the employment's position
    percentage. A month outside the employment or already recorded answers 400."""
    payroll = payroll_record_add(
        agency=_agency(request),
        actor=_actor(request),
        employment_id=employment_id,
        data=PayrollInput(
            period=payload.period,
            paid_on=payload.paid_on,
            gross_pay=str(payload.gross_pay),
            hours="" if payload.hours is None else str(payload.hours),
        ),
        now=clock.now(),
    )
    return Status(201, _payroll_out(payroll))


api.add_router("/", router)
