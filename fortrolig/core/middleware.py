"""The one handler that turns an ApplicationError into a page or a JSON error."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import ApplicationError


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def error_payload(error: ApplicationError) -> dict[str, object]:
    return {
        "error": {
            "code": error.code,
            "message": str(error.message),
            "fields": error.field_errors,
        }
    }


def render_application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(error_payload(error), status=error.status)
    return render(
        request,
        "core/error.html",
        {"error_message": error.message, "error_code": error.code},
        status=error.status,
    )


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApplicationError):
            return render_application_error(request, exception)
        return None
