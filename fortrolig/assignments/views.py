"""Staff pages for assignments: the list, the forms, the assignment page with its positions,
the pipeline board of a position, and the manager's pipeline settings. Each view translates
the request, makes one service or selector call, and renders the result; the rules live in
the services."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.selectors import candidate_search_open
from fortrolig.core import clock
from fortrolig.core.errors import Conflict, ValidationFailed
from fortrolig.core.forms import form_errors_attach, form_submit
from fortrolig.search.selectors import CandidateSearchQuery

from . import selectors, services
from .forms import (
    AddCandidateForm,
    AssignmentFilterForm,
    AssignmentForm,
    CandidateSearchForm,
    FirstPositionForm,
    MoveForm,
    PositionForm,
    StageCreateForm,
    StageForm,
    StageShiftForm,
)

CANDIDATE_RESULTS = 10
# Where the ads app serves its new-ad page, should its URL name not be there (yet).
AD_CREATE_PATH = "/staff/ads/new/"


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- assignments ------------------------------------------------------------------------


@staff_view()
def assignment_list_view(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    choices = selectors.assignment_form_choices(agency=agency)
    form = AssignmentFilterForm(request.GET or None, clients=choices.clients)
    data = form.cleaned_data if form.is_valid() else {}
    page = selectors.assignment_list(
        agency=agency,
        status=data.get("status", ""),
        client_id=uuid.UUID(data["client"]) if data.get("client") else None,
        query=data.get("q", ""),
        page=data.get("page") or 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assignments/list.html",
        {"form": form, "results": page, "query": query.urlencode()},
    )


@staff_view()
def assignment_create_view(request: HttpRequest) -> HttpResponse:
    agency = _agency(request)
    choices = selectors.assignment_form_choices(agency=agency)
    form = AssignmentForm(request.POST or None, clients=choices.clients, people=choices.people)
    position_form = FirstPositionForm(request.POST or None, prefix="position")
    if request.method == "POST" and form.is_valid() and position_form.is_valid():
        positions = [] if position_form.is_empty else [position_form.to_input()]
        try:
            assignment = services.assignment_create(
                agency=agency,
                actor=actor_for_user(request.user),
                data=form.to_input(),
                positions=positions,
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The assignment was created."))
            return redirect("assignments:detail", assignment_id=assignment.id)
    return render(
        request,
        "assignments/form.html",
        {
            "form": form,
            "position_form": position_form,
            "creating": True,
            "selected_client": choices.client_by_id.get(str(form["client"].value() or "")),
        },
    )


@staff_view()
def assignment_detail_view(request: HttpRequest, assignment_id: uuid.UUID) -> HttpResponse:
    detail = selectors.assignment_detail(agency=_agency(request), assignment_id=assignment_id)
    return render(
        request,
        "assignments/detail.html",
        {"detail": detail, "assignment": detail.assignment, "ad_create_url": _ad_create_url()},
    )


def _ad_create_url() -> str:
    """The new-ad page of the ads app; `?position=<id>` is added in the template."""
    try:
        return reverse("ads:create")
    except NoReverseMatch:
        return AD_CREATE_PATH


@staff_view()
def assignment_edit_view(request: HttpRequest, assignment_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    assignment = selectors.assignment_get(agency=agency, assignment_id=assignment_id)
    choices = selectors.assignment_form_choices(
        agency=agency, current_client_id=assignment.client_id
    )
    if request.method == "POST":
        form = AssignmentForm(request.POST, clients=choices.clients, people=choices.people)
        if form.is_valid() and form_submit(
            form,
            lambda: services.assignment_update(
                agency=agency,
                actor=actor_for_user(request.user),
                assignment_id=assignment.id,
                data=form.to_input(),
                now=clock.now(),
            ),
        ):
            messages.success(request, _("The changes were saved."))
            return redirect("assignments:detail", assignment_id=assignment.id)
    else:
        form = AssignmentForm(
            initial={
                "client": str(assignment.client_id),
                "title": assignment.title,
                "kind": assignment.kind,
                "description": assignment.description,
                "responsible": str(assignment.responsible_id or ""),
                "confidential_client": assignment.confidential_client,
                "starts_on": assignment.starts_on,
                "ends_on": assignment.ends_on,
            },
            clients=choices.clients,
            people=choices.people,
        )
    return render(
        request,
        "assignments/form.html",
        {
            "form": form,
            "assignment": assignment,
            "creating": False,
            "selected_client": choices.client_by_id.get(str(form["client"].value() or "")),
        },
    )


@require_POST
@staff_view()
def assignment_release_view(request: HttpRequest, assignment_id: uuid.UUID) -> HttpResponse:
    try:
        services.assignment_client_release(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            assignment_id=assignment_id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The client's name is now shown to candidates."))
    return redirect("assignments:detail", assignment_id=assignment_id)


@staff_view()
def assignment_end_view(request: HttpRequest, assignment_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation; POST ends the assignment."""
    agency = _agency(request)
    if request.method == "POST":
        try:
            services.assignment_end(
                agency=agency,
                actor=actor_for_user(request.user),
                assignment_id=assignment_id,
                now=clock.now(),
            )
        except Conflict as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The assignment was ended."))
        return redirect("assignments:detail", assignment_id=assignment_id)
    assignment = selectors.assignment_get(agency=agency, assignment_id=assignment_id)
    return render(request, "assignments/end_confirm.html", {"assignment": assignment})


