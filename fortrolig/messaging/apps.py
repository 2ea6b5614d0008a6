from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "fortrolig.messaging"
    label = "messaging"
