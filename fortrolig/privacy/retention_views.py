"""Pages of the retention engine: the manager's retention dashboard with its legal holds
(P-18), and the public renewal page behind the link in a renewal email."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.public.i18n import language_from_query

from . import legal_holds, renewal
from .retention import MonthCount, retention_dashboard

# --- the dashboard ------------------------------------------------------------------------

CHART_WIDTH = 720
CHART_HEIGHT = 200
CHART_TOP = 20
CHART_BOTTOM = 40


@dataclass(frozen=True)
class Bar:
    month: date
    count: int
    x: int
    y: int
    width: int
    height: int
    label_x: int


def chart_bars(months: list[MonthCount]) -> list[Bar]:
    """Geometry of the server-drawn bar chart (SVG, no script)."""
    if not months:
        return []
    slot = CHART_WIDTH // len(months)
    width = int(slot * 0.6)
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    top = max((m.count for m in months), default=0) or 1
    bars = []
    for index, month in enumerate(months):
        height = round(plot * month.count / top)
        if month.count and height < 2:
            height = 2
        x = index * slot + (slot - width) // 2
        bars.append(
            Bar(
                month=month.month,
                count=month.count,
                x=x,
                y=CHART_TOP + plot - height,
                width=width,
                height=height,
                label_x=x + width // 2,
            )
        )
    return bars


class LegalHoldForm(forms.Form):
    subject = forms.ChoiceField(
        label=gettext_lazy("Hold on"),
        choices=[("candidate", gettext_lazy("a candidate")), ("client", gettext_lazy("a client"))],
        initial="candidate",
        widget=forms.RadioSelect,
    )
    subject_id = forms.UUIDField(
        label=gettext_lazy("ID"),
        help_text=gettext_lazy("As in the address of the candidate's or client's page."),
        error_messages={
            "required": gettext_lazy("Give the ID of the candidate or client."),
            "invalid": gettext_lazy(
                "That is not an ID. Copy it from the address of the candidate's or client's page."
            ),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=legal_holds.REASON_MAX_LENGTH,
        help_text=gettext_lazy(
            "A case or claim reference. Do not write other people's personal information."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": gettext_lazy(
                "Give the reason for the hold, such as a case or claim number."
            ),
        },
    )


def _dashboard_context(request: HttpRequest) -> dict[str, Any]:
    data = retention_dashboard(agency=request.agency, now=clock.now())  # type: ignore[attr-defined]
    return {
        "data": data,
        "bars": chart_bars(data.months),
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "base": CHART_HEIGHT - CHART_BOTTOM,
        },
        "interval_hours": int(data.interval.total_seconds() // 3600),
    }


@staff_view(roles=MANAGER_ROLES)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/retention/dashboard.html", _dashboard_context(request))


@staff_view(roles=MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def hold_set_view(request: HttpRequest) -> HttpResponse:
    """GET: the form (prefilled from `?candidate=` or `?client=`); POST: set the hold."""
    if request.method == "POST":
        form = LegalHoldForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            subject_id: uuid.UUID = data["subject_id"]
            try:
                legal_holds.legal_hold_set(
                    agency=request.agency,  # type: ignore[attr-defined]
                    actor=actor_for_user(request.user),
                    reason=data["reason"],
                    now=clock.now(),
                    candidate_id=subject_id if data["subject"] == "candidate" else None,
                    client_id=subject_id if data["subject"] == "client" else None,
                )
            except NotFound:
                form.add_error(
                    "subject_id",
                    _("Your agency has no candidate with this ID.")
                    if data["subject"] == "candidate"
                    else _("Your agency has no client with this ID."),
                )
            except ValidationFailed as error:
                for name, errors in error.field_errors.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(
                    request, _("The legal hold is set. The data is not erased while it lasts.")
                )
                return redirect("retention:dashboard")
        return render(request, "privacy/retention/hold_form.html", {"form": form}, status=400)
    initial: dict[str, Any] = {}
    for subject in ("candidate", "client"):
        value = request.GET.get(subject, "")
        try:
            initial = {"subject": subject, "subject_id": uuid.UUID(value)}
            break
        except ValueError:
            continue
    form = LegalHoldForm(initial=initial)
    return render(request, "privacy/retention/hold_form.html", {"form": form})


@staff_view(roles=MANAGER_ROLES)
@require_POST
def hold_release_view(request: HttpRequest, hold_id: uuid.UUID) -> HttpResponse:
    legal_holds.legal_hold_release(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        hold_id=hold_id,
        now=clock.now(),
    )
    messages.success(
        request, _("The legal hold is released. The retention deadline applies again.")
    )
    return redirect("retention:dashboard")


# --- the public renewal page --------------------------------------------------------------


# Exempt from CSRF on purpose: the signed token in the address is the authority, and a
# forger cannot know it. A CSRF cookie would be the public page's only cookie.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@language_from_query
def renewal_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link offers and changes nothing (mail scanners open links);
    POST is the yes."""
    now = clock.now()
    try:
        if request.method == "POST":
            state = renewal.renewal_confirm(token=token, now=now)
        else:
            state = renewal.renewal_preview(token=token, now=now)
    except ApplicationError as error:
        response = render(
            request,
            "privacy/retention/renewal_error.html",
            {"error_message": error.message, "error_code": error.code},
            status=error.status,
        )
    else:
        response = render(
            request,
            "privacy/retention/renewal.html",
            {"state": state},
        )
    # The address holds the token: it must not travel on to another site.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
