"""Settings for the import benchmark: the test settings, except that Celery tasks are
queued (to the in-memory broker, which nothing consumes here) instead of run inside the
command. That is how the import runs in production, where a worker refreshes search after
the command has returned; the benchmark times that refresh separately."""

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
