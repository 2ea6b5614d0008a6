"""Staff pages for client companies: the searchable list, the client page with contacts,
agreements, credit assessments and the prepayment flag (P-04, P-08), and the forms.

Each view translates the request, makes one service or selector call, and renders the
result. A form with bad input is shown again with what was typed and a message per field;
nothing is changed.
"""

import uuid
from typing import Any
from urllib.parse import quote

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
from fortrolig.core import clock
from fortrolig.core.errors import Conflict, ValidationFailed
from fortrolig.core.forms import form_errors_attach
from fortrolig.documents.services import UploadRefused

from . import selectors, services
from .forms import AgreementForm, ClientForm, ContactForm, CreditAssessmentForm, SearchForm


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _client_input(form: ClientForm) -> services.ClientInput:
    data = form.cleaned_data
    return services.ClientInput(
        **{name: data[name] for name in services.ClientInput.__dataclass_fields__}
    )


def _contact_input(form: ContactForm) -> services.ContactInput:
    data = form.cleaned_data
    return services.ContactInput(
        **{name: data[name] for name in services.ContactInput.__dataclass_fields__}
    )


def _detail_url(client_id: uuid.UUID, anchor: str = "") -> str:
    url = reverse("clients:detail", kwargs={"client_id": client_id})
    return f"{url}#{anchor}" if anchor else url


# --- list, create, edit ---------------------------------------------------------------


@staff_view()
def client_list_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = selectors.client_list(
        agency=_agency(request), query=data.get("q", ""), page=data.get("page") or 1
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "results": page, "query": query.urlencode()}
    # Search as you type: htmx asks for the results only.
    template = "clients/_results.html" if request.htmx else "clients/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view()
