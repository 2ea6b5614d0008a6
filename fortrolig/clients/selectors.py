"""Reads of client companies, always within one agency.

A client company's own details are not personal data; its contact people's are. Every
read that shows contact people records a `client.contact.viewed` event per person shown
(P-28), in the same transaction as the read.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fortrolig.audit.selectors import EventFilters, event_list
from fortrolig.audit.services import Actor, PendingEvent, record_many
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency

from .models import Agreement, Client, ClientContact, CreditAssessment
from .validation import org_number_clean

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# What a contact row shows: recorded as the fields seen (P-28).
CONTACT_SHOWN_FIELDS = ("name", "role", "email", "phone")


def client_get(*, agency: Agency, client_id: uuid.UUID) -> Client:
    """One of the agency's clients. Raises NotFound for another agency's or an unknown id."""
    client = Client.objects.filter(agency=agency, pk=client_id).first()
    if client is None:
        raise NotFound()
    return client


def client_choices(*, agency: Agency) -> list[Client]:
    """The agency's clients that are not archived, by name: the choices for new work."""
    return list(Client.objects.filter(agency=agency, archived_at__isnull=True).order_by("name"))


@dataclass(frozen=True)
class ClientPage:
    rows: list[Client]
    total: int
    page: int
    pages: int
    page_size: int


