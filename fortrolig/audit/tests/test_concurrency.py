"""Two or more writers at once must never fork an agency's chain (P-28). PostgreSQL only:
SQLite serialises every writer on one database lock, so it cannot fork in the first place."""

import threading
import uuid

import pytest
from django.db import connection, connections, transaction

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor, chain_check, record
from fortrolig.conftest import make_agency

WRITERS = 6
EVENTS_PER_TRANSACTION = 5
TRANSACTIONS_PER_WRITER = 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
)


def _writer(agency_id, barrier, errors):
    try:
        barrier.wait()
        for _ in range(TRANSACTIONS_PER_WRITER):
            with transaction.atomic():
                for _ in range(EVENTS_PER_TRANSACTION):
                    record(
                        agency=agency_id,
                        actor=Actor(type=ActorType.STAFF, id=uuid.uuid4()),
                        action="candidate.viewed",
                        subject=None,
                    )
    except Exception as exc:  # collected and asserted on in the main thread
        errors.append(exc)
    finally:
        connections.close_all()


def test_p28_parallel_writers_never_fork_the_chain(transactional_db):
    agency = make_agency()
    other = make_agency("fjellet", index=1)
    barrier = threading.Barrier(WRITERS)
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=_writer, args=(a.id, barrier, errors))
        for a in [agency, other] * (WRITERS // 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    expected = (WRITERS // 2) * TRANSACTIONS_PER_WRITER * EVENTS_PER_TRANSACTION
    for a in (agency, other):
        seqs = list(
            AuditEvent.objects.filter(agency=a).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, expected + 1))
        report = chain_check(agency_id=a.id)
        assert report.ok, report.describe()
        assert report.events_checked == expected


def test_p28_first_events_of_a_new_agency_race_safely(transactional_db):
    # No chain head exists yet: every writer tries to create it at once.
    agency = make_agency()
    barrier = threading.Barrier(4)
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=_writer, args=(agency.id, barrier, errors)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert chain_check(agency_id=agency.id).ok
