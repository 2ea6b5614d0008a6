from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .i18n import language_from_query
from .selectors import agency_directory


@require_GET
@language_from_query
def landing(request: HttpRequest) -> HttpResponse:
    """The public front page: who uses Fortrolig, how to reach them, and the staff login.
    It sets no cookies."""
    return render(request, "public/landing.html", {"agencies": agency_directory()})
