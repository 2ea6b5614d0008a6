"""Audit-chain benchmark (issue: foundation).

Measures, on the database named by DATABASE_URL (PostgreSQL for the reported figures):
- events appended per second by one writer, one event per transaction;
- the same with four writer processes on one agency's chain (they serialise on its head);
- the same with four writers on four agencies (independent chains);
- `chain_check` throughput over a chain of --verify-events events (default 100,000).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_bench \
     .venv/bin/python -m bench.audit_bench
The database is dropped and created afresh. Results are printed and written as JSON to
bench/results/audit.json.
"""

import argparse
import json
import multiprocessing
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _append(agency_id: str, count: int, start_barrier) -> None:
    import django

    django.setup()
    from django.db import transaction

    from fortrolig.audit.models import ActorType
    from fortrolig.audit.services import Actor, SubjectRef, record

    actor = Actor(type=ActorType.STAFF, id=uuid.uuid4())
    start_barrier.wait()
    for _ in range(count):
        with transaction.atomic():
            record(
                agency=uuid.UUID(agency_id),
                actor=actor,
                action="candidate.viewed",
                subject=SubjectRef(type="candidates.candidate", id=uuid.uuid4()),
                fields=["email", "phone"],
                purpose="recruitment",
            )


def _run_writers(agency_ids: list[str], per_writer: int) -> float:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(agency_ids) + 1)
    procs = [ctx.Process(target=_append, args=(a, per_writer, barrier)) for a in agency_ids]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError("a writer failed")
    return time.perf_counter() - started


def _bulk_chain(agency, count: int) -> None:
    """Write a valid chain of `count` events fast, through the same hash function."""
    from fortrolig.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
    from fortrolig.audit.services import _chain_key, event_hash
    from fortrolig.core import clock

    key = _chain_key()
    prev = GENESIS_HASH
    at = clock.now() - timedelta(days=30)
    batch: list[AuditEvent] = []
    for seq in range(1, count + 1):
        subject_id = uuid.uuid4()
        fields = ["email", "phone"]
        digest = event_hash(
            agency_id=agency.id,
            seq=seq,
            occurred_at=at,
            actor_type="staff",
            actor_id=None,
            action="candidate.viewed",
            subject_type="candidates.candidate",
            subject_id=subject_id,
            fields=fields,
            purpose="recruitment",
            prev_hash=prev,
            key=key,
        )
        batch.append(
            AuditEvent(
                agency=agency,
                seq=seq,
                occurred_at=at,
                actor_type="staff",
                action="candidate.viewed",
                subject_type="candidates.candidate",
                subject_id=subject_id,
                fields=fields,
                purpose="recruitment",
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    AuditChainHead.objects.update_or_create(agency=agency, defaults={"seq": count, "hash": prev})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000, help="events per writer")
    parser.add_argument("--verify-events", type=int, default=100_000)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        _recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fortrolig.audit.services import chain_check
    from fortrolig.conftest import make_agency

    call_command("migrate", verbosity=0)
    agencies = [make_agency(f"bench{i}", index=i) for i in range(5)]
    results: dict[str, object] = {"database": connection.vendor}

    seconds = _run_writers([str(agencies[0].id)], args.events)
    results["one_writer_events_per_s"] = round(args.events / seconds)
    seconds = _run_writers([str(agencies[1].id)] * 4, args.events)
    results["four_writers_one_chain_events_per_s"] = round(4 * args.events / seconds)
    seconds = _run_writers([str(a.id) for a in agencies[1:5]], args.events)
    results["four_writers_four_chains_events_per_s"] = round(4 * args.events / seconds)
    for agency in agencies[:5]:
        assert chain_check(agency_id=agency.id).ok, "the benchmark broke a chain"

    verify_agency = make_agency("benchverify", index=5)
    _bulk_chain(verify_agency, args.verify_events)
    started = time.perf_counter()
    report = chain_check(agency_id=verify_agency.id)
    seconds = time.perf_counter() - started
    assert report.ok and report.events_checked == args.verify_events
    results["verify_events"] = args.verify_events
    results["verify_seconds"] = round(seconds, 2)
    results["verify_events_per_s"] = round(args.verify_events / seconds)

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "audit.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
