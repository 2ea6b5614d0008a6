"""Staff pages of data-subject requests (P-24, P-21, P-25): the queue, registering a
request, and a request's page with its history and actions (confirm the code or verify the
identity another way, extend, correct a candidate's data, answer). Managers only.

Each view translates the request, makes one service or selector call, and renders the
result; a refused form is shown again with what was typed and the reason.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError, Conflict, Throttled, ValidationFailed

from . import requests as svc
from .models import RequestStatus
from .request_forms import (
    ExtendForm,
    IdentityCodeForm,
    IdentityVerifyForm,
    RectifyForm,
    RequestRegisterForm,
    RespondForm,
)

REFUSALS = (ValidationFailed, Conflict, Throttled)


def _attach(form: forms.Form, error: ApplicationError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, str(error.message))


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


@require_GET
@staff_view(roles=MANAGER_ROLES)
def request_queue_view(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    rows = svc.requests_queue(agency=_agency(request), now=clock.now(), include_closed=show_all)
    return render(
        request,
        "privacy/requests/queue.html",
        {"rows": rows, "show_all": show_all, "overdue": sum(1 for row in rows if row.overdue)},
    )


@require_http_methods(["GET", "POST"])
@staff_view(roles=MANAGER_ROLES)
def request_register_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RequestRegisterForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = svc.request_register(
                    agency=_agency(request),
                    actor=actor_for_user(request.user),
                    kind=data["kind"],
                    channel=data["channel"],
                    subject_type=data["subject_type"],
                    subject_id=data["subject_id"],
                    details=data["details"],
                    identity_method=data["identity_method"] or None,
                    marketing=data["marketing"],
                    now=clock.now(),
                )
            except ValidationFailed as error:
                _attach(form, error)
                status = error.status
            else:
                messages.success(request, _("The request was registered."))
                return redirect("requests:detail", request_id=created.id)
        return render(request, "privacy/requests/register.html", {"form": form}, status=status)
    form = RequestRegisterForm(
        initial={
            "subject_type": request.GET.get("subject_type", ""),
            "subject_id": request.GET.get("subject_id", ""),
        }
    )
    return render(request, "privacy/requests/register.html", {"form": form})


def _detail(
    request: HttpRequest, request_id: uuid.UUID, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    detail = svc.request_open(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        request_id=request_id,
        now=clock.now(),
    )
    context: dict[str, Any] = {
        "detail": detail,
        "item": detail.request,
        "closed": detail.request.status in (RequestStatus.DONE, RequestStatus.REFUSED),
        "awaiting": detail.request.status == RequestStatus.AWAITING_IDENTITY,
        "code_form": IdentityCodeForm(),
        "verify_form": IdentityVerifyForm(),
        "extend_form": ExtendForm(),
        "respond_form": RespondForm(),
        "rectify_form": RectifyForm(),
    }
    context.update(bound)
    return render(request, "privacy/requests/detail.html", context, status=status)


@require_GET
@staff_view(roles=MANAGER_ROLES)
def request_detail_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _detail(request, request_id)


def _act(
    request: HttpRequest,
    request_id: uuid.UUID,
    form: forms.Form,
    name: str,
    call: Any,
    success: str,
) -> HttpResponse:
    """Run `call(cleaned_data)` for a valid form; show the page again with the reason when
    the form or the service refuses."""
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except REFUSALS as error:
            # A refused attempt may still have been recorded (a wrong code counts).
            _attach(form, error)
            status = error.status
        else:
            messages.success(request, success)
            return redirect("requests:detail", request_id=request_id)
    return _detail(request, request_id, status=status, **{name: form})


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_code_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        request_id,
        IdentityCodeForm(request.POST),
        "code_form",
        lambda data: svc.request_identity_confirm(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            code=data["code"],
            now=clock.now(),
        ),
        _("The code was right: the identity is verified."),
    )


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_verify_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        request_id,
        IdentityVerifyForm(request.POST),
        "verify_form",
        lambda data: svc.request_identity_verify(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            method=data["method"],
            now=clock.now(),
        ),
        _("The identity is verified."),
    )


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_extend_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        request_id,
        ExtendForm(request.POST),
        "extend_form",
        lambda data: svc.request_extend(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            reason=data["reason"],
            months=data["months"],
            now=clock.now(),
        ),
        _("The deadline was extended, and the person is told why."),
    )


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_respond_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        request_id,
        RespondForm(request.POST),
        "respond_form",
        lambda data: svc.request_respond(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            status=data["status"],
            response=data["response"],
            rule=data["rule"],
            now=clock.now(),
        ),
        _("The answer was recorded."),
    )


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_rectify_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    form = RectifyForm(request.POST)
    return _act(
        request,
        request_id,
        form,
        "rectify_form",
        lambda data: svc.request_rectify(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            changes={name: value for name, value in data.items() if value},
            now=clock.now(),
        ),
        _("The data was corrected."),
    )


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_export_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Download the access export for a verified access or portability request."""
    try:
        result = svc.request_access_export(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            language=translation.get_language() or "nb",
            now=clock.now(),
        )
    except REFUSALS as error:
        messages.error(request, str(error.message))
        return redirect("requests:detail", request_id=request_id)
    response = HttpResponse(result.zip_bytes, content_type="application/zip")
    # The file name holds the request's ID, never a name.
    response["Content-Disposition"] = f'attachment; filename="access-export-{request_id}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(roles=MANAGER_ROLES)
def request_erase_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Carry out a verified erasure request; a limit (P-25) is shown with its rules."""
    from .erasure import ErasureLimited

    try:
        svc.request_erase(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            request_id=request_id,
            now=clock.now(),
        )
    except ErasureLimited as error:
        rules = [
            str(svc.ResponseRule(rule).label) if rule in svc.ResponseRule.values else rule
            for rule in error.rules
        ]
        messages.error(request, " ".join([str(error.message), *rules]))
    except REFUSALS as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The data was erased and the request answered."))
    return redirect("requests:detail", request_id=request_id)