# --- positions --------------------------------------------------------------------------


def _position_initial(position: Any) -> dict[str, Any]:
    return {
        name: getattr(position, name)
        for name in (
            "title",
            "location",
            "openings",
            "requires_police_certificate",
            "requires_security_clearance",
            "requires_credit_check",
        )
    }


@staff_view()
def position_add_view(request: HttpRequest, assignment_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    assignment = selectors.assignment_get(agency=agency, assignment_id=assignment_id)
    form = PositionForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_submit(
            form,
            lambda: services.position_add(
                agency=agency,
                actor=actor_for_user(request.user),
                assignment_id=assignment.id,
                data=form.to_input(),
                now=clock.now(),
            ),
        )
    ):
        messages.success(request, _("The position was added."))
        return redirect("assignments:detail", assignment_id=assignment.id)
    return render(
        request,
        "assignments/position_form.html",
        {"form": form, "assignment": assignment, "creating": True},
    )


@staff_view()
def position_edit_view(request: HttpRequest, position_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    position = selectors.position_get(agency=agency, position_id=position_id)
    if request.method == "POST":
        form = PositionForm(request.POST)
        if form.is_valid() and form_submit(
            form,
            lambda: services.position_update(
                agency=agency,
                actor=actor_for_user(request.user),
                position_id=position.id,
                data=form.to_input(),
                now=clock.now(),
            ),
        ):
            messages.success(request, _("The changes were saved."))
            return redirect("assignments:detail", assignment_id=position.assignment_id)
    else:
        form = PositionForm(initial=_position_initial(position))
    return render(
        request,
        "assignments/position_form.html",
        {
            "form": form,
            "assignment": position.assignment,
            "position": position,
            "creating": False,
        },
    )


@require_POST
@staff_view()
def position_remove_view(request: HttpRequest, position_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    position = selectors.position_get(agency=agency, position_id=position_id)
    try:
        services.position_remove(
            agency=agency,
            actor=actor_for_user(request.user),
            position_id=position.id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The position was removed."))
    return redirect("assignments:detail", assignment_id=position.assignment_id)


# --- the board --------------------------------------------------------------------------


@staff_view()
def board_view(request: HttpRequest, position_id: uuid.UUID) -> HttpResponse:
    """The pipeline of one position. An htmx request (a move or an add, followed through
    its redirect) gets the board alone, to swap in place."""
    board = selectors.position_board(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        position_id=position_id,
        now=clock.now(),
    )
    context = {"board": board, "search_form": CandidateSearchForm()}
    template = "assignments/_board.html" if _is_htmx(request) else "assignments/board.html"
    return render(request, template, context)


def _back_to_board(position_id: uuid.UUID) -> HttpResponse:
    return redirect("assignments:board", position_id=position_id)


@require_POST
@staff_view()
def application_move_view(request: HttpRequest, application_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    application = selectors.application_get(agency=agency, application_id=application_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the stage to move the candidate to."))
        return _back_to_board(application.position_id)
    try:
        services.application_move(
            agency=agency,
            actor=actor_for_user(request.user),
            application_id=application.id,
            stage_id=form.cleaned_data["stage"],
            now=clock.now(),
        )
    except (ValidationFailed, Conflict) as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The candidate was moved."))
    return _back_to_board(application.position_id)


@require_POST
@staff_view()
def board_add_view(request: HttpRequest, position_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    position = selectors.position_get(agency=agency, position_id=position_id)
    form = AddCandidateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a candidate to add."))
        return _back_to_board(position.id)
    try:
        services.application_add(
            agency=agency,
            actor=actor_for_user(request.user),
            candidate_id=form.cleaned_data["candidate"],
            position_id=position.id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The candidate was added to the pipeline."))
    return _back_to_board(position.id)


@staff_view()
def board_candidates_view(request: HttpRequest, position_id: uuid.UUID) -> HttpResponse:
    """Find candidates by name to add to a position's pipeline. Restricted candidates are
    never found (P-23); every candidate shown is recorded as listed (P-28)."""
    agency = _agency(request)
    position = selectors.position_get(agency=agency, position_id=position_id)
    form = CandidateSearchForm(request.GET or None)
    text = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    results = None
    if text:
        results = candidate_search_open(
            agency=agency,
            actor=actor_for_user(request.user),
            query=CandidateSearchQuery(text=text, page_size=CANDIDATE_RESULTS),
            now=clock.now(),
        )
    context = {"position": position, "results": results, "search_form": form, "text": text}
    template = (
        "assignments/_candidate_results.html"
        if _is_htmx(request)
        else "assignments/candidate_search.html"
    )
    return render(request, template, context)


# --- the pipeline settings (managers) ---------------------------------------------------


@staff_view(roles=MANAGER_ROLES)
def stages_view(request: HttpRequest) -> HttpResponse:
    """The agency's pipeline: its stages in order, and a form for a new stage."""
    agency = _agency(request)
    form = StageCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pipeline_stage_create(
                agency=agency,
                actor=actor_for_user(request.user),
                name_nb=form.cleaned_data["name_nb"],
                name_en=form.cleaned_data["name_en"],
                outcome=form.cleaned_data["outcome"],
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The stage was added."))
            return redirect("assignments:stages")
    rows = selectors.pipeline_config(agency=agency, now=clock.now())
    return render(request, "assignments/stages.html", {"rows": rows, "form": form})


@staff_view(roles=MANAGER_ROLES)
def stage_rename_view(request: HttpRequest, stage_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    stage = selectors.pipeline_stage_get(agency=agency, stage_id=stage_id)
    if request.method == "POST":
        form = StageForm(request.POST)
        if form.is_valid():
            try:
                services.pipeline_stage_rename(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    stage_id=stage.id,
                    name_nb=form.cleaned_data["name_nb"],
                    name_en=form.cleaned_data["name_en"],
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error)
            else:
                messages.success(request, _("The stage was renamed."))
                return redirect("assignments:stages")
    else:
        form = StageForm(initial={"name_nb": stage.name_nb, "name_en": stage.name_en})
    return render(request, "assignments/stage_form.html", {"form": form, "stage": stage})


@require_POST
@staff_view(roles=MANAGER_ROLES)
def stage_shift_view(request: HttpRequest, stage_id: uuid.UUID) -> HttpResponse:
    form = StageShiftForm(request.POST)
    if form.is_valid():
        services.pipeline_stage_shift(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            stage_id=stage_id,
            by=form.cleaned_data["by"],
            now=clock.now(),
        )
    return redirect(reverse("assignments:stages") + f"#stage-{stage_id}")


@require_POST
@staff_view(roles=MANAGER_ROLES)
def stage_archive_view(request: HttpRequest, stage_id: uuid.UUID) -> HttpResponse:
    try:
        services.pipeline_stage_archive(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            stage_id=stage_id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The stage was archived."))
    return redirect("assignments:stages")
