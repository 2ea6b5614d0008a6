from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "fortrolig.public"
    label = "public"
