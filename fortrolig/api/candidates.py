"""Candidate endpoints of the API: list and search, create, read, update, and documents.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token
(audit actor type API). Restricted candidates (P-23) are left out: they are not listed,
and reading or changing one answers 404, as for a candidate that does not exist. Errors
use the shared JSON shape; none of them repeats a submitted value.
"""

import uuid
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from fortrolig.candidates.models import Availability, Candidate, Source
from fortrolig.candidates.selectors import candidate_open, candidate_search_open
from fortrolig.candidates.services import (
    CandidateInput,
    DuplicateCandidate,
    candidate_create,
    candidate_patch,
    candidate_update,
)
from fortrolig.core import clock
from fortrolig.core.middleware import error_payload
from fortrolig.documents.models import Document, DocumentKind

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["candidates"])

_NAME: Any = Field(..., min_length=1, max_length=100)
_LIST: Any = Field(default_factory=list, max_length=100)


class CandidateUpdateIn(Schema):
    """A candidate's editable details. Source and campaign partner are set when the
    candidate is created and kept (P-06)."""

    first_name: str = _NAME
    last_name: str = _NAME
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="Norwegian, or with country code.")
    birth_date: date | None = None
    national_id: str = Field(
        "", max_length=20, description="Fødselsnummer or D-number; stored encrypted."
    )
    address: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=10)
    city: str = Field("", max_length=100)
    country: str = Field("NO", min_length=2, max_length=2)
    skills: list[str] = _LIST
    languages: list[str] = _LIST
    desired_roles: list[str] = _LIST
    availability: Availability = Availability.UNKNOWN
    available_from: date | None = None
    summary: str = Field("", max_length=20_000)


class CandidateCreateIn(CandidateUpdateIn):
    source: Source = Field(..., description="Where the candidate came from (P-06).")
    source_partner: str = Field(
        "", max_length=200, description="The partner that ran the campaign (campaign only)."
    )


class CandidatePatchIn(Schema):
    """Only the fields sent are changed."""

    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    birth_date: date | None = None
    national_id: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=10)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, min_length=2, max_length=2)
    skills: list[str] | None = Field(None, max_length=100)
    languages: list[str] | None = Field(None, max_length=100)
    desired_roles: list[str] | None = Field(None, max_length=100)
    availability: Availability | None = None
    available_from: date | None = None
    summary: str | None = Field(None, max_length=20_000)


class DocumentOut(Schema):
    id: uuid.UUID
    kind: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class CandidateOut(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date | None
    national_id_masked: str = Field(description="Only the last three digits are shown.")
    address: str
    postal_code: str
    city: str
    country: str
    skills: list[str]
    languages: list[str]
    desired_roles: list[str]
    availability: str
    available_from: date | None
    summary: str
    source: str
    source_partner: str
    last_activity_at: datetime
    created_at: datetime
    updated_at: datetime
    documents: list[DocumentOut] = Field(default_factory=list)


class CandidateRowOut(Schema):
    id: uuid.UUID
    full_name: str
    city: str
    skills: list[str]
    availability: str
    snippet: str = Field(description="HTML-escaped text with <mark> around the hits.")
    rank: float


class CandidatePageOut(Schema):
    items: list[CandidateRowOut]
    total: int
    total_capped: bool = Field(
        description="True when more candidates matched than are ranked: total is a lower bound."
    )
    page: int
    pages: int
    page_size: int


class CandidateListIn(Schema):
    q: str = Field("", max_length=200, description="Search text; empty lists by last activity.")
    skills: list[str] = Field(default_factory=list, description="Every one of these skills.")
    city: str = Field("", max_length=100)
    availability: Availability | None = None
    source: Source | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class DuplicateErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]
    reasons: list[str] = Field(
        description="Why the candidate seems registered already: email, phone, "
        "name_and_birth_date. Nothing about the other candidate is given."
    )


class DuplicateErrorOut(Schema):
    error: DuplicateErrorDetail


@api.exception_handler(DuplicateCandidate)
def _duplicate(request: HttpRequest, exc: DuplicateCandidate) -> HttpResponse:
    payload: dict[str, Any] = error_payload(exc)
    payload["error"]["reasons"] = exc.reasons
    return api.create_response(request, payload, status=exc.status)


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _out(candidate: Candidate, documents: list[Document] | None = None) -> dict[str, Any]:
    values = {
        name: getattr(candidate, name) for name in CandidateOut.model_fields if name != "documents"
    }
    values["documents"] = [_document_out(document) for document in documents or []]
    return values


def _document_out(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "created_at": document.created_at,
    }


@router.get(
    "/candidates",
    response={200: CandidatePageOut, 400: ErrorOut, 401: ErrorOut},
    summary="List or search candidates",
)
def candidate_list(request: HttpRequest, filters: Query[CandidateListIn]) -> dict[str, Any]:
    """The agency's candidates, best match first for `q`, otherwise by last activity.
    Restricted candidates never appear (P-23)."""
    from fortrolig.search.selectors import CandidateSearchQuery

    page = candidate_search_open(
        agency=_agency(request),
        actor=_actor(request),
        now=clock.now(),
        query=CandidateSearchQuery(
            text=filters.q,
            skills=tuple(filters.skills),
            city=filters.city,
            availability=filters.availability or "",
            source=filters.source or "",
            page=filters.page,
            page_size=filters.page_size,
        ),
    )
    return {
        "items": [
            {
                "id": row.candidate_id,
                "full_name": row.full_name,
                "city": row.city,
                "skills": row.skills,
                "availability": row.availability,
                "snippet": row.snippet,
                "rank": row.rank,
            }
            for row in page.rows
        ],
        "total": page.total,
        "total_capped": page.total_capped,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.page_size,
    }


