"""Reads of candidates, always within one agency."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.selectors import EventFilters, event_list
from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record, record_many
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency
from fortrolig.documents.models import Document

from .masking import national_id_masked

if TYPE_CHECKING:
    from fortrolig.search.selectors import CandidateSearchPage, CandidateSearchQuery
from .models import Candidate, Reference
from .validation import (
    CandidateInput,
    email_hash,
    name_key,
    names_similar,
    normalise_email,
    parse_national_id,
    parse_phone,
    phone_hash,
)

__all__ = [
    "CandidateDetail",
    "DuplicateMatch",
    "candidate_duplicates",
    "candidate_get",
    "candidate_open",
    "national_id_masked",
]

REASON_EMAIL = "email"
REASON_PHONE = "phone"
REASON_NAME_AND_BIRTH_DATE = "name_and_birth_date"
TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class DuplicateMatch:
    candidate: Candidate
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CandidateDetail:
    candidate: Candidate
    references: list[Reference]
    documents: list[Document]
    timeline: list[AuditEvent]


def candidate_get(
    *, agency: Agency, candidate_id: uuid.UUID, include_restricted: bool = True
) -> Candidate:
    """One of the agency's candidates. Raises NotFound for another agency's candidate, and
    for a restricted one when `include_restricted` is false (P-23)."""
    candidates = Candidate.objects.filter(agency=agency)
    if not include_restricted:
        candidates = candidates.filter(restricted=False)
    candidate = candidates.filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound()
    return candidate


def candidate_open(
    *,
    agency: Agency,
    actor: Actor,
    candidate_id: uuid.UUID,
    now: datetime,
    include_restricted: bool = True,
) -> CandidateDetail:
    """A candidate with references, documents and the audit events about them, for a person
    who reads the record; records a `candidate.viewed` event (P-28). Raises NotFound."""
    from fortrolig.documents.selectors import document_list

    with transaction.atomic():
        candidate = candidate_get(
            agency=agency, candidate_id=candidate_id, include_restricted=include_restricted
        )
        record(
            agency=agency,
            actor=actor,
            action="candidate.viewed",
            subject=candidate,
            now=now,
        )
        references = list(
            Reference.objects.filter(agency=agency, candidate=candidate).order_by("created_at")
        )
        documents = document_list(agency=agency, candidate_id=candidate.id)
    return CandidateDetail(
        candidate=candidate,
        references=references,
        documents=documents,
        timeline=candidate_timeline(
            agency=agency, candidate_id=candidate.id, document_ids=[d.id for d in documents]
        ),
    )


# What a result row shows of each candidate: recorded as the fields seen (P-28).
LISTED_FIELDS = ("first_name", "last_name", "city", "skills", "availability", "snippet")


def candidate_search_open(
    *, agency: Agency, actor: Actor, query: "CandidateSearchQuery", now: datetime
) -> "CandidateSearchPage":
    """One page of search or list results for a person who reads it. Every candidate
    shown is a view of their data, so each gets a `candidate.listed` event (P-28), which
    also lets the candidate's access export say who saw them in a list (P-20)."""
    from fortrolig.search.selectors import candidate_search

    with transaction.atomic():
        page = candidate_search(agency=agency, query=query)
        record_many(
            agency=agency,
            actor=actor,
            events=[
                PendingEvent(
                    action="candidate.listed",
                    subject=SubjectRef(type=Candidate._meta.label_lower, id=row.candidate_id),
                    fields=LISTED_FIELDS if row.snippet else LISTED_FIELDS[:-1],
                    purpose="search" if query.text else "list",
                )
                for row in page.rows
            ],
            now=now,
        )
    return page


def candidate_timeline(
    *, agency: Agency, candidate_id: uuid.UUID, document_ids: list[uuid.UUID]
) -> list[AuditEvent]:
    """The newest audit events about a candidate and about its documents."""
    events = list(
        event_list(agency=agency, filters=EventFilters(subject_id=candidate_id))[:TIMELINE_LIMIT]
    )
    for document_id in document_ids:
        events += list(
            event_list(agency=agency, filters=EventFilters(subject_id=document_id))[:TIMELINE_LIMIT]
        )
    events.sort(key=lambda event: event.seq, reverse=True)
    return events[:TIMELINE_LIMIT]


def candidate_duplicates(
    *, agency: Agency, data: CandidateInput, exclude_id: uuid.UUID | None = None
) -> list[DuplicateMatch]:
    """The agency's candidates that are probably the same person as `data`: the same email
    address, the same phone number, or a similar name with the same date of birth.

    Restricted candidates (P-23) are never matched: matching is processing, and a match
    would show their record to whoever enters a new one. Invalid email or phone values are
    ignored here; the services report them.
    """
    email = normalise_email(data.email)
    e_hash = email_hash(email) if email else ""
    phone = parse_phone(data.phone) if data.phone.strip() else None
    p_hash = phone_hash(phone) if phone else ""
    birth_date = data.birth_date
    if birth_date is None and data.national_id.strip():
        parsed = parse_national_id(data.national_id)
        birth_date = parsed[1] if parsed else None
    key = name_key(data.first_name, data.last_name)

    condition = Q()
    if e_hash:
        condition |= Q(email_hash=e_hash)
    if p_hash:
        condition |= Q(phone_hash=p_hash)
    if birth_date is not None and key:
        condition |= Q(birth_date=birth_date)
    if not condition:
        return []
    found = Candidate.objects.filter(condition, agency=agency, restricted=False)
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    matches = []
    for candidate in found.order_by("-last_activity_at", "id"):
        reasons = match_reasons(
            candidate_email_hash=candidate.email_hash,
            candidate_phone_hash=candidate.phone_hash,
            candidate_birth_date=candidate.birth_date,
            candidate_name_key=name_key(candidate.first_name, candidate.last_name),
            email_hash=e_hash,
            phone_hash=p_hash,
            birth_date=birth_date,
            name_key=key,
        )
        if reasons:
            matches.append(DuplicateMatch(candidate=candidate, reasons=reasons))
    return matches


def match_reasons(
    *,
    candidate_email_hash: str,
    candidate_phone_hash: str,
    candidate_birth_date: object,
    candidate_name_key: str,
    email_hash: str,
    phone_hash: str,
    birth_date: object,
    name_key: str,
) -> tuple[str, ...]:
    """Why two candidates are probably the same person (empty when they are not)."""
    reasons: list[str] = []
    if email_hash and candidate_email_hash == email_hash:
        reasons.append(REASON_EMAIL)
    if phone_hash and candidate_phone_hash == phone_hash:
        reasons.append(REASON_PHONE)
    if (
        birth_date is not None
        and candidate_birth_date == birth_date
        and names_similar(candidate_name_key, name_key)
    ):
        reasons.append(REASON_NAME_AND_BIRTH_DATE)
    return tuple(reasons)


def candidate_email_restricted(*, agency: Agency, email: str) -> bool:
    """Whether `email` is the address of one of the agency's restricted candidates (P-23),
    matched by keyed hash as duplicates are. False for an empty address."""
    normalised = normalise_email(email)
    if not normalised:
        return False
    return Candidate.objects.filter(
        agency=agency, email_hash=email_hash(normalised), restricted=True
    ).exists()
