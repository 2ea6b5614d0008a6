"""Reads of assignments, positions, the pipeline and applications, always within one agency."""

import uuid

from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency

from .models import Assignment, Position


def assignments_for_client(*, agency: Agency, client_id: uuid.UUID) -> list[Assignment]:
    """The agency's assignments for one client, newest first (by start date, then creation).
    Another agency's client gives an empty list."""
    return list(
        Assignment.objects.filter(agency=agency, client_id=client_id).order_by(
            "-starts_on", "-created_at"
        )
    )


def assignment_get(*, agency: Agency, assignment_id: uuid.UUID) -> Assignment:
    """One of the agency's assignments, with its client. Raises NotFound for an unknown id or
    another agency's assignment."""
    assignment = (
        Assignment.objects.select_related("client")
        .filter(agency=agency, pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def position_get(*, agency: Agency, position_id: uuid.UUID) -> Position:
    """One of the agency's positions, with its assignment and client. Raises NotFound for an
    unknown id or another agency's position."""
    position = (
        Position.objects.select_related("assignment", "assignment__client")
        .filter(agency=agency, pk=position_id)
        .first()
    )
    if position is None:
        raise NotFound()
    return position
