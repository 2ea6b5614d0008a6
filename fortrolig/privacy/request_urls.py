"""Data-subject requests (P-24), mounted at /staff/requests/. Managers only."""

from django.urls import path

from . import request_views as views

app_name = "requests"
urlpatterns = [
    path("", views.request_queue_view, name="queue"),
    path("new/", views.request_register_view, name="register"),
    path("<uuid:request_id>/", views.request_detail_view, name="detail"),
    path("<uuid:request_id>/code/", views.request_code_view, name="code"),
    path("<uuid:request_id>/verify/", views.request_verify_view, name="verify"),
    path("<uuid:request_id>/extend/", views.request_extend_view, name="extend"),
    path("<uuid:request_id>/respond/", views.request_respond_view, name="respond"),
    path("<uuid:request_id>/rectify/", views.request_rectify_view, name="rectify"),
    path("<uuid:request_id>/export/", views.request_export_view, name="export"),
    path("<uuid:request_id>/erase/", views.request_erase_view, name="erase"),
]
