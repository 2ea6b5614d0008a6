"""The public apply flow: the form, and the receipt after it (POST/redirect/GET).

The form sets one cookie, Django's CSRF cookie, which is strictly necessary (P-31); it
uses no session. The receipt page sets none and shows no personal data: it is the same for
every applicant, whether their email address was known or not.

Spam protection without third parties: a honeypot field, and a limit of
APPLY_THROTTLE_PER_IP submissions per APPLY_THROTTLE_WINDOW_SECONDS from one client
address. The limit is counted in Django's cache under a keyed hash of the address, never
the address itself. The default cache is per process: in production, point CACHE_URL at
Redis so that the limit holds across processes and servers.
"""

import itertools
import logging
import secrets
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from fortrolig.assignments.apply import (
    SUBMISSION_KEY,
    AdClosed,
    ApplicantInput,
    OpenAd,
    ad_for_receipt,
    ad_open_for_application,
    application_submit,
)
from fortrolig.core import clock
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.forms import form_errors_attach
from fortrolig.documents.services import UploadRefused
from fortrolig.privacy.policy import policy_path

from .apply_forms import ApplyForm
from .i18n import LANG_PARAM, language_from_query, supported_language

logger = logging.getLogger(__name__)

MSG_THROTTLED = _(
    "Too many applications have been sent from your network. Wait a while and try again later."
)
MSG_FORM_EXPIRED = _("The form has expired. Check your details and send it again.")

# Honeypot hits in this process: only a count is logged, never what was sent.
_honeypot_hits = itertools.count(1)


def _submission_key() -> str:
    return secrets.token_urlsafe(32)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is set by the client and would let a
    # sender pick a fresh address for every submission. A proxy in front must set
    # REMOTE_ADDR itself.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _throttled(request: HttpRequest) -> bool:
    """Count this submission against the client address; True when over the limit."""
    key = "apply:ip:" + keyed_hash(_client_ip(request), purpose="apply-ip")
    window = int(settings.APPLY_THROTTLE_WINDOW_SECONDS)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # Expired between add and incr.
        cache.set(key, 1, timeout=window)
        count = 1
    return count > int(settings.APPLY_THROTTLE_PER_IP)


def _language_query(request: HttpRequest) -> str:
    language = supported_language(request.GET.get(LANG_PARAM))
    return f"?{LANG_PARAM}={language}" if language else ""


def _privacy_url(request: HttpRequest, ad: OpenAd) -> str:
    return policy_path(agency_slug=ad.agency_slug) + _language_query(request)


def _form_page(request: HttpRequest, ad: OpenAd, form: ApplyForm, *, status: int) -> HttpResponse:
    return render(
        request,
        "public/apply.html",
        {"ad": ad, "form": form, "privacy_url": _privacy_url(request, ad)},
        status=status,
    )


def _closed_page(request: HttpRequest, error: AdClosed) -> HttpResponse:
    return render(
        request, "public/apply_closed.html", {"message": error.message}, status=error.status
    )


def _receipt_redirect(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    return redirect(reverse("apply:received", kwargs={"ad_id": ad_id}) + _language_query(request))


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@language_from_query
def apply_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    """The apply form of a published ad, and its submission."""
    now = clock.now()
    try:
        ad = ad_open_for_application(ad_id=ad_id, now=now)
    except NotFound:
        raise Http404 from None
    except AdClosed as error:
        return _closed_page(request, error)

    if request.method == "GET":
        form = ApplyForm(ad=ad, initial={"submission_key": _submission_key()})
        return _form_page(request, ad, form, status=200)

    data = request.POST.copy()
    key_expired = not SUBMISSION_KEY.match(data.get("submission_key", ""))
    if key_expired:
        data["submission_key"] = _submission_key()
    form = ApplyForm(data, request.FILES, ad=ad)
    if _throttled(request):
        form.is_valid()  # shows what was typed, with no field marked wrong
        form.errors.clear()
        form.add_error(None, str(MSG_THROTTLED))
        response = _form_page(request, ad, form, status=429)
        response["Retry-After"] = str(settings.APPLY_THROTTLE_WINDOW_SECONDS)
        return response
    if form.honeypot_filled():
        # Answered like a success, so that the program learns nothing; nothing is stored.
        logger.info("apply form: honeypot filled (%d in this process)", next(_honeypot_hits))
        return _receipt_redirect(request, ad.id)
    if key_expired:
        form.is_valid()
        form.add_error(None, str(MSG_FORM_EXPIRED))
        return _form_page(request, ad, form, status=400)
    if form.is_valid():
        values = form.cleaned_data
        cv = values["cv"]
        try:
            application_submit(
                ad_id=ad.id,
                applicant=ApplicantInput(
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    email=values["email"],
                    phone=values["phone"],
                ),
                cv_filename=cv.name or "",
                cv_content=cv.read(),
                cover_letter=values["cover_letter"],
                sharing_acknowledged=values["sharing_acknowledged"],
                alerts_similar_jobs=values["alerts_similar_jobs"],
                alerts_same_location=values["alerts_same_location"],
                submission_key=values["submission_key"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                now=now,
            )
        except AdClosed as error:
            return _closed_page(request, error)
        except UploadRefused as error:
            form.add_error("cv", str(error.message))
        except ValidationFailed as error:
            form_errors_attach(form, error)
        else:
            return _receipt_redirect(request, ad.id)
    return _form_page(request, ad, form, status=400)


@require_GET
@language_from_query
def received_view(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    """The receipt: the same page for everyone who applied to this ad. It sets no cookies
    and holds no personal data."""
    try:
        ad = ad_for_receipt(ad_id=ad_id, now=clock.now())
    except NotFound:
        raise Http404 from None
    return render(
        request, "public/apply_received.html", {"ad": ad, "privacy_url": _privacy_url(request, ad)}
    )
