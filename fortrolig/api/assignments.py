"""Assignment endpoints of the API: assignments with their positions, ending an assignment,
releasing a confidential client's name (P-15), and the pipeline's stages.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token.
Another agency's assignment answers 404, as one that does not exist. Errors use the shared
JSON shape.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fortrolig.assignments.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    PipelineStage,
    Position,
)
from fortrolig.assignments.selectors import (
    assignment_detail,
    assignment_list,
    pipeline_config,
)
from fortrolig.assignments.services import (
    AssignmentInput,
    PositionInput,
    assignment_client_release,
    assignment_create,
    assignment_end,
    assignment_update,
    position_add,
)
from fortrolig.core import clock

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["assignments"])


class PositionIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    location: str = Field("", max_length=200)
    openings: int = Field(1, ge=1, le=999)
    requires_police_certificate: bool = Field(
        False, description="A police certificate may be collected for this position (P-07)."
    )
    requires_security_clearance: bool = False
    requires_credit_check: bool = False


class AssignmentUpdateIn(Schema):
    client_id: uuid.UUID
    title: str = Field(..., min_length=1, max_length=200)
    kind: AssignmentKind
    description: str = Field("", max_length=20_000)
    responsible_id: uuid.UUID | None = Field(
        None, description="A user of the agency responsible for the assignment."
    )
    confidential_client: bool = Field(
        False,
        description="Hide the client's name from candidates until it is released (P-15).",
    )
    starts_on: date
    ends_on: date | None = Field(None, description="The planned end; not before starts_on.")


class AssignmentCreateIn(AssignmentUpdateIn):
    positions: list[PositionIn] = Field(default_factory=list, max_length=50)


class PositionOut(Schema):
    id: uuid.UUID
    title: str
    location: str
    openings: int
    requires_police_certificate: bool
    requires_security_clearance: bool
    requires_credit_check: bool
    application_count: int = 0


class AssignmentOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    title: str
    kind: str
    description: str
    responsible_id: uuid.UUID | None
    confidential_client: bool
    client_name_released_at: datetime | None
    starts_on: date
    ends_on: date | None
    status: str
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    positions: list[PositionOut] = Field(default_factory=list)


class AssignmentRowOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    title: str
    kind: str
    confidential_client: bool
    starts_on: date
    ends_on: date | None
    status: str
    position_count: int
    application_count: int


class AssignmentPageOut(Schema):
    items: list[AssignmentRowOut]
    total: int
    page: int
    pages: int
    page_size: int


class AssignmentListIn(Schema):
    status: AssignmentStatus | None = None
    client_id: uuid.UUID | None = None
    q: str = Field("", max_length=200, description="Words in the title or the client's name.")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


class StageOut(Schema):
    id: uuid.UUID
    name_nb: str
    name_en: str
    order: int
    outcome: str
    is_initial: bool
    application_count: int


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _position_out(position: Position, application_count: int = 0) -> dict[str, Any]:
    values = {
        name: getattr(position, name)
        for name in PositionOut.model_fields
        if name != "application_count"
    }
    values["application_count"] = application_count
    return values


def _assignment_out(
    assignment: Assignment, positions: list[tuple[Position, int]] | None = None
) -> dict[str, Any]:
    values = {
        name: getattr(assignment, name)
        for name in AssignmentOut.model_fields
        if name not in ("client_name", "positions")
    }
    values["client_name"] = assignment.client.name
    values["positions"] = [_position_out(p, count) for p, count in positions or []]
    return values


def _detail_out(request: HttpRequest, assignment_id: uuid.UUID) -> dict[str, Any]:
    detail = assignment_detail(agency=_agency(request), assignment_id=assignment_id)
    return _assignment_out(
        detail.assignment, [(row.position, row.application_count) for row in detail.positions]
    )


def _assignment_input(payload: AssignmentUpdateIn) -> AssignmentInput:
    return AssignmentInput(
        client_id=payload.client_id,
        title=payload.title,
        kind=payload.kind,
        description=payload.description,
        responsible_id=payload.responsible_id,
        confidential_client=payload.confidential_client,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )


def _position_input(payload: PositionIn) -> PositionInput:
    return PositionInput(**payload.model_dump())


@router.get(
    "/assignments",
    response={200: AssignmentPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="List assignments",
)
def assignment_list_endpoint(
    request: HttpRequest, filters: Query[AssignmentListIn]
) -> dict[str, Any]:
    """The agency's assignments, newest start first."""
    page = assignment_list(
        agency=_agency(request),
        status=filters.status or "",
        client_id=filters.client_id,
        query=filters.q,
        page=filters.page,
        page_size=filters.page_size,
    )
    return {
        "items": [
            {
                "id": row.assignment.id,
                "client_id": row.assignment.client_id,
                "client_name": row.assignment.client.name,
                "title": row.assignment.title,
                "kind": row.assignment.kind,
                "confidential_client": row.assignment.confidential_client,
                "starts_on": row.assignment.starts_on,
                "ends_on": row.assignment.ends_on,
                "status": row.assignment.status,
                "position_count": row.position_count,
                "application_count": row.application_count,
            }
            for row in page.rows
        ],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.page_size,
    }


