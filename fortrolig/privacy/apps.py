from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "fortrolig.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Every installed app (ours, and the third-party classifications in this app's
        # own module) declares its fields in a `datamap` module.
        autodiscover_modules("datamap")
        from . import datamap_own, datamap_thirdparty  # noqa: F401
