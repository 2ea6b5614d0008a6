"""URLs of the apply flow; filled in by the issue-4 work."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

app_name = "apply"


def _not_yet(request: HttpRequest, ad_id: object) -> HttpResponse:
    raise Http404


urlpatterns = [path("jobs/<uuid:ad_id>/apply/", _not_yet, name="start")]
