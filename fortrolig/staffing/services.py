"""Employments through the agency and their payroll facts (P-19).

`employment_start` copies what the employer needs from the candidate into the employment,
under the employment's own data key (see `models`). Ending the employment starts its clock;
each payroll record has its own (see `retention`).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from fortrolig.assignments.models import Assignment, AssignmentKind, AssignmentStatus
from fortrolig.audit.services import Actor, record
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.services import candidate_activity_record
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import data_key_create
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.privacy.retention import candidate_erase_after_refresh

from .models import Employment, PayrollRecord, SalaryBasis
from .retention import OSLO, employment_deadline, payroll_deadline

__all__ = [
    "EmploymentInput",
    "PayrollInput",
    "employment_end",
    "employment_start",
    "payroll_record_add",
]

MSG_REQUIRED = _("This field is required.")
MSG_PERCENTAGE = _("Give a position percentage above 0 and at most 100.")
MSG_AMOUNT = _("Give an amount of 0 or more, in kroner, with at most two decimals.")
MSG_BASIS = _("Choose one of the listed options.")
MSG_NOT_STAFFING = _("Only a staffing assignment employs people through the agency.")
MSG_ASSIGNMENT_ENDED = _("The assignment has ended.")
MSG_RESTRICTED = _("The candidate's processing is restricted.")
MSG_ALREADY_EMPLOYED = _("The candidate is already employed on this assignment.")
MSG_END_BEFORE_START = _("The end date cannot be before the start date.")
MSG_ENDED = _("The employment has already ended.")
MSG_PERIOD_DUPLICATE = _("Pay for this month is already recorded.")
MSG_PERIOD_OUTSIDE = _("The month is outside the employment.")
MSG_PAID_BEFORE_PERIOD = _("Pay cannot be paid before the month it is for begins.")
MSG_FUTURE = _("The date cannot be in the future.")
MSG_HOURS = _("Give the hours as a number from 0 to 744.")

EMPLOYMENT_FIELDS = (
    "employee_name",
    "email",
    "national_id",
    "position_percentage",
    "salary_basis",
    "salary_amount",
    "started_on",
)
PAYROLL_FIELDS = ("period", "paid_on", "gross_pay", "position_percentage", "hours")


class EmploymentEnded(Conflict):
    code = "employment_ended"
    default_message = MSG_ENDED


@dataclass(frozen=True)
class EmploymentInput:
    candidate_id: uuid.UUID
    assignment_id: uuid.UUID
    position_percentage: str
    salary_basis: str
    salary_amount: str
    started_on: date | None


@dataclass(frozen=True)
class PayrollInput:
    period: date | None
    paid_on: date | None
    gross_pay: str
    hours: str = ""


def _decimal(value: str | Decimal | int | None) -> Decimal | None:
    """A number with at most two decimals ("37,5" as typed in Norway), or None."""
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        return None
    return number


def _amount(value: str, name: str, errors: dict[str, list[str]]) -> Decimal:
    number = _decimal(value)
    if number is None or not Decimal(0) <= number < Decimal("10000000000"):
        errors.setdefault(name, []).append(str(MSG_AMOUNT))
        return Decimal(0)
    return number


def _oslo_today(now: datetime) -> date:
    return now.astimezone(OSLO).date()


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(field_errors=errors)


def employment_start(
    *, agency: Agency, actor: Actor, data: EmploymentInput, now: datetime
) -> Employment:
    """Employ a candidate of `agency` on one of its open staffing assignments.

    Copies the candidate's name, email and national identity number into the employment,
    encrypted under a new data key of its own, and counts the start as the candidate's
    activity. Raises NotFound for a candidate or assignment outside the agency, and
    ValidationFailed (nothing stored) for bad input, a recruitment or ended assignment, a
    restricted candidate (P-23) or a second employment on the same assignment.
    """
    require_aware(now)
    errors: dict[str, list[str]] = {}
    percentage = _decimal(data.position_percentage)
    if percentage is None or not Decimal(0) < percentage <= Decimal(100):
        errors.setdefault("position_percentage", []).append(str(MSG_PERCENTAGE))
    if data.salary_basis not in SalaryBasis.values:
        errors.setdefault("salary_basis", []).append(str(MSG_BASIS))
    amount = _amount(data.salary_amount, "salary_amount", errors)
    if data.started_on is None:
        errors.setdefault("started_on", []).append(str(MSG_REQUIRED))
    _refuse(errors)
    assert percentage is not None and data.started_on is not None
    with transaction.atomic():
        candidate = (
            Candidate.objects.select_for_update()
            .filter(agency=agency, pk=data.candidate_id)
            .first()
        )
        assignment = Assignment.objects.filter(agency=agency, pk=data.assignment_id).first()
        if candidate is None or assignment is None:
            raise NotFound()
        if candidate.restricted:
            raise ValidationFailed(
                MSG_RESTRICTED, field_errors={"candidate": [str(MSG_RESTRICTED)]}
            )
        if assignment.kind != AssignmentKind.STAFFING:
            errors.setdefault("assignment", []).append(str(MSG_NOT_STAFFING))
        elif assignment.status != AssignmentStatus.OPEN:
            errors.setdefault("assignment", []).append(str(MSG_ASSIGNMENT_ENDED))
        elif Employment.objects.filter(
            agency=agency, candidate=candidate, assignment=assignment, ended_on__isnull=True
        ).exists():
            errors.setdefault("candidate", []).append(str(MSG_ALREADY_EMPLOYED))
        _refuse(errors)
        employment = Employment.objects.create(
            agency=agency,
            data_key=data_key_create(agency=agency),
            candidate=candidate,
            assignment=assignment,
            employee_name=f"{candidate.first_name} {candidate.last_name}".strip(),
            email=candidate.email,
            national_id=candidate.national_id or None,
            position_percentage=percentage,
            salary_basis=data.salary_basis,
            salary_amount=amount,
            started_on=data.started_on,
        )
        record(
            agency=agency,
            actor=actor,
            action="staffing.employment.started",
            subject=employment,
            fields=[name for name in EMPLOYMENT_FIELDS if getattr(employment, name)],
            now=now,
        )
        candidate_activity_record(candidate_id=candidate.id, now=now)
        # The candidate's own clock pauses while the employment lasts (P-19).
        candidate_erase_after_refresh(candidate_id=candidate.id, now=now)
    return employment


def _locked(agency: Agency, employment_id: uuid.UUID) -> Employment:
    employment = (
        Employment.objects.select_for_update().filter(agency=agency, pk=employment_id).first()
    )
    if employment is None:
        raise NotFound()
    return employment


def _deadline_refresh(agency: Agency, employment: Employment) -> None:
    last = PayrollRecord.objects.filter(employment=employment).aggregate(last=Max("erase_after"))[
        "last"
    ]
    employment.erase_after = employment_deadline(
        config=agency.config,
        ended_on=employment.ended_on,
        record_deadlines=[last] if last else [],
    )


def employment_end(
    *, agency: Agency, actor: Actor, employment_id: uuid.UUID, ended_on: date | None, now: datetime
) -> Employment:
    """End the employment on `ended_on`: from now its clock runs (P-19). Raises NotFound,
    EmploymentEnded, and ValidationFailed for a missing date, a date before the start or
    after today (nothing changed)."""
    require_aware(now)
    if ended_on is None:
        raise ValidationFailed(field_errors={"ended_on": [str(MSG_REQUIRED)]})
    if ended_on > _oslo_today(now):
        raise ValidationFailed(field_errors={"ended_on": [str(MSG_FUTURE)]})
    with transaction.atomic():
        employment = _locked(agency, employment_id)
        if employment.ended_on is not None:
            raise EmploymentEnded()
        if ended_on < employment.started_on:
            raise ValidationFailed(field_errors={"ended_on": [str(MSG_END_BEFORE_START)]})
        employment.ended_on = ended_on
        _deadline_refresh(agency, employment)
        employment.save(update_fields=["ended_on", "erase_after", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="staffing.employment.ended",
            subject=employment,
            fields=["ended_on"],
            now=now,
        )
        if employment.candidate_id is not None:
            # The candidate's clock starts again from the end (P-18, P-19).
            candidate_activity_record(candidate_id=employment.candidate_id, now=now)
            candidate_erase_after_refresh(candidate_id=employment.candidate_id, now=now)
    return employment


def payroll_record_add(
    *, agency: Agency, actor: Actor, employment_id: uuid.UUID, data: PayrollInput, now: datetime
) -> PayrollRecord:
    """Record one month's pay for the a-melding, with the employment's position percentage.
    Pay may be recorded after the employment has ended (the last salary); the employment's
    deadline then moves with it. Raises NotFound, and ValidationFailed (nothing stored) for
    bad input, a month outside the employment, a payment before the month or in the
    future, or a month already recorded."""
    require_aware(now)
    errors: dict[str, list[str]] = {}
    gross = _amount(data.gross_pay, "gross_pay", errors)
    hours: Decimal | None = None
    if str(data.hours or "").strip():
        hours = _decimal(data.hours)
        if hours is None or not Decimal(0) <= hours <= Decimal(744):
            errors.setdefault("hours", []).append(str(MSG_HOURS))
    if data.period is None:
        errors.setdefault("period", []).append(str(MSG_REQUIRED))
    if data.paid_on is None:
        errors.setdefault("paid_on", []).append(str(MSG_REQUIRED))
    elif data.paid_on > _oslo_today(now):
        errors.setdefault("paid_on", []).append(str(MSG_FUTURE))
    _refuse(errors)
    assert data.period is not None and data.paid_on is not None
    period = data.period.replace(day=1)
    if data.paid_on < period:
        raise ValidationFailed(field_errors={"paid_on": [str(MSG_PAID_BEFORE_PERIOD)]})
    with transaction.atomic():
        employment = _locked(agency, employment_id)
        first_month = employment.started_on.replace(day=1)
        last_month = employment.ended_on.replace(day=1) if employment.ended_on else None
        if period < first_month or (last_month is not None and period > last_month):
            raise ValidationFailed(field_errors={"period": [str(MSG_PERIOD_OUTSIDE)]})
        if PayrollRecord.objects.filter(employment=employment, period=period).exists():
            raise ValidationFailed(field_errors={"period": [str(MSG_PERIOD_DUPLICATE)]})
        try:
            with transaction.atomic():
                payroll = PayrollRecord.objects.create(
                    agency=agency,
                    employment=employment,
                    period=period,
                    paid_on=data.paid_on,
                    gross_pay=gross,
                    position_percentage=employment.position_percentage,
                    hours=hours,
                    erase_after=payroll_deadline(config=agency.config, paid_on=data.paid_on),
                )
        except IntegrityError:
            # Two clerks recording the same month at once: the second is told, not failed.
            raise ValidationFailed(field_errors={"period": [str(MSG_PERIOD_DUPLICATE)]}) from None
        if employment.ended_on is not None:
            _deadline_refresh(agency, employment)
            employment.save(update_fields=["erase_after", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="staffing.payroll.recorded",
            subject=payroll,
            fields=[name for name in PAYROLL_FIELDS if getattr(payroll, name) is not None],
            now=now,
        )
    return payroll
