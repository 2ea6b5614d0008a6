from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "fortrolig.documents"
    label = "documents"
