"""Domain exceptions. One handler (core.middleware, and the API's handler) turns each into a
clear message for a page or a JSON error. Messages are for the user, in their language, and
never contain personal data (house rule 8)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """Base of every domain error.

    `message` is shown to the user (a lazily translated string); `code` is stable and
    machine-readable; `status` is the HTTP status that the handler answers with.
    """

    status: int = 400
    code: str = "invalid"
    default_message: str | Promise = _("The request could not be completed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.field_errors = field_errors or {}
        super().__init__(self.code)

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(ApplicationError):
    status = 400
    code = "validation_failed"
    default_message = _("Some of the information is not valid.")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have access to this.")


class Throttled(ApplicationError):
    status = 429
    code = "throttled"
    default_message = _("Too many attempts. Try again later.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("The change conflicts with the current state.")
