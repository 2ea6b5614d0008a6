from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "fortrolig.assignments"
    label = "assignments"
