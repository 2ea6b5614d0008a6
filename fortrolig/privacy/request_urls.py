"""URLs; filled in by the issue-6 work."""

from django.urls import URLPattern

app_name = "requests"
urlpatterns: list[URLPattern] = []
