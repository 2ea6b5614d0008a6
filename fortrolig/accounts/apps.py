from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fortrolig.accounts"
    label = "accounts"
    verbose_name = "Accounts"
