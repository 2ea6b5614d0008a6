from django.apps import AppConfig


class CryptoAppConfig(AppConfig):
    """A test-only app with an encrypted field, installed by the test settings alone."""

    name = "fortrolig.core.tests.cryptoapp"
    label = "cryptoapp"
