from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fortrolig.core"
    label = "core"
    verbose_name = "Fortrolig core"

    def ready(self) -> None:
        from . import signals

        signals.connect()
