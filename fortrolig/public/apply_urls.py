"""URLs of the public apply flow, mounted at the site root before the public pages."""

from django.urls import path

from . import apply_views

app_name = "apply"

urlpatterns = [
    path("jobs/<uuid:ad_id>/apply/", apply_views.apply_view, name="start"),
    path("jobs/<uuid:ad_id>/apply/received/", apply_views.received_view, name="received"),
]
