"""Staff pages for job ads, under /staff/ads/."""

from django.urls import path

from . import ads_views as views

app_name = "ads"
urlpatterns = [
    path("", views.ad_list_view, name="list"),
    path("new/", views.ad_create_view, name="create"),
    path("<uuid:ad_id>/", views.ad_detail_view, name="detail"),
    path("<uuid:ad_id>/edit/", views.ad_edit_view, name="edit"),
    path("<uuid:ad_id>/publish/", views.ad_publish_view, name="publish"),
    path("<uuid:ad_id>/close/", views.ad_close_view, name="close"),
    path("<uuid:ad_id>/publications/", views.publication_add_view, name="publication_add"),
    path(
        "<uuid:ad_id>/publications/<uuid:publication_id>/remove/",
        views.publication_remove_view,
        name="publication_remove",
    ),
]
