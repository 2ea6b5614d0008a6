"""Reads of the audit trail, always within one agency."""

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from fortrolig.core.models import Agency

from .models import AuditEvent, AuditVerification


@dataclass(frozen=True)
class EventFilters:
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def event_list(*, agency: Agency, filters: EventFilters) -> QuerySet[AuditEvent]:
    """The agency's events, newest first, narrowed by the filters."""
    events = AuditEvent.objects.filter(agency=agency)
    if filters.actor_id:
        events = events.filter(actor_id=filters.actor_id)
    if filters.subject_id:
        events = events.filter(subject_id=filters.subject_id)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.date_from:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.order_by("-seq")


def latest_verification(*, agency: Agency) -> AuditVerification | None:
    return AuditVerification.objects.filter(agency=agency).order_by("-ran_at").first()
