"""The paper register (P-30), mounted at /staff/paper/."""

from django.urls import path

from . import paper_views as views

app_name = "paper"
urlpatterns = [
    path("", views.paper_list_view, name="list"),
    path("new/", views.paper_register_view, name="register"),
    path("card/", views.paper_dashboard_card_view, name="dashboard_card"),
    path("<uuid:paper_id>/scan/", views.paper_scan_view, name="scan"),
    path("<uuid:paper_id>/shred/", views.paper_shred_view, name="shred"),
]
