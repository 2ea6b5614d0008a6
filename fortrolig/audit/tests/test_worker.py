"""The daily job through a real Celery worker: the task is found by name, its arguments
serialise, and it runs against the database in another thread."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery import app
from fortrolig.audit.models import ActorType, AuditVerification
from fortrolig.audit.services import Actor, record
from fortrolig.conftest import make_agency
from fortrolig.core.models import JobRun


@pytest.fixture
def real_worker():
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = eager


def test_p28_daily_verification_runs_in_a_worker(transactional_db, real_worker):
    agency = make_agency()
    with transaction.atomic():
        record(
            agency=agency,
            actor=Actor(type=ActorType.STAFF, id=uuid.uuid4()),
            action="candidate.viewed",
        )
    app.send_task("fortrolig.audit.tasks.audit_verify_all_task")
    # No result backend (results are not kept): wait for the job's own record instead.
    deadline = time.monotonic() + 30
    while not JobRun.objects.filter(job="audit_verify").exclude(status="running").exists():
        assert time.monotonic() < deadline, "the worker did not run the task"
        time.sleep(0.1)
    assert AuditVerification.objects.get(agency=agency).ok
    assert JobRun.objects.get(job="audit_verify").status == JobRun.Status.SUCCEEDED
