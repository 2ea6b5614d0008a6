from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fortrolig.accounts.permissions import staff_view
from fortrolig.core import clock
from fortrolig.privacy.paper import paper_dashboard

from .selectors import dashboard_data


@staff_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    agency = request.agency  # type: ignore[attr-defined]
    context = {
        "data": dashboard_data(agency=agency),
        # P-30: paper not yet shredded, by age.
        "paper_card": paper_dashboard(agency=agency, now=clock.now()),
    }
    return render(request, "core/dashboard.html", context)
