from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "fortrolig.staffing"
    label = "staffing"
