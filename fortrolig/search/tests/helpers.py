"""Candidates and documents made straight through the ORM, so that the index is tested on
its own; the refresh is called explicitly."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from fortrolig.candidates.models import Availability, Candidate, Source
from fortrolig.core.crypto import data_key_create
from fortrolig.core.models import Agency
from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
from fortrolig.search.services import search_index_refresh

BASE_TIME = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_candidate(
    agency: Agency,
    first_name: str = "Ola",
    last_name: str = "Testmann",
    *,
    index: bool = True,
    days_ago: int = 0,
    **fields,
) -> Candidate:
    values = {
        "city": "Oslo",
        "skills": [],
        "desired_roles": [],
        "languages": [],
        "availability": Availability.UNKNOWN,
        "summary": "",
        "source": Source.CONSULTANT,
        "last_activity_at": BASE_TIME - timedelta(days=days_ago),
    }
    values.update(fields)
    candidate = Candidate.objects.create(
        agency=agency,
        data_key=data_key_create(agency=agency),
        first_name=first_name,
        last_name=last_name,
        **values,
    )
    if index:
        search_index_refresh(candidate_id=candidate.id)
    return candidate


def make_document(
    candidate: Candidate,
    text: str | None,
    *,
    status: ExtractionStatus = ExtractionStatus.DONE,
    index: bool = True,
) -> Document:
    document = Document.objects.create(
        agency_id=candidate.agency_id,
        candidate=candidate,
        data_key_id=candidate.data_key_id,
        kind=DocumentKind.CV,
        filename="cv.pdf",
        content_type="application/pdf",
        size=100,
        blob_name=f"test/{uuid.uuid4().hex}",
        content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        extraction_status=status,
        extracted_text=text,
    )
    if index:
        search_index_refresh(candidate_id=candidate.id)
    return document
