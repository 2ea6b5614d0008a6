"""Erasure that must keep some data (P-19, P-22, P-25): an employment is kept while it
lasts, and its payroll records until five years after the end of the financial year, each
named in the receipt and the answer with its rule; everything else goes at once, and the
kept data goes when its own clock runs out."""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from fortrolig.assignments.models import AssignmentKind
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_position
from fortrolig.core.models import DataKey
from fortrolig.documents.models import Document
from fortrolig.privacy.erasure import (
    RULE_ONGOING_AGREEMENT,
    RULE_PAYROLL,
    subject_erase,
)
from fortrolig.privacy.models import IdentityMethod, RequestStatus
from fortrolig.privacy.requests import request_erase, request_register
from fortrolig.privacy.retention import retention_sweep
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.services import (
    EmploymentInput,
    PayrollInput,
    employment_end,
    employment_start,
    payroll_record_add,
)

from .test_erasure_support import NOW, database_hits, make_canary

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


def _employed(agency, actor, *, started_on=date(2025, 3, 1)):
    position = make_position(agency)
    assignment = position.assignment
    assignment.kind = AssignmentKind.STAFFING
    assignment.save(update_fields=["kind"])
    canary = make_canary(agency, actor, position=position, documents=2)
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=EmploymentInput(
            candidate_id=canary.candidate.id,
            assignment_id=assignment.id,
            position_percentage="80",
            salary_basis="monthly",
            salary_amount="41 500,00",
            started_on=started_on,
        ),
        now=NOW,
    )
    return canary, employment


def _pay(agency, actor, employment, period: date, paid_on: date, now=NOW):
    return payroll_record_add(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        data=PayrollInput(period=period, paid_on=paid_on, gross_pay="33200"),
        now=now,
    )


def test_p22_p19_ongoing_employment_is_kept_and_everything_else_erased(
    agency, actor, django_capture_on_commit_callbacks
):
    canary, employment = _employed(agency, actor)
    candidate_key = canary.candidate.data_key_id
    with django_capture_on_commit_callbacks(execute=True):
        receipt = subject_erase(
            agency=agency,
            actor=actor,
            subject_type="candidate",
            subject_id=canary.candidate.id,
            request_id=None,
            now=NOW,
        )
    assert receipt.kept == [
        {
            "what": "staffing.employment",
            "rule": RULE_ONGOING_AGREEMENT,
            "clock": "employment_end",
            "ref": str(employment.id),
            "until": "",
        }
    ]
    assert not Candidate.objects.filter(pk=canary.candidate.id).exists()
    assert not Document.objects.filter(agency=agency).exists()
    assert DataKey.objects.get(pk=candidate_key).destroyed_at is not None
    # The employment stays, readable under its own key, without the candidate behind it.
    kept = Employment.objects.get(pk=employment.id)
    assert kept.candidate_id is None
    assert kept.national_id == canary.candidate.national_id
    assert DataKey.objects.get(pk=kept.data_key_id).destroyed_at is None
    # The marker survives in the employment's own row, and nowhere else.
    assert set(database_hits(canary.needles)) == {"staffing_employment"}
    call_command("audit_verify")


def test_p19_p22_payroll_is_kept_until_its_clock_runs_out_then_erased(
    agency, actor, django_capture_on_commit_callbacks
):
    canary, employment = _employed(agency, actor)
    _pay(agency, actor, employment, date(2025, 3, 1), date(2025, 3, 25))
    _pay(agency, actor, employment, date(2025, 12, 1), date(2025, 12, 20))
    end_now = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
    employment_end(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        ended_on=date(2026, 1, 31),
        now=end_now,
    )
    # The last salary, paid after the end, moves the employment's clock with it.
    _pay(agency, actor, employment, date(2026, 1, 1), date(2026, 2, 5), now=end_now)
    employment.refresh_from_db()
    assert employment.erase_after == datetime(2032, 1, 1, tzinfo=OSLO)

    with django_capture_on_commit_callbacks(execute=True):
        receipt = subject_erase(
            agency=agency,
            actor=actor,
            subject_type="candidate",
            subject_id=canary.candidate.id,
            request_id=None,
            now=NOW,
        )
    assert receipt.kept == [
        {
            "what": "staffing.payrollrecord",
            "rule": RULE_PAYROLL,
            "clock": "employment_end",
            "ref": str(employment.id),
            "until": "2032-01-01",
        }
    ]
    assert PayrollRecord.objects.filter(employment=employment).count() == 3

    # Records paid in 2025 go on 1 January 2031 (five years after the end of 2025).
    retention_sweep(now=datetime(2030, 12, 31, 22, 59, tzinfo=UTC))
    assert PayrollRecord.objects.filter(employment=employment).count() == 3
    retention_sweep(now=datetime(2030, 12, 31, 23, 0, tzinfo=UTC))
    assert list(
        PayrollRecord.objects.filter(employment=employment).values_list("period", flat=True)
    ) == [date(2026, 1, 1)]
    assert Employment.objects.filter(pk=employment.id).exists()

    # The last one, and the employment with its key, on 1 January 2032.
    key_id = employment.data_key_id
    retention_sweep(now=datetime(2031, 12, 31, 23, 0, tzinfo=UTC))
    assert not Employment.objects.filter(pk=employment.id).exists()
    assert not PayrollRecord.objects.exists()
    assert DataKey.objects.get(pk=key_id).destroyed_at is not None
    assert database_hits(canary.needles) == {}
    assert AuditEvent.objects.filter(
        action="retention.employment.erased", subject_id=employment.id
    ).exists()
    assert AuditEvent.objects.filter(action="retention.payroll_record.erased").count() == 3
    call_command("audit_verify")


def test_p25_employee_request_answer_names_the_rule_and_the_date(
    agency, actor, django_capture_on_commit_callbacks
):
    canary, employment = _employed(agency, actor)
    _pay(agency, actor, employment, date(2025, 3, 1), date(2025, 3, 25))
    request = request_register(
        agency=agency,
        actor=actor,
        kind="erasure",
        channel="letter",
        subject_type="employee",
        subject_id=employment.id,
        details="",
        identity_method=IdentityMethod.values[0],
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        answered = request_erase(agency=agency, actor=actor, request_id=request.id, now=NOW)
    assert answered.status == RequestStatus.DONE
    # In bokmål, the language of the answers; the ongoing employment and the payroll rule.
    assert "bokføringsloven" in answered.response.lower()
    assert "avtale" in answered.response.lower()
    assert not Candidate.objects.filter(pk=canary.candidate.id).exists()
    assert Employment.objects.filter(pk=employment.id).exists()


def test_p25_employee_whose_candidate_is_gone_keeps_only_what_the_law_needs(agency, actor):
    canary, employment = _employed(agency, actor)
    subject_erase(
        agency=agency,
        actor=actor,
        subject_type="candidate",
        subject_id=canary.candidate.id,
        request_id=None,
        now=NOW,
    )
    receipt = subject_erase(
        agency=agency,
        actor=actor,
        subject_type="employee",
        subject_id=employment.id,
        request_id=None,
        now=NOW,
    )
    assert [item["rule"] for item in receipt.kept] == [RULE_ONGOING_AGREEMENT]
    assert Employment.objects.filter(pk=employment.id).exists()
