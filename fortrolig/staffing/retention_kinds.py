"""The employment data the retention sweep erases (P-19, clock EMPLOYMENT_END): payroll
records five years after the end of the financial year they were paid in, and ended
employments once their last record has gone, with their data key (crypto-shredding the
national identity number in every backup).

Autodiscovered by `fortrolig.privacy.retention.registered_kinds`.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.db import connection
from django.db.models import Max

from fortrolig.core.crypto import data_key_destroy
from fortrolig.core.models import Agency
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.retention import (
    BatchResult,
    DueItem,
    DueRef,
    RetainedKind,
    erased_record,
    register_kind,
    rows_due,
)

from .models import Employment, PayrollRecord
from .retention import employment_deadline

PAYROLL_LABEL = "staffing.PayrollRecord"
EMPLOYMENT_LABEL = "staffing.Employment"
PAYROLL_ERASED = "retention.payroll_record.erased"
EMPLOYMENT_ERASED = "retention.employment.erased"
PURPOSE = RetentionClock.EMPLOYMENT_END.value

Row = Employment | PayrollRecord


def _locked(model: type[Row], refs: Sequence[DueRef], now: datetime, dry_run: bool) -> list[Row]:
    query = model.objects.filter(pk__in=[ref[0] for ref in refs], erase_after__lte=now)
    if not dry_run and connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    elif not dry_run:
        query = query.select_for_update()
    return list(query.order_by("id"))


def _skipped(model: type[Row], refs: Sequence[DueRef], rows: Sequence[Row], now: datetime) -> list:
    found = {row.id for row in rows}
    missing = [ref[0] for ref in refs if ref[0] not in found]
    if not missing:
        return []
    return list(
        model.objects.filter(pk__in=missing, erase_after__lte=now).values_list("id", "agency_id")
    )


def _payroll_process(refs: Sequence[DueRef], now: datetime, dry_run: bool) -> BatchResult:
    rows = _locked(PayrollRecord, refs, now, dry_run)
    result = BatchResult(skipped=[] if dry_run else _skipped(PayrollRecord, refs, rows, now))
    result.erased = [
        DueItem(
            kind=PAYROLL_LABEL,
            id=row.id,
            agency_id=row.agency_id,
            clock=PURPOSE,
            deadline=row.erase_after,
        )
        for row in rows
    ]
    if dry_run or not rows:
        return result
    erased_record(rows, action=PAYROLL_ERASED, purpose=PURPOSE, now=now)
    PayrollRecord.objects.filter(pk__in=[row.id for row in rows]).delete()
    return result


def _employment_process(refs: Sequence[DueRef], now: datetime, dry_run: bool) -> BatchResult:
    rows = _locked(Employment, refs, now, dry_run)
    result = BatchResult(skipped=[] if dry_run else _skipped(Employment, refs, rows, now))
    last_records = dict(
        PayrollRecord.objects.filter(employment_id__in=[row.id for row in rows])
        .values("employment_id")
        .annotate(last=Max("erase_after"))
        .values_list("employment_id", "last")
    )
    agencies = {a.id: a for a in Agency.objects.filter(pk__in={row.agency_id for row in rows})}
    to_erase: list[Employment] = []
    to_move: list[Employment] = []
    for row in rows:
        assert isinstance(row, Employment)
        last = last_records.get(row.id)
        # Computed again: a payroll record added late (the last salary) moves it.
        value = employment_deadline(
            config=agencies[row.agency_id].config,
            ended_on=row.ended_on,
            record_deadlines=[last] if last else [],
        )
        if value is not None and value <= now:
            to_erase.append(row)
            result.erased.append(
                DueItem(
                    kind=EMPLOYMENT_LABEL,
                    id=row.id,
                    agency_id=row.agency_id,
                    clock=PURPOSE,
                    deadline=value,
                )
            )
        else:
            row.erase_after = value
            to_move.append(row)
    result.rescheduled = sum(1 for row in to_move if row.erase_after is not None)
    result.paused = len(to_move) - result.rescheduled
    if dry_run:
        return result
    if to_move:
        Employment.objects.bulk_update(to_move, ["erase_after"])
    if to_erase:
        ids = [row.id for row in to_erase]
        keys = list(Employment.objects.filter(pk__in=ids).select_related("data_key"))
        erased_record(to_erase, action=EMPLOYMENT_ERASED, purpose=PURPOSE, now=now)
        Employment.objects.filter(pk__in=ids).delete()
        for employment in keys:
            # Crypto-shred: the national identity number cannot be read from any backup.
            data_key_destroy(data_key=employment.data_key, now=now)
    return result


PAYROLL_KIND = register_kind(
    RetainedKind(
        label=PAYROLL_LABEL, due=partial(rows_due, PayrollRecord), process=_payroll_process
    )
)
EMPLOYMENT_KIND = register_kind(
    RetainedKind(
        label=EMPLOYMENT_LABEL, due=partial(rows_due, Employment), process=_employment_process
    )
)
