"""The client data the retention sweep erases (P-04, clock AGREEMENT_END): contact people
and agreements (with their signed files), once `erase_after` (see `clients.retention`) has
passed. The client company row itself is not personal data and stays.

Autodiscovered by `fortrolig.privacy.retention.registered_kinds`.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from django.db import connection, models, transaction
from django.db.models import QuerySet

from fortrolig.core.crypto import data_key_destroy
from fortrolig.core.vault import vault_delete
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

from .models import Agreement, Client, ClientContact
from .retention import ClientRetention, client_retention_states

CONTACT_LABEL = "clients.ClientContact"
AGREEMENT_LABEL = "clients.Agreement"
CONTACT_ERASED = "retention.client_contact.erased"
AGREEMENT_ERASED = "retention.agreement.erased"
CONTACT_FIELDS = ("name", "role", "email", "email_hash", "phone")
AGREEMENT_FIELDS = ("terms", "fee_terms", "filename", "content")
PURPOSE = RetentionClock.AGREEMENT_END.value

Row = ClientContact | Agreement


def _locked_rows(
    model: type[Row], refs: Sequence[DueRef], now: datetime, dry_run: bool
) -> tuple[list[Row], list[DueRef]]:
    """The rows of `refs` that are still due, locked; and the rows another transaction held.

    The client rows are locked first, as the client services do, and nothing is waited
    for (SKIP LOCKED), so a sweep cannot deadlock with a user's change."""
    ids = [ref[0] for ref in refs]
    query: QuerySet[Row] = model.objects.filter(pk__in=ids, erase_after__lte=now)
    if not dry_run:
        client_ids = set(query.values_list("client_id", flat=True))
        locked_clients = list(
            Client.objects.select_for_update(skip_locked=True)
            .filter(pk__in=client_ids)
            .values_list("id", flat=True)
        )
        query = query.filter(client_id__in=locked_clients).select_for_update(skip_locked=True)
    rows = list(query.order_by("id"))
    skipped: list[DueRef] = []
    if (
        not dry_run
        and connection.features.has_select_for_update_skip_locked
        and len(rows) < len(ids)
    ):
        found = {row.id for row in rows}
        skipped = list(
            model.objects.filter(
                pk__in=[i for i in ids if i not in found], erase_after__lte=now
            ).values_list("id", "agency_id")
        )
    return rows, skipped


def _process(
    model: type[Row],
    label: str,
    deadline_of: Callable[[ClientRetention, Row], datetime | None],
    erase: Callable[[list[Row], datetime], None],
    refs: Sequence[DueRef],
    now: datetime,
    dry_run: bool,
) -> BatchResult:
    rows, skipped = _locked_rows(model, refs, now, dry_run)
    result = BatchResult(skipped=skipped)
    states = client_retention_states(row.client_id for row in rows)
    to_erase: list[tuple[Row, datetime]] = []
    to_move: list[Row] = []
    for row in rows:
        value = deadline_of(states[row.client_id], row)
        if value is not None and value <= now:
            to_erase.append((row, value))
        else:
            # Computed again from the current data: later, or paused (NULL) by an ongoing
            # agreement or an open assignment.
            row.erase_after = value
            to_move.append(row)
    result.rescheduled = sum(1 for row in to_move if row.erase_after is not None)
    result.paused = len(to_move) - result.rescheduled
    result.erased = [
        DueItem(kind=label, id=row.id, agency_id=row.agency_id, clock=PURPOSE, deadline=value)
        for row, value in to_erase
    ]
    if dry_run:
        return result
    if to_move:
        model.objects.bulk_update(to_move, ["erase_after"])  # type: ignore[arg-type]
    if to_erase:
        erase([row for row, _value in to_erase], now)
    return result


def _contacts_erase(rows: list[Row], now: datetime) -> None:
    erased_record(rows, action=CONTACT_ERASED, purpose=PURPOSE, fields=CONTACT_FIELDS, now=now)
    # Django's delete: what cascades from a contact (a consent it gave) goes with it.
    ClientContact.objects.filter(pk__in=[row.id for row in rows]).delete()


def _blobs_delete(names: list[str]) -> None:
    for name in names:
        vault_delete(name=name)


def _agreements_erase(rows: list[Row], now: datetime) -> None:
    agreements = list(
        Agreement.objects.filter(pk__in=[row.id for row in rows]).select_related("data_key")
    )
    blobs = [agreement.blob_name for agreement in agreements if agreement.blob_name]
    keys = [agreement.data_key for agreement in agreements]
    erased_record(
        agreements, action=AGREEMENT_ERASED, purpose=PURPOSE, fields=AGREEMENT_FIELDS, now=now
    )
    Agreement.objects.filter(pk__in=[agreement.id for agreement in agreements]).delete()
    for key in keys:
        # Crypto-shred: the file cannot be read again, backups included.
        data_key_destroy(data_key=key, now=now)
    if blobs:
        # After the commit only: a rollback must find the blobs still there.
        transaction.on_commit(partial(_blobs_delete, blobs))


def _contact_deadline(state: ClientRetention, row: models.Model) -> datetime | None:
    assert isinstance(row, ClientContact)
    return state.contact_erase_after(row)


def _agreement_deadline(state: ClientRetention, _row: models.Model) -> datetime | None:
    return state.agreement_erase_after()


CONTACT_KIND = register_kind(
    RetainedKind(
        label=CONTACT_LABEL,
        due=partial(rows_due, ClientContact),
        process=partial(_process, ClientContact, CONTACT_LABEL, _contact_deadline, _contacts_erase),
    )
)
AGREEMENT_KIND = register_kind(
    RetainedKind(
        label=AGREEMENT_LABEL,
        due=partial(rows_due, Agreement),
        process=partial(
            _process, Agreement, AGREEMENT_LABEL, _agreement_deadline, _agreements_erase
        ),
    )
)
