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
    "email-requeue-stranded": {
        "task": "fortrolig.messaging.tasks.email_requeue_stranded_task",
        "schedule": crontab(minute="*/10"),
    },
}
