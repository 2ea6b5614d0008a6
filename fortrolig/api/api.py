"""The HTTP API under /api/v1 (django-ninja), with its schema at /api/v1/openapi.json.

Every endpoint needs a bearer token, and a token is scoped to one agency: an endpoint reads
`request.agency`, never an agency named in the request. Every error, from validation to
authentication, answers with the same JSON shape as the rest of the system
(`core.middleware.error_payload`).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.core.middleware import error_payload

from .auth import TokenAuth
from .services import NotAuthenticated

api = NinjaAPI(
    urls_namespace="api",
    version="1",
    title="Fortrolig API",
    description=(
        "The HTTP API of Fortrolig. Send an agency's API token as "
        "`Authorization: Bearer <token>`; every answer is scoped to that agency."
    ),
    auth=TokenAuth(),
)


def _error_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    response = api.create_response(request, error_payload(error), status=error.status)
    if error.status == 401:
        # RFC 6750: tell the client which scheme to use.
        response["WWW-Authenticate"] = 'Bearer realm="fortrolig"'
    return response


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error_response(request, exc)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error_response(request, NotAuthenticated())


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error_response(request, NotFound())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    error = ApplicationError(exc.message, code=f"http_{exc.status_code}")
    error.status = exc.status_code
    return _error_response(request, error)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja puts the source first ("query", "body", ...); the field follows. An error about
    # the whole input (two fields that disagree) has no field: it goes under "__all__".
    names = [str(part) for part in loc[1:] if isinstance(part, str)]
    return names[-1] if names else "__all__"


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    field_errors: dict[str, list[str]] = {}
    for error in exc.errors:
        message = str(error.get("msg", ""))
        # pydantic prefixes the text of a ValueError raised by a validator.
        message = message.removeprefix("Value error, ")
        field_errors.setdefault(_field_name(error.get("loc", ())), []).append(message)
    names = ", ".join(sorted(field_errors))
    # The input values themselves are never echoed: they could be personal data.
    return _error_response(
        request,
        ValidationFailed(
            _("Some of the information is not valid: %(fields)s.") % {"fields": names},
            field_errors=field_errors,
        ),
    )


# The endpoints register themselves on `api` when imported.
from . import (  # noqa: E402, F401
    ads,
    applications,
    assignments,
    candidates,
    clients,
    endpoints,
    requests,
    staffing,
)
