from django.http import HttpRequest

from .models import Role


def staff_context(request: HttpRequest) -> dict[str, object]:
    """Expose the current agency and whether the user may open the manager's pages."""
    membership = getattr(request, "membership", None)
    return {
        "current_agency": getattr(request, "agency", None),
        "current_membership": membership,
        "is_manager": membership is not None and membership.role in (Role.MANAGER, Role.ADMIN),
    }
