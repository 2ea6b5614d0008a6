from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "fortrolig.candidates"
    label = "candidates"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (registers the assignment-ended hooks, P-07)
