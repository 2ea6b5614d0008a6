"""Reads of client companies, always within one agency."""

import uuid

from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency

from .models import Client


def client_get(*, agency: Agency, client_id: uuid.UUID) -> Client:
    """One of the agency's clients. Raises NotFound for another agency's or an unknown id."""
    client = Client.objects.filter(agency=agency, pk=client_id).first()
    if client is None:
        raise NotFound()
    return client


def client_choices(*, agency: Agency) -> list[Client]:
    """The agency's clients that are not archived, by name: the choices for new work."""
    return list(Client.objects.filter(agency=agency, archived_at__isnull=True).order_by("name"))
