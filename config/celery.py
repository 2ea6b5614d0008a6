"""The Celery app. Redis is the production broker; the embedded default is kombu's
filesystem transport (see settings). Beat runs the scheduled jobs below."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fortrolig")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "audit-verify-daily": {
        "task": "fortrolig.audit.tasks.audit_verify_all_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "documents-extraction-requeue": {
        "task": "fortrolig.documents.tasks.documents_extraction_requeue_task",
        "schedule": crontab(minute="*/15"),
    },
    # P-18: erase what is due, then ask the candidates whose deadline is near.
    "retention-sweep-daily": {
        "task": "fortrolig.privacy.tasks.retention_sweep_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "retention-renewal-notices-daily": {
        "task": "fortrolig.privacy.tasks.renewal_notices_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "email-requeue-stranded": {
        "task": "fortrolig.messaging.tasks.email_requeue_stranded_task",
        "schedule": crontab(minute="*/10"),
    },
}
