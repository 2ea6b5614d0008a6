from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list_view, name="list"),
    path("new/", views.client_create_view, name="create"),
    path("<uuid:client_id>/", views.client_detail_view, name="detail"),
    path("<uuid:client_id>/edit/", views.client_edit_view, name="edit"),
    path("<uuid:client_id>/archive/", views.client_archive_view, name="archive"),
    path("<uuid:client_id>/contacts/", views.contact_add_view, name="contact_add"),
    path("<uuid:client_id>/agreements/", views.agreement_add_view, name="agreement_add"),
    path("<uuid:client_id>/credit/", views.credit_add_view, name="credit_add"),
    path(
        "<uuid:client_id>/prepayment-received/",
        views.prepayment_received_view,
        name="prepayment_received",
    ),
    path("contacts/<uuid:contact_id>/edit/", views.contact_edit_view, name="contact_edit"),
    path("contacts/<uuid:contact_id>/end/", views.contact_end_view, name="contact_end"),
    path(
        "agreements/<uuid:agreement_id>/download/",
        views.agreement_download_view,
        name="agreement_download",
    ),
]