@router.post(
    "/candidates",
    response={201: CandidateOut, 400: ErrorOut, 401: ErrorOut, 409: DuplicateErrorOut},
    summary="Register a candidate",
)
def candidate_create_endpoint(
    request: HttpRequest, payload: CandidateCreateIn, allow_duplicate: bool = False
) -> Status[dict[str, Any]]:
    """Register a candidate with its source (P-06). A likely duplicate (same email, phone,
    or similar name and birth date) answers 409 with the reasons, unless
    `allow_duplicate=true`."""
    candidate = candidate_create(
        agency=_agency(request),
        actor=_actor(request),
        data=CandidateInput(**_input_values(payload)),
        now=clock.now(),
        allow_duplicate=allow_duplicate,
    )
    return Status(201, _out(candidate))


_EMPTY: dict[str, Any] = {
    "skills": [],
    "languages": [],
    "desired_roles": [],
    "birth_date": None,
    "available_from": None,
    "availability": Availability.UNKNOWN,
    "country": "NO",
}


def _input_values(payload: Schema) -> dict[str, Any]:
    values = payload.model_dump()
    for name in ("skills", "languages", "desired_roles"):
        values[name] = tuple(values[name])
    return values


@router.get(
    "/candidates/{candidate_id}",
    response={200: CandidateOut, 401: ErrorOut, 404: ErrorOut},
    summary="Read a candidate",
)
def candidate_read(request: HttpRequest, candidate_id: uuid.UUID) -> dict[str, Any]:
    """One candidate with its documents; the national identity number is masked. The read
    is recorded in the audit trail as made by this token (P-28)."""
    detail = candidate_open(
        agency=_agency(request),
        actor=_actor(request),
        candidate_id=candidate_id,
        now=clock.now(),
        include_restricted=False,
    )
    return _out(detail.candidate, detail.documents)


@router.put(
    "/candidates/{candidate_id}",
    response={200: CandidateOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Replace a candidate's details",
)
def candidate_replace(
    request: HttpRequest, candidate_id: uuid.UUID, payload: CandidateUpdateIn
) -> dict[str, Any]:
    """Replace every editable field; fields left out get their empty value."""
    candidate = candidate_update(
        agency=_agency(request),
        actor=_actor(request),
        candidate_id=candidate_id,
        data=CandidateInput(**_input_values(payload)),
        now=clock.now(),
        include_restricted=False,
    )
    return _out(candidate)


@router.patch(
    "/candidates/{candidate_id}",
    response={200: CandidateOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Change some of a candidate's details",
)
def candidate_change(
    request: HttpRequest, candidate_id: uuid.UUID, payload: CandidatePatchIn
) -> dict[str, Any]:
    """Change only the fields sent. Send "" (or [] for a list) to clear a field."""
    # null clears a field: it becomes the field's empty value.
    changes = {
        name: _EMPTY.get(name, "") if value is None else value
        for name, value in payload.model_dump(exclude_unset=True).items()
    }
    candidate = candidate_patch(
        agency=_agency(request),
        actor=_actor(request),
        candidate_id=candidate_id,
        changes=changes,
        now=clock.now(),
        include_restricted=False,
    )
    return _out(candidate)


@router.post(
    "/candidates/{candidate_id}/documents",
    response={201: DocumentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Upload a document",
)
def candidate_document_upload(
    request: HttpRequest,
    candidate_id: uuid.UUID,
    file: File[UploadedFile],
    kind: Form[DocumentKind] = DocumentKind.OTHER,
) -> Status[dict[str, Any]]:
    """Store a document of the candidate, encrypted under the candidate's key (P-27). The
    file is checked by its content; a refused file answers 400 with the reason, and
    nothing is stored (P-29)."""
    from fortrolig.documents.services import document_upload

    document = document_upload(
        agency=_agency(request),
        actor=_actor(request),
        candidate_id=candidate_id,
        kind=kind,
        filename=file.name or "",
        content=file.read(),
        now=clock.now(),
        # The agency's tools do not process a restricted candidate (P-23).
        include_restricted=False,
    )
    return Status(201, _document_out(document))


@router.get(
    "/documents/{document_id}",
    response={200: None, 401: ErrorOut, 404: ErrorOut, 410: ErrorOut},
    summary="Download a document",
    tags=["candidates"],
)
def document_download(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The document's bytes, as an attachment. The download is recorded in the audit trail
    (P-28)."""
    from fortrolig.documents.services import document_open

    opened = document_open(
        agency=_agency(request),
        actor=_actor(request),
        document_id=document_id,
        now=clock.now(),
        include_restricted=False,
    )
    response = HttpResponse(opened.content, content_type=opened.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(opened.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


api.add_router("/", router)
