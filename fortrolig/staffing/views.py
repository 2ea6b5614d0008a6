"""Staff pages for employments through the agency (P-19): the list, the employment page with
its payroll records, and the forms that employ a candidate, end an employment and record a
month's pay.

Each view translates the request, makes one service or selector call, and renders the
result. Every employment shown is recorded in the audit trail by the selectors (P-28). A
form with bad input is shown again with what was typed and a message per field; nothing is
changed. The national identity number is only ever shown masked.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.masking import national_id_masked
from fortrolig.core import clock
from fortrolig.core.errors import NotFound
from fortrolig.core.forms import form_submit

from . import selectors, services
from .forms import EmploymentEndForm, EmploymentStartForm, PageForm, PayrollForm


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _detail_url(employment_id: uuid.UUID, anchor: str = "") -> str:
    url = reverse("staffing:detail", kwargs={"employment_id": employment_id})
    return f"{url}#{anchor}" if anchor else url


# --- the list -------------------------------------------------------------------------


@require_GET
@staff_view()
def employment_list_view(request: HttpRequest) -> HttpResponse:
    form = PageForm(request.GET or None)
    page = (form.cleaned_data.get("page") or 1) if form.is_valid() else 1
    results = selectors.employment_list_open(
        agency=_agency(request), actor=actor_for_user(request.user), now=clock.now(), page=page
    )
    return render(request, "staffing/list.html", {"results": results})


# --- employing a candidate ------------------------------------------------------------


def _candidate_param(request: HttpRequest) -> uuid.UUID:
    try:
        return uuid.UUID(request.GET.get("candidate", ""))
    except ValueError:
        raise NotFound() from None


@staff_view()
def employment_start_view(request: HttpRequest) -> HttpResponse:
    """GET/POST /staff/staffing/new/?candidate=<id>: employ one of the agency's candidates
    on one of its open staffing assignments."""
    agency = _agency(request)
    choices = selectors.employment_form_choices(
        agency=agency, candidate_id=_candidate_param(request)
    )
    form = EmploymentStartForm(request.POST or None, assignments=choices.assignments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started: list[Any] = []

        def start() -> None:
            started.append(
                services.employment_start(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    data=services.EmploymentInput(
                        candidate_id=choices.candidate_id,
                        assignment_id=uuid.UUID(data["assignment"]),
                        position_percentage=data["position_percentage"],
                        salary_basis=data["salary_basis"],
                        salary_amount=data["salary_amount"],
                        started_on=data["started_on"],
                    ),
                    now=clock.now(),
                )
            )

        if form_submit(form, start):
            messages.success(request, _("The employment was registered."))
            return redirect("staffing:detail", employment_id=started[0].id)
    return render(request, "staffing/form.html", {"form": form, "choices": choices})


# --- the employment page --------------------------------------------------------------


def _render_detail(
    request: HttpRequest, employment_id: uuid.UUID, **bound: forms.Form
) -> HttpResponse:
    """The employment page, with any of its forms given bound (to show what was typed and
    the errors)."""
    detail = selectors.employment_open(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        employment_id=employment_id,
        now=clock.now(),
    )
    today = timezone.localdate(clock.now())
    context: dict[str, Any] = {
        "detail": detail,
        "employment": detail.employment,
        "national_id_masked": national_id_masked(detail.employment.national_id),
        "end_form": EmploymentEndForm(initial={"ended_on": today}),
        "payroll_form": PayrollForm(initial={"paid_on": today}),
        "open_form": next(iter(bound), ""),
    }
    context.update(bound)
    return render(request, "staffing/detail.html", context)


@require_GET
@staff_view()
def employment_detail_view(request: HttpRequest, employment_id: uuid.UUID) -> HttpResponse:
    return _render_detail(request, employment_id)


@require_POST
@staff_view()
def employment_end_view(request: HttpRequest, employment_id: uuid.UUID) -> HttpResponse:
    form = EmploymentEndForm(request.POST)
    if form.is_valid() and form_submit(
        form,
        lambda: services.employment_end(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            employment_id=employment_id,
            ended_on=form.cleaned_data["ended_on"],
            now=clock.now(),
        ),
    ):
        messages.success(request, _("The employment was ended."))
        return redirect(_detail_url(employment_id))
    return _render_detail(request, employment_id, end_form=form)


@require_POST
@staff_view()
def payroll_add_view(request: HttpRequest, employment_id: uuid.UUID) -> HttpResponse:
    form = PayrollForm(request.POST)
    if form.is_valid() and form_submit(
        form,
        lambda: services.payroll_record_add(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            employment_id=employment_id,
            data=services.PayrollInput(
                period=form.cleaned_data["period"],
                paid_on=form.cleaned_data["paid_on"],
                gross_pay=form.cleaned_data["gross_pay"],
                hours=form.cleaned_data["hours"],
            ),
            now=clock.now(),
        ),
    ):
        messages.success(request, _("The pay was recorded."))
        return redirect(_detail_url(employment_id, "payroll"))
    return _render_detail(request, employment_id, payroll_form=form)


# --- the section on the candidate page ------------------------------------------------


def _render_candidate(request: HttpRequest, candidate_id: uuid.UUID, template: str) -> HttpResponse:
    employments = selectors.candidate_employments_open(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        candidate_id=candidate_id,
        now=clock.now(),
    )
    return render(request, template, {"candidate_id": candidate_id, "employments": employments})


@require_GET
@staff_view()
def candidate_employments_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    """The candidate's employments as a page (the section's link without JavaScript)."""
    return _render_candidate(request, candidate_id, "staffing/candidate.html")


@require_GET
@staff_view()
def candidate_section_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    """The same, as the section that the candidate page loads with htmx."""
    return _render_candidate(request, candidate_id, "staffing/_candidate_section_body.html")
