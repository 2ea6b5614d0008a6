"""Staff pages of the paper register (P-30): the register, registering paper, uploading a
scan, and recording the shredding (after a confirmation). Managers and consultants alike.
Each view translates the request, makes one service or selector call, and renders the
result; a refused form is shown again with what was typed and the reason."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError, Conflict, ValidationFailed
from fortrolig.documents.errors import UploadRefused

from . import paper
from .paper_forms import PaperRegisterForm, PaperScanForm

REFUSALS = (ValidationFailed, Conflict, UploadRefused)


def _attach(form: PaperRegisterForm | PaperScanForm, error: ApplicationError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, str(error.message))


@require_GET
@staff_view()
def paper_list_view(request: HttpRequest) -> HttpResponse:
    register = paper.paper_register_list(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        now=clock.now(),
    )
    return render(request, "privacy/paper/list.html", {"register": register})


@require_GET
@staff_view()
def paper_dashboard_card_view(request: HttpRequest) -> HttpResponse:
    """The dashboard's card of paper not yet shredded, loaded with htmx."""
    card = paper.paper_dashboard(agency=request.agency, now=clock.now())  # type: ignore[attr-defined]
    return render(request, "privacy/paper/_dashboard_card_body.html", {"paper_card": card})


@require_http_methods(["GET", "POST"])
@staff_view()
def paper_register_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PaperRegisterForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                paper.paper_register(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=actor_for_user(request.user),
                    kind=form.cleaned_data["kind"],
                    received_on=form.cleaned_data["received_on"],
                    storage_location=form.cleaned_data["storage_location"],
                    candidate_id=form.cleaned_data["candidate"],
                    now=clock.now(),
                )
            except ValidationFailed as error:
                _attach(form, error)
                status = error.status
            else:
                messages.success(request, _("The paper document was registered."))
                return redirect("paper:list")
        return render(request, "privacy/paper/register.html", {"form": form}, status=status)
    form = PaperRegisterForm(
        initial={
            "candidate": request.GET.get("candidate", ""),
            "received_on": timezone.localdate(clock.now()),
        }
    )
    return render(request, "privacy/paper/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
@staff_view()
def paper_scan_view(request: HttpRequest, paper_id: uuid.UUID) -> HttpResponse:
    agency = request.agency  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = PaperScanForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                paper.paper_scan(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    paper_id=paper_id,
                    filename=upload.name or "",
                    content=upload.read(),
                    now=clock.now(),
                )
            except REFUSALS as error:
                _attach(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("The scan was stored as one of the candidate's documents.")
                )
                return redirect("paper:list")
    else:
        form = PaperScanForm()
    item = paper.paper_get(agency=agency, paper_id=paper_id)
    return render(request, "privacy/paper/scan.html", {"form": form, "paper": item}, status=status)


@require_http_methods(["GET", "POST"])
@staff_view()
def paper_shred_view(request: HttpRequest, paper_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation; POST records the shredding."""
    agency = request.agency  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            paper.paper_shred(
                agency=agency,
                actor=actor_for_user(request.user),
                paper_id=paper_id,
                now=clock.now(),
            )
        except paper.PaperShredded as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The shredding was recorded."))
        return redirect("paper:list")
    item = paper.paper_get(agency=agency, paper_id=paper_id)
    if item.shredded_at is not None:
        messages.error(request, str(paper.PaperShredded.default_message))
        return redirect("paper:list")
    return render(request, "privacy/paper/shred.html", {"paper": item})
