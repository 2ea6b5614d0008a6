"""The manager's pages of the processing register and the privacy policy (P-01, P-02)."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.register_view, name="register"),
    path("activities/new/", views.activity_create_view, name="activity_create"),
    path("activities/<uuid:activity_id>/edit/", views.activity_edit_view, name="activity_edit"),
    path("register.csv", views.register_csv_view, name="register_csv"),
    path("register.pdf", views.register_pdf_view, name="register_pdf"),
    path("policy/", views.policy_overview_view, name="policy"),
    path("policy/versions/<int:number>/", views.policy_version_view, name="policy_version"),
]
