"""Staff login (P-26), logout, the security page and the agency switcher.

Thin views: each translates the request, makes one call to a service or selector, and
turns the result or the domain error into a page.
"""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError, ValidationFailed

from . import selectors, services
from .forms import AgencySwitchForm, CodeForm, PasswordLoginForm
from .models import User
from .permissions import SESSION_AGENCY_KEY, staff_view, user_is_verified
from .qr import qr_svg

# The password step's result, until the second factor is given. The user is not logged in
# while this is all the session holds.
SESSION_PENDING_KEY = "fortrolig_pending_login"


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is set by the client and would let an
    # attacker pick a fresh address for every guess. A proxy in front must set
    # REMOTE_ADDR itself.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:dashboard")


def _pending_store(
    request: HttpRequest, *, user_id: uuid.UUID, now: datetime, next_url: str
) -> None:
    request.session[SESSION_PENDING_KEY] = {
        "user_id": str(user_id),
        "started_at": now.isoformat(),
        "next": next_url,
    }


def _pending(request: HttpRequest) -> services.PendingLogin | None:
    data = request.session.get(SESSION_PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return services.PendingLogin(
            user_id=uuid.UUID(data["user_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
        )
    except (KeyError, ValueError, TypeError):
        return None


def _finish_login(request: HttpRequest, *, user: User, device: Any) -> str:
    """Log the user in with both factors and return where to go next."""
    next_url = request.session.get(SESSION_PENDING_KEY, {}).get("next")
    # login() rotates the session key, so a key fixed before login is worthless after it.
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    request.session.pop(SESSION_PENDING_KEY, None)
    return _safe_next(request, next_url)


def _restart(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    request.session.pop(SESSION_PENDING_KEY, None)
    messages.error(request, str(error.message))
    return redirect("accounts:login")


@never_cache
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1: email and password."""
    if request.user.is_authenticated and user_is_verified(request.user):
        return redirect("core:dashboard")
    form = PasswordLoginForm(request.POST or None)
    error: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        now = clock.now()
        try:
            result = services.login_password_check(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=_client_ip(request),
                now=now,
            )
        except ApplicationError as exc:
            error = exc
        else:
            # A new key before the half-logged-in state is stored: a session key planted
            # by someone else never carries a passed password step.
            request.session.cycle_key()
            _pending_store(
                request,
                user_id=result.user_id,
                now=now,
                next_url=_safe_next(request, request.GET.get("next")),
            )
            return redirect("accounts:enrol" if result.needs_enrolment else "accounts:login_code")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error},
        status=error.status if error else 200,
    )


@never_cache
@sensitive_post_parameters("code")
def login_code_view(request: HttpRequest) -> HttpResponse:
    """Step 2: a TOTP code or a recovery code."""
    pending = _pending(request)
    if pending is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    error: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.login_second_factor_check(
                pending=pending,
                code=form.cleaned_data["code"],
                ip=_client_ip(request),
                now=clock.now(),
            )
        except services.LoginExpired as exc:
            return _restart(request, exc)
        except ApplicationError as exc:
            error = exc
        else:
            return redirect(_finish_login(request, user=result.user, device=result.device))
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "error": error},
        status=error.status if error else 200,
    )


@never_cache
@sensitive_post_parameters("code")
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First login without an authenticator: show the QR code and the secret (GET), and
    confirm with a code from the app (POST); then show the recovery codes once."""
    pending = _pending(request)
    if pending is None:
        return redirect("accounts:login")
    if request.method == "POST":
        form = CodeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Type the code from the app."))
            return redirect("accounts:enrol")
        try:
            confirmed = services.totp_enrolment_confirm(
                pending=pending,
                code=form.cleaned_data["code"],
                ip=_client_ip(request),
                now=clock.now(),
            )
        except services.AlreadyEnrolled:
            return redirect("accounts:login_code")
        except services.LoginExpired as exc:
            return _restart(request, exc)
        except ApplicationError as exc:
            # Back to the page with the same QR code (made again by the GET).
            messages.error(request, str(exc.message))
            return redirect("accounts:enrol")
        next_url = _finish_login(request, user=confirmed.user, device=confirmed.device)
        # Rendered in this response only and stored nowhere readable: shown once.
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": confirmed.recovery_codes, "next_url": next_url, "first_login": True},
        )
    try:
        enrolment = services.totp_enrolment_start(pending=pending, now=clock.now())
    except services.AlreadyEnrolled:
        # Someone with an authenticator must use it: enrolment never replaces one.
        return redirect("accounts:login_code")
    except ApplicationError as exc:
        return _restart(request, exc)
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": CodeForm(),
            "secret": enrolment.secret,
            "secret_groups": [
                enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)
            ],
            "qr_svg": qr_svg(enrolment.uri),
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, _("You are logged out."))
    return redirect("accounts:login")


@never_cache
@staff_view()
def security_view(request: HttpRequest) -> HttpResponse:
    remaining = selectors.recovery_codes_remaining(user=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/security.html", {"recovery_codes_remaining": remaining})


@require_POST
@staff_view()
def sessions_end_all_view(request: HttpRequest) -> HttpResponse:
    services.sessions_end_all(user=request.user, now=clock.now())  # type: ignore[arg-type]
    # This session is one of them: its hash no longer matches, so clear it now.
    auth_logout(request)
    messages.success(request, _("All your sessions have ended. Log in again to continue."))
    return redirect("accounts:login")


@never_cache
@require_POST
@staff_view()
def recovery_codes_regenerate_view(request: HttpRequest) -> HttpResponse:
    codes = services.recovery_codes_regenerate(
        user=request.user,  # type: ignore[arg-type]
        agency=request.agency,  # type: ignore[attr-defined]
        security_url=request.build_absolute_uri(reverse("accounts:security")),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        now=clock.now(),
    )
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next_url": reverse("accounts:security"), "first_login": False},
    )


@require_POST
@staff_view()
def agency_switch_view(request: HttpRequest) -> HttpResponse:
    """Work in another agency the user is a member of. Any other agency is refused."""
    form = AgencySwitchForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Choose an agency."))
    membership = selectors.membership_get(
        user=request.user,  # type: ignore[arg-type]
        agency_id=form.cleaned_data["agency"],
    )
    request.session[SESSION_AGENCY_KEY] = str(membership.agency_id)
    return redirect("core:dashboard")
