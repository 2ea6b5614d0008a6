"""Data-subject request endpoints of the API (P-24, P-25): list, register, read, extend
and answer, for the agency's own tools.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token
(audit actor type API). Another agency's request answers 404, as one that does not exist.
Errors use the shared JSON shape; none of them repeats a submitted value.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fortrolig.core import clock
from fortrolig.privacy.models import (
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
    RequestSubjectType,
)
from fortrolig.privacy.requests import (
    ResponseRule,
    effective_due,
    is_overdue,
    oslo_date,
    request_access_export,
    request_extend,
    request_open,
    request_register,
    request_respond,
    requests_queue,
)

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["requests"])


class RequestCreateIn(Schema):
    kind: RequestKind
    channel: RequestChannel
    subject_type: RequestSubjectType
    subject_id: uuid.UUID
    details: str = Field("", max_length=5000)
    identity_method: IdentityMethod | None = Field(
        None,
        description="How the person was identified. Leave out for a request by email from "
        "an address that is not verified: a code goes to the address on file.",
    )
    marketing: bool = Field(
        False, description="For an objection: it is to marketing, and takes effect at once."
    )


class RequestExtendIn(Schema):
    months: int = Field(..., description="1 or 2.")
    reason: str = Field(..., max_length=2000, description="Sent to the person.")


class RequestRespondIn(Schema):
    status: str = Field(..., description="done or refused.")
    response: str = Field(..., max_length=20_000)
    rule: ResponseRule | None = Field(
        None, description="The rule that limits the right; required for a refusal (P-25)."
    )


class RequestOut(Schema):
    id: uuid.UUID
    kind: str
    channel: str
    subject_type: str
    subject_id: uuid.UUID
    status: str
    received_at: datetime
    due_on: date
    extended_due_on: date | None
    effective_due_on: date
    overdue: bool
    identity_method: str
    identity_verified_at: datetime | None
    extension_notice_at: datetime | None
    responded_at: datetime | None


class RequestDetailOut(RequestOut):
    details: str
    extension_reason: str
    response: str
    history: list[str] = Field(description="Event codes, oldest first.")


class RequestListIn(Schema):
    status: RequestStatus | None = None
    include_closed: bool = False


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _out(item: DataSubjectRequest) -> dict[str, Any]:
    values = {
        name: getattr(item, name)
        for name in RequestOut.model_fields
        if name not in ("effective_due_on", "overdue")
    }
    values["effective_due_on"] = effective_due(item)
    values["overdue"] = is_overdue(item, today=oslo_date(clock.now()))
    return values


@router.get(
    "/requests",
    response={200: list[RequestOut], 400: ErrorOut, 401: ErrorOut},
    summary="List data-subject requests",
)
def request_list_endpoint(
    request: HttpRequest, filters: Query[RequestListIn]
) -> list[dict[str, Any]]:
    """The agency's requests, earliest effective due date first; open ones unless
    `include_closed` or a `status` is given. Overdue ones are flagged."""
    rows = requests_queue(
        agency=_agency(request),
        now=clock.now(),
        include_closed=filters.include_closed,
        status=filters.status or "",
    )
    return [_out(row.request) for row in rows]


@router.post(
    "/requests",
    response={201: RequestOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Register a data-subject request",
)
def request_create_endpoint(request: HttpRequest, payload: RequestCreateIn) -> Status[Any]:
    """Register a request received now. The due date is one calendar month on (P-24)."""
    created = request_register(
        agency=_agency(request),
        actor=_actor(request),
        kind=payload.kind,
        channel=payload.channel,
        subject_type=payload.subject_type,
        subject_id=payload.subject_id,
        details=payload.details,
        identity_method=payload.identity_method,
        marketing=payload.marketing,
        now=clock.now(),
    )
    return Status(201, _out(created))


@router.get(
    "/requests/{request_id}",
    response={200: RequestDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="Read a data-subject request",
)
def request_read_endpoint(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    """One request with its history. The read is recorded in the audit trail."""
    detail = request_open(
        agency=_agency(request), actor=_actor(request), request_id=request_id, now=clock.now()
    )
    values = _out(detail.request)
    values["details"] = detail.request.details
    values["extension_reason"] = detail.request.extension_reason
    values["response"] = detail.request.response
    values["history"] = [event.action for event, _label in detail.events]
    return values


@router.post(
    "/requests/{request_id}/extend",
    response={200: RequestOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Extend a request's deadline",
)
def request_extend_endpoint(
    request: HttpRequest, request_id: uuid.UUID, payload: RequestExtendIn
) -> dict[str, Any]:
    """Extend by one or two months, once, before the first due date, with a reason that
    is emailed to the person (P-24). Otherwise 409 or 400."""
    extended = request_extend(
        agency=_agency(request),
        actor=_actor(request),
        request_id=request_id,
        reason=payload.reason,
        months=payload.months,
        now=clock.now(),
    )
    return _out(extended)


@router.post(
    "/requests/{request_id}/respond",
    response={200: RequestOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Answer a request",
)
def request_respond_endpoint(
    request: HttpRequest, request_id: uuid.UUID, payload: RequestRespondIn
) -> dict[str, Any]:
    """Record the answer: done or refused. A refusal names the rule (P-25)."""
    answered = request_respond(
        agency=_agency(request),
        actor=_actor(request),
        request_id=request_id,
        status=payload.status,
        response=payload.response,
        rule=payload.rule or "",
        now=clock.now(),
    )
    return _out(answered)


api.add_router("/", router)


@router.post(
    "/requests/{request_id}/export",
    response={200: None, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="The access export of a verified access or portability request",
)
def request_export_endpoint(
    request: HttpRequest, request_id: uuid.UUID, lang: str = "nb"
) -> HttpResponse:
    """A zip with export.json, export.pdf and the documents (P-20), recorded against the
    request and in the audit trail. Refused until the person's identity is verified."""
    result = request_access_export(
        agency=_agency(request),
        actor=_actor(request),
        request_id=request_id,
        language="en" if lang == "en" else "nb",
        now=clock.now(),
    )
    response = HttpResponse(result.zip_bytes, content_type="application/zip")
    # The file name holds the request's ID, never a name.
    response["Content-Disposition"] = f'attachment; filename="access-export-{request_id}.zip"'
    response["Cache-Control"] = "no-store"
    return response
