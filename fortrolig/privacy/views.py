"""Pages of the processing register and the privacy policy.

The manager's pages (register, edit forms, exports, policy versions) are for managers
only. The public policy page (`/personvern/`) sets no cookies: the language comes from
`?lang=`. Each view translates the request, makes one service or selector call, and
renders the result.
"""

import uuid
from dataclasses import fields as dataclass_fields
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.forms import form_errors_attach
from fortrolig.public.i18n import language_from_query, supported_language

from . import exports, policy, register
from .forms import ActivityForm, NewActivityForm


def _input_from(form: ActivityForm) -> register.ActivityInput:
    names = {f.name for f in dataclass_fields(register.ActivityInput)}
    values: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in form.cleaned_data.items()
        if name in names
    }
    return register.ActivityInput(**values)


def _initial(activity: Any) -> dict[str, Any]:
    data = register.activity_input_from(activity)
    return {f.name: getattr(data, f.name) for f in dataclass_fields(data)}


# -- The register ----------------------------------------------------------------------------


@staff_view(roles=MANAGER_ROLES)
def register_view(request: HttpRequest) -> HttpResponse:
    data = register.processing_register_open(
        agency=request.agency,  # type: ignore[attr-defined]
        now=clock.now(),
    )
    return render(request, "privacy/register.html", {"register": data})


@staff_view(roles=MANAGER_ROLES)
def activity_create_view(request: HttpRequest) -> HttpResponse:
    agency = request.agency  # type: ignore[attr-defined]
    form = NewActivityForm(request.POST or None, daily_manager_name=agency.daily_manager_name)
    if request.method == "POST" and form.is_valid():
        try:
            register.processing_activity_create(
                agency=agency,
                actor=actor_for_user(request.user),
                key=form.cleaned_data["key"],
                data=_input_from(form),
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The processing activity was added."))
            return redirect("privacy:register")
    return render(request, "privacy/activity_form.html", {"form": form, "creating": True})


@staff_view(roles=MANAGER_ROLES)
def activity_edit_view(request: HttpRequest, activity_id: uuid.UUID) -> HttpResponse:
    agency = request.agency  # type: ignore[attr-defined]
    activity = register.processing_activity_get(agency=agency, activity_id=activity_id)
    if request.method == "POST":
        form = ActivityForm(request.POST, daily_manager_name=agency.daily_manager_name)
        if form.is_valid():
            try:
                register.processing_activity_update(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    activity_id=activity.id,
                    data=_input_from(form),
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("privacy:register")
    else:
        form = ActivityForm(
            initial=_initial(activity), daily_manager_name=agency.daily_manager_name
        )
    return render(
        request,
        "privacy/activity_form.html",
        {"form": form, "activity": activity, "creating": False},
    )


def _export_name(request: HttpRequest, extension: str) -> str:
    agency = request.agency  # type: ignore[attr-defined]
    stem = _("processing-register")
    return f"{stem}-{agency.slug}-{clock.now().date().isoformat()}.{extension}"


@require_POST
@staff_view(roles=MANAGER_ROLES)
def register_csv_view(request: HttpRequest) -> HttpResponse:
    content = exports.register_export_csv(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        language=translation.get_language(),
        now=clock.now(),
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "csv")}"'
    return response


@require_POST
@staff_view(roles=MANAGER_ROLES)
def register_pdf_view(request: HttpRequest) -> HttpResponse:
    content = exports.register_export_pdf(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        language=translation.get_language(),
        now=clock.now(),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "pdf")}"'
    return response


# -- The policy, for the manager -----------------------------------------------------------


@staff_view(roles=MANAGER_ROLES)
def policy_overview_view(request: HttpRequest) -> HttpResponse:
    language = supported_language(request.GET.get("lang")) or translation.get_language()
    overview = policy.policy_overview(
        agency=request.agency,  # type: ignore[attr-defined]
        language=language,
        now=clock.now(),
    )
    return render(request, "privacy/policy/overview.html", {"overview": overview})


@staff_view(roles=MANAGER_ROLES)
def policy_version_view(request: HttpRequest, number: int) -> HttpResponse:
    version = policy.policy_version_get(
        agency=request.agency,  # type: ignore[attr-defined]
        number=number,
    )
    return render(request, "privacy/policy/version.html", {"version": version})


# -- The public policy page ------------------------------------------------------------------


@require_GET
@language_from_query
def public_policy_index_view(request: HttpRequest) -> HttpResponse:
    """`/personvern/`: the only agency's policy, or the list of agencies."""
    result = policy.policy_landing(language=translation.get_language(), now=clock.now())
    if isinstance(result, policy.PolicyPage):
        return render(request, "privacy/policy/public.html", {"page": result})
    return render(request, "privacy/policy/index.html", {"agencies": result})


@require_GET
@language_from_query
def public_policy_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = policy.policy_page_for_slug(
            slug=slug, language=translation.get_language(), now=clock.now()
        )
    except NotFound:
        # Django's plain 404, not the staff error page, which would set a CSRF cookie.
        raise Http404() from None
    return render(request, "privacy/policy/public.html", {"page": page, "linked": True})
