"""Staff pages for background checks (P-07): the candidate's checks per application, with
the request, receive and outcome forms; a check's page with its details; the download.
Each view translates the request, makes one service or selector call, and renders the
result (a refused form is shown again, with what was typed and the reason)."""

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError, Conflict, ValidationFailed
from fortrolig.documents.errors import UploadRefused
from fortrolig.documents.views import content_disposition

from . import background_checks as checks
from .check_forms import CheckOutcomeForm, CheckReceiveForm, CheckRequestForm
from .models import BackgroundCheck, CheckStatus

# Refusals shown on the form; NotFound and PermissionDenied go to the error page.
REFUSALS = (ValidationFailed, Conflict, UploadRefused)


@dataclass(frozen=True)
class CheckItem:
    check: BackgroundCheck
    receive_form: forms.Form | None
    outcome_form: forms.Form | None


@dataclass(frozen=True)
class ApplicationItem:
    row: checks.ApplicationChecks
    request_form: forms.Form | None
    checks: list[CheckItem]


def _auto_id(name: str, object_id: uuid.UUID) -> str:
    # Many forms share the page: each gets its own element IDs (the posted names stay).
    return f"id_{name}_{object_id.hex}_%s"


def _items(
    page: checks.CandidateChecks, bound: dict[tuple[str, uuid.UUID], forms.Form]
) -> list[ApplicationItem]:
    items: list[ApplicationItem] = []
    for row in page.applications:
        request_form = bound.get(("request", row.application.id))
        if request_form is None and row.requestable_kinds:
            request_form = CheckRequestForm(
                kinds=row.requestable_kinds, auto_id=_auto_id("request", row.application.id)
            )
        check_items = []
        for check in row.checks:
            receive_form = outcome_form = None
            if row.open and check.status != CheckStatus.DESTROYED:
                if check.status == CheckStatus.REQUESTED:
                    receive_form = bound.get(("receive", check.id)) or CheckReceiveForm(
                        auto_id=_auto_id("receive", check.id)
                    )
                outcome_form = bound.get(("outcome", check.id)) or CheckOutcomeForm(
                    initial={"outcome": check.outcome, "outcome_on": check.outcome_on},
                    auto_id=_auto_id("outcome", check.id),
                )
            check_items.append(
                CheckItem(check=check, receive_form=receive_form, outcome_form=outcome_form)
            )
        items.append(ApplicationItem(row=row, request_form=request_form, checks=check_items))
    return items


def _render_page(
    request: HttpRequest,
    candidate_id: uuid.UUID,
    *,
    template: str = "candidates/checks/page.html",
    bound: dict[tuple[str, uuid.UUID], forms.Form] | None = None,
    error: ApplicationError | None = None,
) -> HttpResponse:
    page = checks.background_checks_for_candidate(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        candidate_id=candidate_id,
        now=clock.now(),
    )
    context: dict[str, Any] = {
        "page": page,
        "candidate": page.candidate,
        "items": _items(page, bound or {}),
        "error": error,
    }
    return render(request, template, context, status=error.status if error else 200)


def _attach(form: forms.Form, error: ApplicationError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, str(error.message))


@require_GET
@staff_view()
def candidate_checks_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    return _render_page(request, candidate_id)


@require_GET
@staff_view()
def candidate_checks_section_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    """The same as the page, as the section that the candidate page loads with htmx."""
    return _render_page(request, candidate_id, template="candidates/checks/_section_body.html")


@require_POST
@staff_view()
def check_request_view(
    request: HttpRequest, candidate_id: uuid.UUID, application_id: uuid.UUID
) -> HttpResponse:
    form = CheckRequestForm(request.POST, auto_id=_auto_id("request", application_id))
    error: ApplicationError | None = None
    if form.is_valid():
        try:
            check = checks.background_check_request(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                application_id=application_id,
                kind=form.cleaned_data["kind"],
                now=clock.now(),
            )
        except REFUSALS as refusal:
            error = refusal
            _attach(form, refusal)
        else:
            messages.success(
                request,
                _("The check was requested. The candidate has been told by email."),
            )
            return redirect("checks:candidate", candidate_id=check.candidate_id)
    else:
        error = ValidationFailed(str(form.errors["kind"][0]))
    return _render_page(
        request, candidate_id, bound={("request", application_id): form}, error=error
    )


@require_POST
@staff_view()
def check_receive_view(
    request: HttpRequest, candidate_id: uuid.UUID, check_id: uuid.UUID
) -> HttpResponse:
    form = CheckReceiveForm(request.POST, request.FILES, auto_id=_auto_id("receive", check_id))
    error: ApplicationError | None = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check = checks.background_check_receive(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                check_id=check_id,
                filename=upload.name or "",
                content=upload.read(),
                details=form.cleaned_data["details"],
                now=clock.now(),
            )
        except REFUSALS as refusal:
            error = refusal
            _attach(form, refusal)
        else:
            messages.success(request, _("The document was stored encrypted."))
            return redirect("checks:candidate", candidate_id=check.candidate_id)
    else:
        error = ValidationFailed(str(next(iter(form.errors.values()))[0]))
    return _render_page(request, candidate_id, bound={("receive", check_id): form}, error=error)


@require_POST
@staff_view()
def check_outcome_view(
    request: HttpRequest, candidate_id: uuid.UUID, check_id: uuid.UUID
) -> HttpResponse:
    form = CheckOutcomeForm(request.POST, auto_id=_auto_id("outcome", check_id))
    error: ApplicationError | None = None
    if form.is_valid():
        try:
            check = checks.background_check_record_outcome(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                check_id=check_id,
                outcome=form.cleaned_data["outcome"],
                outcome_on=form.cleaned_data["outcome_on"],
                now=clock.now(),
            )
        except REFUSALS as refusal:
            error = refusal
            _attach(form, refusal)
        else:
            messages.success(request, _("The outcome was recorded."))
            return redirect("checks:candidate", candidate_id=check.candidate_id)
    else:
        error = ValidationFailed(str(next(iter(form.errors.values()))[0]))
    return _render_page(request, candidate_id, bound={("outcome", check_id): form}, error=error)


@require_GET
@staff_view()
def check_detail_view(request: HttpRequest, check_id: uuid.UUID) -> HttpResponse:
    reading = checks.background_check_read(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        check_id=check_id,
        now=clock.now(),
    )
    return render(request, "candidates/checks/detail.html", {"reading": reading})


@require_GET
@staff_view()
def check_download_view(request: HttpRequest, check_id: uuid.UUID) -> HttpResponse:
    """The document as an attachment, for staff of the check's agency; the read is audited
    by `background_check_open`."""
    opened = checks.background_check_open(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        check_id=check_id,
        now=clock.now(),
    )
    response = HttpResponse(opened.content, content_type=opened.content_type)
    response["Content-Disposition"] = content_disposition(opened.filename)
    response["Content-Length"] = str(len(opened.content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
