from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fortrolig.api"
    label = "api"
