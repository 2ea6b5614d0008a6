"""URLs; filled in by the issue-4 work."""

from django.urls import URLPattern

app_name = "clients"
urlpatterns: list[URLPattern] = []
