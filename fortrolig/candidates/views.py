"""Staff pages for candidates: the searchable list, the candidate page, the forms and the
merge screen. Each view translates the request, makes one service or selector call, and
renders the result; domain rules live in the services."""

import uuid
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import ValidationFailed
from fortrolig.core.forms import form_errors_attach
from fortrolig.documents.services import UploadRefused, document_upload
from fortrolig.search.selectors import CandidateSearchQuery

from . import selectors, services, ui
from .forms import CandidateForm, MergeForm, ReferenceForm, SearchForm, UploadForm
from .masking import national_id_masked


def _input_from(form: CandidateForm) -> services.CandidateInput:
    names = {f.name for f in dataclass_fields(services.CandidateInput)}
    values: dict[str, Any] = {
        name: ("" if value is None and name not in ("birth_date", "available_from") else value)
        for name, value in form.cleaned_data.items()
        if name in names
    }
    return services.CandidateInput(**values)


@staff_view()
def candidate_list_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = selectors.candidate_search_open(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        now=clock.now(),
        query=CandidateSearchQuery(
            text=data.get("q", ""),
            skills=tuple(data.get("skills", ())),
            city=data.get("city", ""),
            availability=data.get("availability", ""),
            source=data.get("source", ""),
            page=data.get("page") or 1,
        ),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "results": page, "query": query.urlencode()}
    # Search as you type: htmx asks for the results only.
    template = "candidates/_results.html" if request.htmx else "candidates/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view()
def candidate_create_view(request: HttpRequest) -> HttpResponse:
    form = CandidateForm(request.POST or None)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_create(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                data=_input_from(form),
                now=clock.now(),
                allow_duplicate=form.cleaned_data["allow_duplicate"],
            )
        except services.DuplicateCandidate as error:
            duplicates = list(error.matches)
            # A second submit of the same form creates the record anyway.
            form = CandidateForm({**request.POST.dict(), "allow_duplicate": "on"})
            form.is_valid()
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The candidate was registered."))
            return redirect("candidates:detail", candidate_id=candidate.id)
    return render(
        request, "candidates/form.html", {"form": form, "duplicates": duplicates, "creating": True}
    )


@staff_view()
def candidate_detail_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    detail = selectors.candidate_open(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        candidate_id=candidate_id,
        now=clock.now(),
    )
    return render(
        request,
        "candidates/detail.html",
        {
            "detail": detail,
            "candidate": detail.candidate,
            "national_id_masked": national_id_masked(detail.candidate.national_id),
            "upload_form": UploadForm(),
            "reference_form": ReferenceForm(),
        },
    )


@staff_view()
def candidate_edit_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    candidate = selectors.candidate_get(agency=request.agency, candidate_id=candidate_id)  # type: ignore[attr-defined]
    if request.method == "POST":
        form = CandidateForm(request.POST)
        if form.is_valid():
            try:
                data = _input_from(form)
                if not data.national_id and candidate.national_id:
                    # The stored number is never put in the form (it is shown masked): an
                    # empty field means "keep it".
                    data = replace(data, national_id=candidate.national_id)
                services.candidate_update(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=actor_for_user(request.user),
                    candidate_id=candidate.id,
                    data=data,
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("candidates:detail", candidate_id=candidate.id)
    else:
        form = CandidateForm(initial=ui.candidate_form_initial(candidate=candidate))
    return render(
        request, "candidates/form.html", {"form": form, "candidate": candidate, "creating": False}
    )


@require_POST
@staff_view()
def document_upload_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document_upload(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                candidate_id=candidate_id,
                kind=form.cleaned_data["kind"],
                filename=upload.name or "",
                content=upload.read(),
                now=clock.now(),
            )
        except UploadRefused as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The document was uploaded."))
    else:
        messages.error(request, _("Choose a file and the kind of document."))
    return redirect("candidates:detail", candidate_id=candidate_id)


@require_POST
@staff_view()
def reference_add_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    form = ReferenceForm(request.POST)
    if form.is_valid():
        try:
            services.reference_add(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                candidate_id=candidate_id,
                data=services.ReferenceInput(**form.cleaned_data),
                now=clock.now(),
            )
        except ValidationFailed as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The reference was added."))
    else:
        messages.error(request, _("A reference needs a name."))
    return redirect("candidates:detail", candidate_id=candidate_id)


@staff_view()
def candidate_merge_view(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponse:
    """Merge another record into this one. GET shows the likely duplicates side by side;
    POST merges the chosen one, keeping every document."""
    agency = request.agency  # type: ignore[attr-defined]
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            services.candidate_merge(
                agency=agency,
                actor=actor_for_user(request.user),
                keep_id=candidate_id,
                merge_id=form.cleaned_data["merge_id"],
                now=clock.now(),
            )
            messages.success(request, _("The records were merged. Every document was kept."))
            return redirect("candidates:detail", candidate_id=candidate_id)
    screen = ui.merge_screen(agency=agency, candidate_id=candidate_id)
    return render(request, "candidates/merge.html", {"screen": screen})
