"""The gate in front of every staff view: logged in with two factors, a member of the
agency being worked in, and holding one of the allowed roles."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from fortrolig.core.errors import PermissionDenied

from .models import Membership, Role

SESSION_AGENCY_KEY = "fortrolig_agency_id"
MANAGER_ROLES = (Role.MANAGER, Role.ADMIN)

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The membership of the logged-in user in the agency chosen for this session, or their
    first membership when none is chosen."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("agency").filter(user_id=user.pk)
    chosen = request.session.get(SESSION_AGENCY_KEY)
    if chosen:
        membership = memberships.filter(agency_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("agency__name").first()


def user_is_verified(user: object) -> bool:
    """True when the user passed both factors in this session. OTPMiddleware gives every
    request's user an `is_verified` method; a user without it never counts as verified."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def staff_view(*, roles: Iterable[Role] | None = None) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a staff view. Sets `request.agency` and `request.membership`.

    An anonymous or half-logged-in user (password without second factor) is sent to the
    login page; a user without the role gets a 403 page.
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
                return redirect_to_login(request.get_full_path())
            membership = membership_for_request(request)
            if membership is None:
                raise PermissionDenied(_("Your account is not a member of any agency."))
            if allowed is not None and membership.role not in allowed:
                raise PermissionDenied()
            request.agency = membership.agency  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapper)

    return decorator
