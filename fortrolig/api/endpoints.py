"""The endpoints. Each reads `request.agency`, set from the bearer token, and makes one call
to a selector."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query
from ninja.pagination import PageNumberPagination, paginate

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.selectors import EventFilters, event_list
from fortrolig.core.models import Agency

from .api import api
from .schemas import AgencyOut, AuditEventFilterIn, AuditEventOut, ErrorOut


@api.get("/agency", response={200: AgencyOut, 401: ErrorOut}, tags=["agency"])
def agency_detail(request: HttpRequest) -> Agency:
    """The agency that the token belongs to."""
    agency: Agency = request.agency  # type: ignore[attr-defined]
    return agency


@api.get(
    "/audit/events",
    response={200: list[AuditEventOut], 400: ErrorOut, 401: ErrorOut},
    tags=["audit"],
)
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def audit_event_list(
    request: HttpRequest, filters: Query[AuditEventFilterIn]
) -> QuerySet[AuditEvent]:
    """The agency's audit events, newest first, narrowed by the filters (P-28)."""
    return event_list(
        agency=request.agency,  # type: ignore[attr-defined]
        filters=EventFilters(**filters.model_dump()),
    )
