"""Application endpoints of the API: the candidates in the pipelines of positions.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token.
Applications of restricted candidates (P-23) are left out, and moving one answers 404, as
for an application that does not exist; so does another agency's application, position or
stage in the path or a filter. Errors use the shared JSON shape.
"""

import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from fortrolig.assignments.models import Application, ApplicationSource
from fortrolig.assignments.selectors import application_list
from fortrolig.assignments.services import application_add, application_move
from fortrolig.core import clock

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["applications"])


class ApplicationOut(Schema):
    id: uuid.UUID
    candidate_id: uuid.UUID
    position_id: uuid.UUID
    stage_id: uuid.UUID
    source: str
    created_at: datetime
    stage_changed_at: datetime


class ApplicationListIn(Schema):
    position_id: uuid.UUID | None = Field(None, description="Only this position's pipeline.")
    stage_id: uuid.UUID | None = Field(None, description="Only applications in this stage.")


class ApplicationCreateIn(Schema):
    candidate_id: uuid.UUID
    position_id: uuid.UUID


class ApplicationMoveIn(Schema):
    stage_id: uuid.UUID


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _out(application: Application) -> dict[str, Any]:
    return {name: getattr(application, name) for name in ApplicationOut.model_fields}


@router.get(
    "/applications",
    response={200: list[ApplicationOut], 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="List applications",
)
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def application_list_endpoint(
    request: HttpRequest, filters: Query[ApplicationListIn]
) -> QuerySet[Application]:
    """The agency's applications, newest first, optionally of one position and in one
    stage. Applications of restricted candidates are left out (P-23)."""
    return application_list(
        agency=_agency(request), position_id=filters.position_id, stage_id=filters.stage_id
    )


@router.post(
    "/applications",
    response={201: ApplicationOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Add a candidate to a position",
)
def application_create_endpoint(
    request: HttpRequest, payload: ApplicationCreateIn
) -> Status[dict[str, Any]]:
    """Put one of the agency's candidates in the first stage of a position's pipeline. A
    restricted candidate (P-23), an ended assignment, or a candidate already in the
    pipeline answers 409."""
    application = application_add(
        agency=_agency(request),
        actor=_actor(request),
        candidate_id=payload.candidate_id,
        position_id=payload.position_id,
        now=clock.now(),
        source=ApplicationSource.API,
    )
    return Status(201, _out(application))


@router.post(
    "/applications/{application_id}/move",
    response={200: ApplicationOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Move an application to another stage",
)
def application_move_endpoint(
    request: HttpRequest, application_id: uuid.UUID, payload: ApplicationMoveIn
) -> dict[str, Any]:
    """Move the application to another active stage of the agency's pipeline. Another
    agency's stage or an archived one answers 400; an ended assignment 409."""
    application = application_move(
        agency=_agency(request),
        actor=_actor(request),
        application_id=application_id,
        stage_id=payload.stage_id,
        now=clock.now(),
    )
    return _out(application)


api.add_router("/", router)