def client_create_view(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                agency=_agency(request),
                actor=actor_for_user(request.user),
                data=_client_input(form),
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The client was registered."))
            return redirect("clients:detail", client_id=client.id)
    return render(request, "clients/form.html", {"form": form, "creating": True})


@staff_view()
def client_edit_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(agency=_agency(request), client_id=client_id)
    if request.method == "POST":
        form = ClientForm(request.POST)
        if form.is_valid():
            try:
                services.client_update(
                    agency=_agency(request),
                    actor=actor_for_user(request.user),
                    client_id=client.id,
                    data=_client_input(form),
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("clients:detail", client_id=client.id)
    else:
        form = ClientForm(initial=vars(services.client_input_from(client)))
    return render(request, "clients/form.html", {"form": form, "client": client, "creating": False})


# --- the client page ------------------------------------------------------------------


def _render_detail(request: HttpRequest, client_id: uuid.UUID, **bound: forms.Form) -> HttpResponse:
    """The client page, with any of its forms given bound (to show what was typed and
    the errors)."""
    detail = selectors.client_detail(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        client_id=client_id,
        now=clock.now(),
    )
    context: dict[str, Any] = {
        "detail": detail,
        "client": detail.client,
        "threshold": _agency(request).config.client_credit_threshold,
        "contact_form": ContactForm(),
        "agreement_form": AgreementForm(),
        "credit_form": CreditAssessmentForm(
            initial={"assessed_on": timezone.localdate(clock.now())}
        ),
        "open_form": next(iter(bound), ""),
    }
    context.update(bound)
    return render(request, "clients/detail.html", context)


@require_GET
@staff_view()
def client_detail_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    return _render_detail(request, client_id)


@require_POST
@staff_view()
def client_archive_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    archive = request.POST.get("archive") != "0"
    service = services.client_archive if archive else services.client_restore
    service(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        client_id=client_id,
        now=clock.now(),
    )
    messages.success(
        request,
        _("The client was archived.") if archive else _("The client was taken out of the archive."),
    )
    return redirect("clients:detail", client_id=client_id)


# --- contacts -------------------------------------------------------------------------


@require_POST
@staff_view()
def contact_add_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.client_contact_add(
                agency=_agency(request),
                actor=actor_for_user(request.user),
                client_id=client_id,
                data=_contact_input(form),
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The contact person was added."))
            return redirect(_detail_url(client_id, "contacts"))
    return _render_detail(request, client_id, contact_form=form)


@staff_view()
def contact_edit_view(request: HttpRequest, contact_id: uuid.UUID) -> HttpResponse:
    agency = _agency(request)
    actor = actor_for_user(request.user)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = services.client_contact_update(
                    agency=agency,
                    actor=actor,
                    contact_id=contact_id,
                    data=_contact_input(form),
                    now=clock.now(),
                )
            except ValidationFailed as error:
                form_errors_attach(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect(_detail_url(contact.client_id, "contacts"))
        contact = selectors.client_contact_get(agency=agency, contact_id=contact_id)
    else:
        contact = selectors.client_contact_open(
            agency=agency, actor=actor, contact_id=contact_id, now=clock.now()
        )
        form = ContactForm(initial=vars(services.contact_input_from(contact)))
    return render(request, "clients/contact_form.html", {"form": form, "contact": contact})


@require_POST
@staff_view()
def contact_end_view(request: HttpRequest, contact_id: uuid.UUID) -> HttpResponse:
    contact = services.client_contact_end(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        contact_id=contact_id,
        now=clock.now(),
    )
    messages.success(request, _("The person is no longer a contact of this client."))
    return redirect(_detail_url(contact.client_id, "contacts"))


# --- agreements -----------------------------------------------------------------------


@require_POST
@staff_view()
def agreement_add_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    form = AgreementForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            services.agreement_create(
                agency=_agency(request),
                actor=actor_for_user(request.user),
                client_id=client_id,
                data=services.AgreementInput(
                    terms=data["terms"],
                    fee_terms=data["fee_terms"],
                    signed_on=data["signed_on"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                ),
                filename=(upload.name or "") if upload else "",
                content=upload.read() if upload else None,
                now=clock.now(),
            )
        except UploadRefused as error:
            form.add_error("file", str(error.message))
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            messages.success(request, _("The agreement was added."))
            return redirect(_detail_url(client_id, "agreements"))
    return _render_detail(request, client_id, agreement_form=form)


def _content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real name as RFC 6266 filename*."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_GET
@staff_view()
def agreement_download_view(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    """The signed agreement as an attachment; the read is audited by the service."""
    opened = services.agreement_file_open(
        agency=_agency(request),
        actor=actor_for_user(request.user),
        agreement_id=agreement_id,
        now=clock.now(),
    )
    response = HttpResponse(opened.content, content_type=opened.content_type)
    response["Content-Disposition"] = _content_disposition(opened.filename)
    response["Content-Length"] = str(len(opened.content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- credit assessments and prepayment (P-08) -----------------------------------------


@require_POST
@staff_view()
def credit_add_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    form = CreditAssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.credit_assessment_record(
                agency=_agency(request),
                actor=actor_for_user(request.user),
                client_id=client_id,
                assessed_on=data["assessed_on"],
                score=data["score"],
                source=data["source"],
                note=data["note"],
                now=clock.now(),
            )
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            if assessment.below_threshold:
                messages.warning(
                    request,
                    _(
                        "The score is under the agency's threshold: the client now requires "
                        "prepayment."
                    ),
                )
            else:
                messages.success(request, _("The credit assessment was recorded."))
            return redirect(_detail_url(client_id, "credit"))
    return _render_detail(request, client_id, credit_form=form)


@require_POST
@staff_view()
def prepayment_received_view(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    try:
        services.client_prepayment_received(
            agency=_agency(request),
            actor=actor_for_user(request.user),
            client_id=client_id,
            now=clock.now(),
        )
    except Conflict as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The prepayment was recorded as received."))
    return redirect(_detail_url(client_id, "prepayment"))
