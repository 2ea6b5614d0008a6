from django.http import HttpRequest

from .models import Role
from .selectors import memberships_for_user


def staff_context(request: HttpRequest) -> dict[str, object]:
    """Expose the current agency, whether the user may open the manager's pages, and the
    agencies they may switch to."""
    membership = getattr(request, "membership", None)
    # Only on staff pages (where staff_view set the membership): the login pages and the
    # public site make no query for it.
    agency_choices = (
        list(memberships_for_user(user=request.user))  # type: ignore[arg-type]
        if membership is not None
        else []
    )
    return {
        "current_agency": getattr(request, "agency", None),
        "current_membership": membership,
        "is_manager": membership is not None and membership.role in (Role.MANAGER, Role.ADMIN),
        "agency_choices": agency_choices,
    }
