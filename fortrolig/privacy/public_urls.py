"""The public privacy policy (P-01) at `/personvern/`."""

from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.public_policy_index_view, name="index"),
    path("<slug:slug>/", views.public_policy_view, name="agency"),
]
