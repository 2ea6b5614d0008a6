"""Connects the data-key cache to request and task boundaries (see core.crypto)."""

from typing import Any

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished, request_started

from .crypto import clear_key_cache


def _clear(**_kwargs: Any) -> None:
    clear_key_cache()


def connect() -> None:
    request_started.connect(_clear, dispatch_uid="fortrolig.crypto.request_started")
    request_finished.connect(_clear, dispatch_uid="fortrolig.crypto.request_finished")
    task_prerun.connect(_clear, dispatch_uid="fortrolig.crypto.task_prerun", weak=False)
    task_postrun.connect(_clear, dispatch_uid="fortrolig.crypto.task_postrun", weak=False)
