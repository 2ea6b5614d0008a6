"""The retention dashboard and legal holds (P-18), mounted at /staff/retention/."""

from django.urls import path

from . import retention_views

app_name = "retention"
urlpatterns = [
    path("", retention_views.dashboard_view, name="dashboard"),
    path("holds/new/", retention_views.hold_set_view, name="hold_set"),
    path("holds/<uuid:hold_id>/release/", retention_views.hold_release_view, name="hold_release"),
]
