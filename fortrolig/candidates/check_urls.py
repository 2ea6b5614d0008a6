"""Background checks (P-07), mounted at /staff/checks/."""

from django.urls import path

from . import check_views as views

app_name = "checks"
urlpatterns = [
    path("candidates/<uuid:candidate_id>/", views.candidate_checks_view, name="candidate"),
    path(
        "candidates/<uuid:candidate_id>/section/",
        views.candidate_checks_section_view,
        name="candidate_section",
    ),
    path(
        "candidates/<uuid:candidate_id>/applications/<uuid:application_id>/request/",
        views.check_request_view,
        name="request",
    ),
    path(
        "candidates/<uuid:candidate_id>/checks/<uuid:check_id>/receive/",
        views.check_receive_view,
        name="receive",
    ),
    path(
        "candidates/<uuid:candidate_id>/checks/<uuid:check_id>/outcome/",
        views.check_outcome_view,
        name="outcome",
    ),
    path("<uuid:check_id>/", views.check_detail_view, name="detail"),
    path("<uuid:check_id>/download/", views.check_download_view, name="download"),
]
