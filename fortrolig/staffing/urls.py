"""Employments through the agency (P-19), mounted at /staff/staffing/."""

from django.urls import path

from . import views

app_name = "staffing"
urlpatterns = [
    path("", views.employment_list_view, name="list"),
    path("new/", views.employment_start_view, name="create"),
    path("<uuid:employment_id>/", views.employment_detail_view, name="detail"),
    path("<uuid:employment_id>/end/", views.employment_end_view, name="end"),
    path("<uuid:employment_id>/payroll/", views.payroll_add_view, name="payroll_add"),
    path(
        "candidates/<uuid:candidate_id>/",
        views.candidate_employments_view,
        name="candidate",
    ),
    path(
        "candidates/<uuid:candidate_id>/section/",
        views.candidate_section_view,
        name="candidate_section",
    ),
]
