"""Many first views of the policy at once make one version, not several (P-01). PostgreSQL
only: SQLite serialises every writer on one database lock."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from fortrolig.conftest import make_agency
from fortrolig.core.models import Agency
from fortrolig.privacy.models import PolicyVersion, ProcessingActivity
from fortrolig.privacy.policy import policy_current
from fortrolig.privacy.register import DEFAULT_ACTIVITIES

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
VIEWERS = 6


def _view(agency_id, barrier, numbers, errors):
    try:
        agency = Agency.objects.get(pk=agency_id)
        barrier.wait()
        numbers.append(policy_current(agency=agency, now=NOW).number)
    except Exception as exc:  # collected and asserted on in the main thread
        errors.append(exc)
    finally:
        connections.close_all()


def _race(agency) -> list[int]:
    barrier = threading.Barrier(VIEWERS)
    numbers: list[int] = []
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=_view, args=(agency.id, barrier, numbers, errors))
        for _ in range(VIEWERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return numbers


def test_p01_parallel_first_views_publish_one_version(transactional_db):
    agency = make_agency()
    assert _race(agency) == [1] * VIEWERS
    assert PolicyVersion.objects.filter(agency=agency).count() == 1
    assert ProcessingActivity.objects.filter(agency=agency).count() == len(DEFAULT_ACTIVITIES)

    agency.settings = {"candidate_retention_months": 20}
    agency.save()
    assert _race(agency) == [2] * VIEWERS
    assert PolicyVersion.objects.filter(agency=agency).count() == 2