def client_list(
    *, agency: Agency, query: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> ClientPage:
    """One page of the agency's clients by name, narrowed to those whose name contains
    `query` or whose organisation number starts with it (spaces ignored). A page past
    the end gives the last page."""
    clients = Client.objects.filter(agency=agency)
    text = " ".join(query.split())
    if text:
        condition = Q(name__icontains=text)
        digits = org_number_clean(text)
        if digits.isdigit():
            condition |= Q(org_number__startswith=digits)
        clients = clients.filter(condition)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    total = clients.count()
    pages = max(1, math.ceil(total / page_size))
    page = max(1, min(page, pages))
    start = (page - 1) * page_size
    rows = list(clients.order_by("name", "id")[start : start + page_size])
    return ClientPage(rows=rows, total=total, page=page, pages=pages, page_size=page_size)


def _record_contacts_viewed(
    *, agency: Agency, actor: Actor, contacts: list[ClientContact], now: datetime
) -> None:
    if not contacts:
        # Nothing shown, nothing to record: do not take the audit chain's lock.
        return
    record_many(
        agency=agency,
        actor=actor,
        events=[
            PendingEvent(
                action="client.contact.viewed",
                subject=contact,
                fields=tuple(name for name in CONTACT_SHOWN_FIELDS if getattr(contact, name)),
            )
            for contact in contacts
        ],
        now=now,
    )


def client_contacts_open(
    *,
    agency: Agency,
    actor: Actor,
    client_id: uuid.UUID,
    now: datetime,
    include_ended: bool = False,
) -> list[ClientContact]:
    """A client's contact people for a person who reads them, primary first, then by name;
    records `client.contact.viewed` for each (P-28). Raises NotFound."""
    with transaction.atomic():
        client = client_get(agency=agency, client_id=client_id)
        contacts = ClientContact.objects.filter(agency=agency, client=client)
        if not include_ended:
            contacts = contacts.filter(ended_at__isnull=True)
        shown = list(contacts.order_by("-is_primary", "name", "id"))
        _record_contacts_viewed(agency=agency, actor=actor, contacts=shown, now=now)
    return shown


def client_contact_get(*, agency: Agency, contact_id: uuid.UUID) -> ClientContact:
    """One of the agency's client contacts, with its client. Raises NotFound."""
    contact = (
        ClientContact.objects.select_related("client").filter(agency=agency, pk=contact_id).first()
    )
    if contact is None:
        raise NotFound()
    return contact


def client_contact_open(
    *, agency: Agency, actor: Actor, contact_id: uuid.UUID, now: datetime
) -> ClientContact:
    """One contact person for a person who reads their details (to edit them); records
    `client.contact.viewed` (P-28). Raises NotFound."""
    with transaction.atomic():
        contact = client_contact_get(agency=agency, contact_id=contact_id)
        _record_contacts_viewed(agency=agency, actor=actor, contacts=[contact], now=now)
    return contact


def agreement_list(*, agency: Agency, client_id: uuid.UUID) -> list[Agreement]:
    """A client's agreements, newest first. Raises NotFound for another agency's client."""
    client = client_get(agency=agency, client_id=client_id)
    return list(
        Agreement.objects.filter(agency=agency, client=client).order_by(
            "-valid_from", "-created_at"
        )
    )


def credit_assessment_list(*, agency: Agency, client_id: uuid.UUID) -> list[CreditAssessment]:
    """A client's credit assessments, newest first. Raises NotFound."""
    client = client_get(agency=agency, client_id=client_id)
    return list(
        CreditAssessment.objects.filter(agency=agency, client=client).order_by(
            "-assessed_on", "-created_at"
        )
    )


class TimelineKind:
    CREATED = "created"
    CONTACT_ADDED = "contact_added"
    CONTACT_ENDED = "contact_ended"
    AGREEMENT_ADDED = "agreement_added"
    CREDIT_ASSESSED = "credit_assessed"
    PREPAYMENT_RECEIVED = "prepayment_received"
    ASSIGNMENT_STARTED = "assignment_started"
    ASSIGNMENT_ENDED = "assignment_ended"


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing in a client's history. `item` is the row it is about (a contact,
    an agreement, an assessment or an assignment), or None."""

    kind: str
    on: date
    at: datetime
    item: Any = None


@dataclass(frozen=True)
class ClientDetail:
    client: Client
    contacts: list[ClientContact]
    ended_contacts: list[ClientContact]
    agreements: list[Agreement]
    assessments: list[CreditAssessment]
    assignments: list[Any]
    timeline: list[TimelineEntry] = field(default_factory=list)


def _local_date(value: datetime) -> date:
    return timezone.localtime(value).date()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def client_detail(
    *, agency: Agency, actor: Actor, client_id: uuid.UUID, now: datetime
) -> ClientDetail:
    """A client with its contact people (current and ended apart), agreements, credit
    assessments, assignments and a timeline of them, newest first. Showing the contact
    people records `client.contact.viewed` for each (P-28). Raises NotFound."""
    # Another engineer's app; imported here so that the clients app loads without it.
    from fortrolig.assignments.selectors import assignments_for_client

    with transaction.atomic():
        client = client_get(agency=agency, client_id=client_id)
        every_contact = list(
            ClientContact.objects.filter(agency=agency, client=client).order_by(
                "-is_primary", "name", "id"
            )
        )
        _record_contacts_viewed(agency=agency, actor=actor, contacts=every_contact, now=now)
        receipts = list(
            event_list(
                agency=agency,
                filters=EventFilters(subject_id=client.id, action="client.prepayment.received"),
            )
        )
    agreements = agreement_list(agency=agency, client_id=client.id)
    assessments = credit_assessment_list(agency=agency, client_id=client.id)
    assignments = assignments_for_client(agency=agency, client_id=client.id)

    entries = [
        TimelineEntry(TimelineKind.CREATED, _local_date(client.created_at), client.created_at)
    ]
    for contact in every_contact:
        entries.append(
            TimelineEntry(
                TimelineKind.CONTACT_ADDED,
                _local_date(contact.created_at),
                contact.created_at,
                contact,
            )
        )
        if contact.ended_at is not None:
            entries.append(
                TimelineEntry(
                    TimelineKind.CONTACT_ENDED,
                    _local_date(contact.ended_at),
                    contact.ended_at,
                    contact,
                )
            )
    for agreement in agreements:
        entries.append(
            TimelineEntry(
                TimelineKind.AGREEMENT_ADDED,
                _local_date(agreement.created_at),
                agreement.created_at,
                agreement,
            )
        )
    for assessment in assessments:
        entries.append(
            TimelineEntry(
                TimelineKind.CREDIT_ASSESSED,
                assessment.assessed_on,
                assessment.created_at
                if _local_date(assessment.created_at) == assessment.assessed_on
                else _start_of(assessment.assessed_on),
                assessment,
            )
        )
    for event in receipts:
        entries.append(
            TimelineEntry(
                TimelineKind.PREPAYMENT_RECEIVED, _local_date(event.occurred_at), event.occurred_at
            )
        )
    for assignment in assignments:
        entries.append(
            TimelineEntry(
                TimelineKind.ASSIGNMENT_STARTED,
                assignment.starts_on,
                _start_of(assignment.starts_on),
                assignment,
            )
        )
        if assignment.ended_at is not None:
            entries.append(
                TimelineEntry(
                    TimelineKind.ASSIGNMENT_ENDED,
                    _local_date(assignment.ended_at),
                    assignment.ended_at,
                    assignment,
                )
            )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return ClientDetail(
        client=client,
        contacts=[c for c in every_contact if c.ended_at is None],
        ended_contacts=[c for c in every_contact if c.ended_at is not None],
        agreements=agreements,
        assessments=assessments,
        assignments=assignments,
        timeline=entries,
    )
