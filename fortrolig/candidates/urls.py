from django.urls import path

from . import views

app_name = "candidates"
urlpatterns = [
    path("", views.candidate_list_view, name="list"),
    path("new/", views.candidate_create_view, name="create"),
    path("<uuid:candidate_id>/", views.candidate_detail_view, name="detail"),
    path("<uuid:candidate_id>/edit/", views.candidate_edit_view, name="edit"),
    path("<uuid:candidate_id>/documents/", views.document_upload_view, name="document_upload"),
    path("<uuid:candidate_id>/references/", views.reference_add_view, name="reference_add"),
    path("<uuid:candidate_id>/merge/", views.candidate_merge_view, name="merge"),
]
