"""The staff action for the access export (P-20), mounted at /staff/export/."""

from django.urls import path

from . import export_views as views

app_name = "export"
urlpatterns = [
    path("<str:subject_type>/<uuid:subject_id>/", views.subject_export_view, name="subject"),
]
