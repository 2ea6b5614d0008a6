from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view

from .forms import EventFilterForm
from .selectors import EventFilters, event_list

PAGE_SIZE = 50


@staff_view(roles=MANAGER_ROLES)
def event_list_view(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    filters = EventFilters(**form.cleaned_data) if form.is_valid() else EventFilters()
    events = event_list(agency=request.agency, filters=filters)  # type: ignore[attr-defined]
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
