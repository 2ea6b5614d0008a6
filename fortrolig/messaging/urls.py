from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("test/", views.outbox_send_test, name="send_test"),
    path("<uuid:email_id>/", views.outbox_detail, name="detail"),
]
