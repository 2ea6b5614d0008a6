from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("jobs/<uuid:ad_id>/", views.ad_page, name="ad"),
    path("verify/", views.verify, name="verify"),
]
