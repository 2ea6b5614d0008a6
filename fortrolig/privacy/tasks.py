"""Scheduled jobs of the privacy engine (Celery beat; see config/celery.py)."""

from celery import shared_task

from fortrolig.core import clock

from .renewal import renewal_notices_send
from .retention import retention_sweep


@shared_task
def retention_sweep_task() -> int:
    """The daily retention sweep (P-18). Safe to run twice, or twice at once. Returns the
    number of rows erased."""
    return retention_sweep(now=clock.now()).erased_total


@shared_task
def renewal_notices_task() -> int:
    """The daily renewal emails (P-18), each sent once per deadline. Returns how many were
    queued."""
    return renewal_notices_send(now=clock.now()).queued
