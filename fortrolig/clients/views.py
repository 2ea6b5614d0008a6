"""Staff pages for client companies (being written)."""

import uuid

from django.http import HttpRequest, HttpResponse

from fortrolig.accounts.permissions import staff_view

from . import selectors


@staff_view()
def client_list_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@staff_view()
def client_create_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@staff_view()
def client_detail_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(agency=request.agency, client_id=client_id)  # type: ignore[attr-defined]
    return HttpResponse(client.name)
