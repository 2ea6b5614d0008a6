import uuid

from celery import Task, shared_task

from fortrolig.core import clock

from .services import MAX_ATTEMPTS, EmailDeliveryDeferred, email_send, emails_requeue_stranded

# Seconds to wait before each retry: one minute, then longer, capped at an hour.
RETRY_DELAYS = (60, 300, 900, 3600)


# max_retries is a safety net only: email_send counts the attempts in the database and
# stops retrying after MAX_ATTEMPTS, even when a task is delivered more than once.
@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def email_send_task(self: Task[[str], str], email_id: str) -> str:
    """Send one queued email. Safe to run twice. Returns the email's status afterwards.

    A failure that may pass is retried with a growing delay; `email_send` counts the
    attempts and marks the email failed after the last one.
    """
    try:
        email = email_send(email_id=uuid.UUID(email_id), now=clock.now())
    except EmailDeliveryDeferred as exc:
        delay = RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]
        raise self.retry(exc=exc, countdown=delay) from exc
    return email.status if email is not None else "missing"


@shared_task
def email_requeue_stranded_task() -> int:
    """Every few minutes: give a task back to emails whose task was lost."""
    return emails_requeue_stranded(now=clock.now())
