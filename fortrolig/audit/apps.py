from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fortrolig.audit"
    label = "audit"
    verbose_name = "Audit trail"
