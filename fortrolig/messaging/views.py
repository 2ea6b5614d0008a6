import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock

from .selectors import email_get, email_page
from .services import email_queue_test


@require_GET
@staff_view(roles=MANAGER_ROLES)
def outbox(request: HttpRequest) -> HttpResponse:
    page = email_page(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        page_number=request.GET.get("page"),
        now=clock.now(),
    )
    return render(request, "messaging/outbox.html", {"page": page})


@require_GET
@staff_view(roles=MANAGER_ROLES)
def outbox_detail(request: HttpRequest, email_id: uuid.UUID) -> HttpResponse:
    email = email_get(
        agency=request.agency,  # type: ignore[attr-defined]
        email_id=email_id,
        actor=actor_for_user(request.user),
        now=clock.now(),
    )
    return render(request, "messaging/outbox_detail.html", {"email": email})


@require_POST
@staff_view(roles=MANAGER_ROLES)
def outbox_send_test(request: HttpRequest) -> HttpResponseRedirect:
    email_queue_test(
        agency=request.agency,  # type: ignore[attr-defined]
        user=request.user,  # type: ignore[arg-type]
        language=getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        link=request.build_absolute_uri(reverse("messaging:outbox")),
        now=clock.now(),
    )
    messages.success(request, _("A test email is on its way to your own address."))
    return redirect("messaging:outbox")
