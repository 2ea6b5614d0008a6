from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "fortrolig.clients"
    label = "clients"