@router.post(
    "/assignments",
    response={201: AssignmentOut, 400: ErrorOut, 401: ErrorOut},
    summary="Create an assignment",
)
def assignment_create_endpoint(
    request: HttpRequest, payload: AssignmentCreateIn
) -> Status[dict[str, Any]]:
    """Create an open assignment for one of the agency's clients, with its positions. A
    client of another agency, or a planned end before the start, answers 400."""
    assignment = assignment_create(
        agency=_agency(request),
        actor=_actor(request),
        data=_assignment_input(payload),
        positions=[_position_input(p) for p in payload.positions],
        now=clock.now(),
    )
    return Status(201, _detail_out(request, assignment.id))


@router.get(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut},
    summary="Read an assignment",
)
def assignment_read(request: HttpRequest, assignment_id: uuid.UUID) -> dict[str, Any]:
    """One assignment with its positions and their numbers of applications."""
    return _detail_out(request, assignment_id)


@router.put(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Replace an assignment's details",
)
def assignment_replace(
    request: HttpRequest, assignment_id: uuid.UUID, payload: AssignmentUpdateIn
) -> dict[str, Any]:
    """Replace the details of an open assignment (positions are changed on their own). An
    ended assignment answers 409."""
    assignment = assignment_update(
        agency=_agency(request),
        actor=_actor(request),
        assignment_id=assignment_id,
        data=_assignment_input(payload),
        now=clock.now(),
    )
    return _detail_out(request, assignment.id)


@router.post(
    "/assignments/{assignment_id}/positions",
    response={201: PositionOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Add a position",
)
def position_add_endpoint(
    request: HttpRequest, assignment_id: uuid.UUID, payload: PositionIn
) -> Status[dict[str, Any]]:
    """Add a position, with the background checks it requires (P-07), to an open
    assignment."""
    position = position_add(
        agency=_agency(request),
        actor=_actor(request),
        assignment_id=assignment_id,
        data=_position_input(payload),
        now=clock.now(),
    )
    return Status(201, _position_out(position))


@router.post(
    "/assignments/{assignment_id}/end",
    response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="End an assignment",
)
def assignment_end_endpoint(request: HttpRequest, assignment_id: uuid.UUID) -> dict[str, Any]:
    """End the assignment. Background checks collected for it are destroyed in the same
    transaction (P-07). Ending it twice answers 409."""
    assignment = assignment_end(
        agency=_agency(request),
        actor=_actor(request),
        assignment_id=assignment_id,
        now=clock.now(),
    )
    return _detail_out(request, assignment.id)


@router.post(
    "/assignments/{assignment_id}/release-client-name",
    response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Release a confidential client's name",
)
def assignment_release_endpoint(request: HttpRequest, assignment_id: uuid.UUID) -> dict[str, Any]:
    """Let candidates see the name of a confidential client from now on (P-15). An
    assignment whose client is not confidential, or already released, answers 409."""
    assignment = assignment_client_release(
        agency=_agency(request),
        actor=_actor(request),
        assignment_id=assignment_id,
        now=clock.now(),
    )
    return _detail_out(request, assignment.id)


@router.get(
    "/pipeline/stages",
    response={200: list[StageOut], 401: ErrorOut},
    summary="List the pipeline's stages",
)
def pipeline_stage_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The agency's active pipeline stages in board order, with the number of applications
    in each. The first use creates the default stages."""
    return [
        _stage_out(row.stage, row.application_count)
        for row in pipeline_config(agency=_agency(request), now=clock.now())
    ]


def _stage_out(stage: PipelineStage, application_count: int) -> dict[str, Any]:
    return {
        "id": stage.id,
        "name_nb": stage.name_nb,
        "name_en": stage.name_en,
        "order": stage.order,
        "outcome": stage.outcome,
        "is_initial": stage.is_initial,
        "application_count": application_count,
    }


api.add_router("/", router)
