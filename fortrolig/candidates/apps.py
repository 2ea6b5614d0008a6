from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "fortrolig.candidates"
    label = "candidates"
