"""Staff pages for job ads: the list, drafting and editing, publishing, closing, and the
publication record (P-13, P-14, P-15). Each view translates the request, makes one service
or selector call, and renders the result; the rules live in `ads_services`."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock
from fortrolig.core.errors import Conflict, ValidationFailed
from fortrolig.core.forms import form_errors_attach

from . import ads_selectors as selectors
from . import ads_services as services
from .ads_forms import AdCreateForm, AdFilterForm, AdForm, PublicationForm, PublicationRemoveForm
from .models import AdStatus, JobAd


def _ad_input(form: AdForm) -> services.AdInput:
    data = form.cleaned_data
    return services.AdInput(
        title=data["title"],
        body=data["body"],
        location=data["location"],
        employment_type=data["employment_type"],
        language=data["language"],
        apply_by=data["apply_by"],
    )


def _ad_initial(ad: JobAd) -> dict[str, Any]:
    return {name: getattr(ad, name) for name in services.AD_FIELDS}


def _uuid_param(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


@staff_view()
def ad_list_view(request: HttpRequest) -> HttpResponse:
    form = AdFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = selectors.ad_list(
        agency=request.agency,  # type: ignore[attr-defined]
        status=data.get("status") or "",
        page=data.get("page") or 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assignments/ads/list.html",
        {"form": form, "results": page, "query": query.urlencode()},
    )


@staff_view()
def ad_create_view(request: HttpRequest) -> HttpResponse:
    """A new draft. `?position=<id>` chooses the position and fills in its title and place."""
    agency = request.agency  # type: ignore[attr-defined]
    screen = selectors.ad_create_screen(
        agency=agency, position_id=_uuid_param(request.GET.get("position"))
    )
    if request.method == "POST":
        form = AdCreateForm(request.POST, positions=screen.positions)
        if form.is_valid():
            try:
                ad = services.ad_create(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    position_id=uuid.UUID(form.cleaned_data["position"]),
                    data=_ad_input(form),
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error, also_at_top=type(error) is not ValidationFailed)
            except Conflict as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The draft was saved. Publish it when it is ready."))
                return redirect("ads:detail", ad_id=ad.id)
    else:
        initial: dict[str, Any] = {}
        if screen.position is not None and not screen.position_ended:
            initial = {
                "position": str(screen.position.id),
                "title": screen.position.title,
                "location": screen.position.location,
            }
        form = AdCreateForm(initial=initial, positions=screen.positions)
    client = screen.position.assignment.client if screen.position else None
    return render(
        request,
        "assignments/ads/form.html",
        {
            "form": form,
            "screen": screen,
            "client": client,
            "client_hidden": bool(
                screen.position and screen.position.assignment.client_name_hidden
            ),
            "creating": True,
        },
    )


@staff_view()
def ad_detail_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    return _render_detail(request, ad_id, PublicationForm())


def _render_detail(
    request: HttpRequest, ad_id: uuid.UUID, publication_form: PublicationForm, status: int = 200
) -> HttpResponse:
    detail = selectors.ad_detail(agency=request.agency, ad_id=ad_id)  # type: ignore[attr-defined]
    return render(
        request,
        "assignments/ads/detail.html",
        {
            "detail": detail,
            "ad": detail.ad,
            "client": detail.ad.position.assignment.client,
            "publication_form": publication_form,
            "remove_form": PublicationRemoveForm(),
        },
        status=status,
    )


@staff_view()
def ad_edit_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    agency = request.agency  # type: ignore[attr-defined]
    ad = selectors.ad_get(agency=agency, ad_id=ad_id)
    if ad.status == AdStatus.CLOSED:
        messages.error(request, _("A closed ad cannot be changed."))
        return redirect("ads:detail", ad_id=ad.id)
    if request.method == "POST":
        form = AdForm(request.POST)
        if form.is_valid():
            try:
                services.ad_update(
                    agency=agency,
                    actor=actor_for_user(request.user),
                    ad_id=ad.id,
                    data=_ad_input(form),
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error, also_at_top=type(error) is not ValidationFailed)
            except Conflict as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("ads:detail", ad_id=ad.id)
    else:
        form = AdForm(initial=_ad_initial(ad))
    return render(
        request,
        "assignments/ads/form.html",
        {
            "form": form,
            "ad": ad,
            "client": ad.position.assignment.client,
            "client_hidden": ad.position.assignment.client_name_hidden,
            "creating": False,
        },
    )


@staff_view()
def ad_publish_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    """GET shows what will be published, with the client's prepayment flag (P-08) and the
    confidential-client check (P-15); POST publishes."""
    agency = request.agency  # type: ignore[attr-defined]
    error_message = ""
    if request.method == "POST":
        try:
            services.ad_publish(
                agency=agency, actor=actor_for_user(request.user), ad_id=ad_id, now=clock.now()
            )
        except (ValidationFailed, Conflict) as error:
            error_message = str(error.message)
        else:
            messages.success(
                request,
                _("The ad is published on the job board. Record every other place you publish it."),
            )
            return redirect("ads:detail", ad_id=ad_id)
    detail = selectors.ad_detail(agency=agency, ad_id=ad_id)
    return render(
        request,
        "assignments/ads/publish.html",
        {
            "detail": detail,
            "ad": detail.ad,
            "client": detail.ad.position.assignment.client,
            "error_message": error_message,
        },
        status=400 if error_message else 200,
    )


@require_POST
@staff_view()
def ad_close_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    try:
        services.ad_close(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=actor_for_user(request.user),
            ad_id=ad_id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("The ad is closed and has left the job board. Record its removal elsewhere."),
        )
    return redirect("ads:detail", ad_id=ad_id)


@require_POST
@staff_view()
def publication_add_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    form = PublicationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.publication_add(
                agency=request.agency,  # type: ignore[attr-defined]
                actor=actor_for_user(request.user),
                ad_id=ad_id,
                channel=data["channel"],
                channel_name=data["channel_name"],
                url=data["url"],
                published_on=data["published_on"],
                removed_on=data["removed_on"],
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error, also_at_top=type(error) is not ValidationFailed)
        except Conflict as error:
            messages.error(request, str(error.message))
            return redirect("ads:detail", ad_id=ad_id)
        else:
            messages.success(request, _("The publication was recorded."))
            return redirect("ads:detail", ad_id=ad_id)
    # Shown again with what was typed, and the reasons.
    return _render_detail(request, ad_id, form, status=400)


@require_POST
@staff_view()
def publication_remove_view(
    request: HttpRequest, ad_id: uuid.UUID, publication_id: uuid.UUID
) -> HttpResponse:
    form = PublicationRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date as a valid date."))
        return redirect("ads:detail", ad_id=ad_id)
    try:
        services.publication_remove(
            agency=request.agency,  # type: ignore[attr-defined]
            actor=actor_for_user(request.user),
            ad_id=ad_id,
            publication_id=publication_id,
            removed_on=form.cleaned_data["removed_on"],
            now=clock.now(),
        )
    except (ValidationFailed, Conflict) as error:
        reasons = [m for messages_ in error.field_errors.values() for m in messages_]
        messages.error(request, " ".join(reasons) or str(error.message))
    else:
        messages.success(request, _("The removal was recorded."))
    return redirect("ads:detail", ad_id=ad_id)
