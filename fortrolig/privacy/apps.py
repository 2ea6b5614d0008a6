from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "fortrolig.privacy"
    label = "privacy"
