"""Background checks in the retention sweep: the P-07 safety net.

A check's document and details are destroyed when its assignment ends or its candidate
leaves the recruitment (in the transaction of that change). Should that ever be missed, the
sweep destroys every check that is not destroyed and whose `erase_after` has passed, whose
assignment has ended, or whose application is in a stage whose outcome is "not going
further". The dated note stays: the row is not deleted (it goes with the candidate, on the
candidate's own clock). A destroyed check is never taken again.

Autodiscovered by `fortrolig.privacy.retention.registered_kinds`.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from fortrolig.audit.services import Actor
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.retention import BatchResult, DueItem, DueRef, RetainedKind, register_kind

from .background_checks import _destroy, _due_q
from .models import BackgroundCheck, CheckStatus

LABEL = "candidates.BackgroundCheck"


def _due(now: datetime) -> list[DueRef]:
    return list(
        BackgroundCheck.objects.filter(_due_q(now))
        .exclude(status=CheckStatus.DESTROYED)
        .order_by("created_at", "id")
        .values_list("id", "agency_id")
    )


def _process(refs: Sequence[DueRef], now: datetime, dry_run: bool) -> BatchResult:
    ids = [ref[0] for ref in refs]
    query = (
        BackgroundCheck.objects.filter(pk__in=ids)
        .filter(_due_q(now))
        .exclude(status=CheckStatus.DESTROYED)
    )
    if not dry_run:
        query = query.select_for_update(of=("self",), skip_locked=True)
    checks = list(query.order_by("created_at", "id"))
    result = BatchResult()
    if not dry_run and connection.features.has_select_for_update_skip_locked:
        found = {check.id for check in checks}
        missing = [i for i in ids if i not in found]
        if missing:
            # Still due without a lock: another transaction held them.
            result.skipped = list(
                BackgroundCheck.objects.filter(pk__in=missing)
                .filter(_due_q(now))
                .exclude(status=CheckStatus.DESTROYED)
                .values_list("id", "agency_id")
            )
    result.erased = [
        DueItem(
            kind=LABEL,
            id=check.id,
            agency_id=check.agency_id,
            clock=RetentionClock.ASSIGNMENT_END.value,
            deadline=check.erase_after,
        )
        for check in checks
    ]
    if not dry_run and checks:
        _destroy(checks, actor=Actor.system(), now=now, purpose="retention")
    return result


BACKGROUND_CHECK_KIND = register_kind(RetainedKind(label=LABEL, due=_due, process=_process))
