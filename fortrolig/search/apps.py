from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "fortrolig.search"
    label = "search"
