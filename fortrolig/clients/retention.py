"""When the personal data of a client is erased (P-04, clock AGREEMENT_END).

A client company itself is not personal data and is kept. Its contact people and its
agreements (the signed file names the signatories) are kept while the agency works for the
client, then for the agency's `client_retention_months_after_agreement` (default 12):

- A client with agreements: every contact and every agreement of the client is due at the
  end of the latest `valid_until` (the agreement is valid through that day, so its end is
  the following midnight in the agency's time zone) plus the period, counted in calendar
  months like the candidate rule. An agreement without `valid_until` has no end: the
  deadline is empty (NULL). An agreement that ends in the future gives a deadline in the
  future, which a new agreement or an open assignment moves or clears before it arrives
  (the sweep computes it again before erasing).
- A client without agreements: each contact is due at its own `ended_at` plus the period;
  a contact that has not ended has no deadline.
- While the client has an open assignment nothing of it is due (NULL).

`client_erase_after_refresh` stores the deadline on every contact and agreement of a
client; the client services call it when agreements or contacts change, and it must run
when one of the client's assignments ends (`client_erase_after_refresh_on_assignment_end`).
The retention sweep (`clients.retention_kinds`) erases what is due.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fortrolig.audit.services import Actor
from fortrolig.core.clock import require_aware
from fortrolig.core.models import Agency, AgencySettings
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.retention_rules import retention_rules

from .models import Agreement, Client, ClientContact

if TYPE_CHECKING:
    from fortrolig.assignments.models import Assignment

__all__ = [
    "ClientRetention",
    "client_erase_after_refresh",
    "client_erase_after_refresh_on_assignment_end",
    "client_retention_states",
]


def _local_zone() -> Any:
    return timezone.get_default_timezone()


def _agreement_end(valid_until: date) -> datetime:
    """The moment an agreement valid through `valid_until` ends: the next local midnight."""
    return datetime.combine(valid_until + timedelta(days=1), time(), tzinfo=_local_zone())


@dataclass(frozen=True)
class ClientRetention:
    """What the deadlines of one client's personal data depend on."""

    config: AgencySettings
    has_agreements: bool
    # The end of the latest agreement; None when an agreement has no end.
    agreements_end: datetime | None
    open_assignment: bool

    def _deadline(self, event: datetime) -> datetime:
        rule = retention_rules(self.config)[RetentionClock.AGREEMENT_END]
        return rule.deadline(event.astimezone(_local_zone())).astimezone(UTC)

    def agreement_erase_after(self) -> datetime | None:
        if self.open_assignment or self.agreements_end is None:
            return None
        return self._deadline(self.agreements_end)

    def contact_erase_after(self, contact: ClientContact) -> datetime | None:
        if self.has_agreements:
            return self.agreement_erase_after()
        if self.open_assignment or contact.ended_at is None:
            return None
        return self._deadline(contact.ended_at)


def client_retention_states(client_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ClientRetention]:
    """The retention state of each client, from the current data (four queries)."""
    from fortrolig.assignments.models import Assignment, AssignmentStatus

    ids = list(set(client_ids))
    agency_ids = dict(Client.objects.filter(pk__in=ids).values_list("id", "agency_id"))
    configs = {
        agency.id: agency.config
        for agency in Agency.objects.filter(pk__in=set(agency_ids.values())).only("id", "settings")
    }
    # The latest `valid_until` of each client that has agreements (None: all undated).
    latest_until: dict[uuid.UUID, date | None] = dict(
        Agreement.objects.filter(client_id__in=ids)
        .values("client_id")
        .annotate(latest=Max("valid_until"))
        .values_list("client_id", "latest")
    )
    without_end = set(
        Agreement.objects.filter(client_id__in=ids, valid_until__isnull=True).values_list(
            "client_id", flat=True
        )
    )
    open_ = set(
        Assignment.objects.filter(client_id__in=ids, status=AssignmentStatus.OPEN).values_list(
            "client_id", flat=True
        )
    )
    states = {}
    for client_id, agency_id in agency_ids.items():
        latest = latest_until.get(client_id)
        states[client_id] = ClientRetention(
            config=configs[agency_id],
            has_agreements=client_id in latest_until,
            agreements_end=(
                _agreement_end(latest)
                if latest is not None and client_id not in without_end
                else None
            ),
            open_assignment=client_id in open_,
        )
    return states


def client_erase_after_refresh(*, agency: Agency, client_id: uuid.UUID, now: datetime) -> int:
    """Compute the `erase_after` of every contact and agreement of the client again from
    the current data and store it, in the caller's transaction or its own. Locks the
    client's row. Returns how many rows changed; another agency's client changes nothing."""
    require_aware(now)
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(agency=agency, pk=client_id).first()
        if client is None:
            return 0
        state = client_retention_states([client.id])[client.id]
        changed = 0
        agreement_value = state.agreement_erase_after()
        changed += (
            Agreement.objects.filter(client=client)
            .exclude(erase_after=agreement_value)
            .update(erase_after=agreement_value)
            if agreement_value is not None
            else Agreement.objects.filter(client=client, erase_after__isnull=False).update(
                erase_after=None
            )
        )
        contacts = list(
            ClientContact.objects.filter(client=client).only("id", "ended_at", "erase_after")
        )
        moved = []
        for contact in contacts:
            value = state.contact_erase_after(contact)
            if contact.erase_after != value:
                contact.erase_after = value
                moved.append(contact)
        if moved:
            ClientContact.objects.bulk_update(moved, ["erase_after"])
        return changed + len(moved)


def client_erase_after_refresh_on_assignment_end(
    *, agency: Agency, actor: Actor, assignment: "Assignment", now: datetime
) -> None:
    """An assignment-ended hook: the client's data may become due once its last open
    assignment ends. Register it with `fortrolig.assignments.hooks.assignment_ended_hook`
    when the app is ready."""
    client_erase_after_refresh(agency=agency, client_id=assignment.client_id, now=now)
