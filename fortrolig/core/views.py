from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fortrolig.accounts.permissions import staff_view

from .selectors import dashboard_data


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    data = dashboard_data(agency=request.agency)  # type: ignore[attr-defined]
    return render(request, "core/dashboard.html", {"data": data})
