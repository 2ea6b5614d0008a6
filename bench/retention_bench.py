"""Retention sweep benchmark (issue: privacy engine, P-18).

On PostgreSQL with --count candidates (default 200,000) of whom --due (default 50,000)
are past their deadline, each with two documents and an audit history, it measures:
- the sweep when nothing is due (as of a moment before the earliest deadline), at full
  size;
- the sweep that erases every due candidate: duration and erasures per second. Each
  erasure deletes the candidate, its two documents (and their two stored blobs, real
  encrypted files, deleted after each batch's commit), its search entry when --search is
  given, destroys its data key and appends an audit event;
- the sweep again when nothing is due (after the erasure), and a sweep of a tenth of --due,
  to show that the cost follows what is due, not the size of the database;
- EXPLAIN ANALYZE of the due query.

Data: made-up names, example.com addresses, straight into the tables with
`core.bulk.bulk_insert` (COPY). Documents of candidates that are not due point at no file
(the sweep never touches them). The audit history is a valid hash chain per agency (three
events per candidate), so that the sweep's events extend it and `chain_check` still holds.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_retention_bench \\
     .venv/bin/python -m bench.retention_bench [--count 200000] [--due 50000] [--search]
The database is dropped and created afresh. Results are printed and written to
bench/results/retention.json. Targets: all due erased in under 60 s; under 1 s when nothing
is due.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fortrolig_retention_bench"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "retention.json"
SEED = 20260318
NOW = datetime(2026, 3, 18, 3, 0, tzinfo=UTC)
BATCH = 5000

FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Per", "Nora", "Jonas", "Emma", "Henrik"]
LAST = ["Testesen", "Prøvesen", "Eksempel", "Fiktivsen", "Oppdiktet", "Lagesen", "Demodal"]
CITIES = ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø", "Hamar"]


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _populate(agencies, count: int, due: int, rng: random.Random) -> dict[str, float]:
    """Candidates, documents (real blobs for the due ones) and audit chains."""
    from django.conf import settings

    from fortrolig.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
    from fortrolig.audit.services import _chain_key, event_hash
    from fortrolig.candidates.models import Candidate
    from fortrolig.core import crypto
    from fortrolig.core.bulk import bulk_insert
    from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
    from fortrolig.privacy.retention import candidate_deadline

    vault = Path(settings.MEDIA_ROOT) / "vault"
    vault.mkdir(parents=True, exist_ok=True)
    key = _chain_key()
    heads = {agency.id: (0, GENESIS_HASH) for agency in agencies}
    configs = {agency.id: agency.config for agency in agencies}
    due_flags = [True] * due + [False] * (count - due)
    rng.shuffle(due_flags)
    timings = {"candidates": 0.0, "documents": 0.0, "audit": 0.0}
    blobs_written = 0
    for start in range(0, count, BATCH):
        flags = due_flags[start : start + BATCH]
        t0 = time.perf_counter()
        by_agency: dict[uuid.UUID, list[bool]] = {}
        rows: list[Candidate] = []
        for index, is_due in enumerate(flags):
            agency = agencies[(start + index) % len(agencies)]
            by_agency.setdefault(agency.id, []).append(is_due)
        for agency in agencies:
            agency_flags = by_agency.get(agency.id, [])
            keys = crypto.data_keys_create(agency=agency, count=len(agency_flags))
            for data_key, is_due in zip(keys, agency_flags, strict=True):
                if is_due:
                    # 24 to 36 months ago, and never renewed: past the deadline.
                    activity = NOW - timedelta(
                        days=rng.randint(732, 1095), minutes=rng.randint(0, 1439)
                    )
                else:
                    activity = NOW - timedelta(
                        days=rng.randint(0, 700), minutes=rng.randint(0, 1439)
                    )
                number = uuid.uuid4().hex[:12]
                rows.append(
                    Candidate(
                        id=uuid.uuid4(),
                        agency=agency,
                        data_key=data_key,
                        first_name=rng.choice(FIRST),
                        last_name=rng.choice(LAST),
                        email=f"kandidat{number}@example.com",
                        city=rng.choice(CITIES),
                        source="import",
                        last_activity_at=activity,
                        erase_after=candidate_deadline(
                            last_activity_at=activity,
                            storage_consent_expiry=None,
                            config=configs[agency.id],
                        ).at,
                        created_at=activity,
                        updated_at=activity,
                    )
                )
        bulk_insert(Candidate, rows)
        t1 = time.perf_counter()
        documents: list[Document] = []
        for candidate in rows:
            is_due = candidate.erase_after is not None and candidate.erase_after <= NOW
            for kind in (DocumentKind.CV, DocumentKind.APPLICATION_LETTER):
                blob_name = f"vault/{uuid.uuid4().hex}.bin"
                if is_due:
                    content = crypto.encrypt(
                        data_key_id=candidate.data_key_id, plaintext=b"%PDF-1.4 made-up CV\n"
                    )
                    (Path(settings.MEDIA_ROOT) / blob_name).write_bytes(content)
                    blobs_written += 1
                documents.append(
                    Document(
                        id=uuid.uuid4(),
                        agency_id=candidate.agency_id,
                        candidate_id=candidate.id,
                        data_key_id=candidate.data_key_id,
                        kind=kind,
                        filename=f"{kind}.pdf",
                        content_type="application/pdf",
                        size=2048,
                        blob_name=blob_name,
                        content_hash=hashlib.sha256(blob_name.encode()).hexdigest(),
                        extraction_status=ExtractionStatus.NOT_APPLICABLE,
                        created_at=candidate.last_activity_at,
                        updated_at=candidate.last_activity_at,
                    )
                )
        bulk_insert(Document, documents)
        t2 = time.perf_counter()
        events: list[AuditEvent] = []
        for candidate in rows:
            seq, prev = heads[candidate.agency_id]
            for action, fields in (
                ("candidate.created", ["email", "first_name", "last_name"]),
                ("candidate.document.uploaded", ["filename", "content"]),
                ("candidate.document.uploaded", ["filename", "content"]),
            ):
                seq += 1
                digest = event_hash(
                    agency_id=candidate.agency_id,
                    seq=seq,
                    occurred_at=candidate.last_activity_at,
                    actor_type="system",
                    actor_id=None,
                    action=action,
                    subject_type="candidates.candidate",
                    subject_id=candidate.id,
                    fields=fields,
                    purpose="import",
                    prev_hash=prev,
                    key=key,
                )
                events.append(
                    AuditEvent(
                        id=uuid.uuid4(),
                        agency_id=candidate.agency_id,
                        seq=seq,
                        occurred_at=candidate.last_activity_at,
                        actor_type="system",
                        action=action,
                        subject_type="candidates.candidate",
                        subject_id=candidate.id,
                        fields=fields,
                        purpose="import",
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                prev = digest
            heads[candidate.agency_id] = (seq, prev)
        bulk_insert(AuditEvent, events)
        crypto.clear_key_cache()
        t3 = time.perf_counter()
        timings["candidates"] += t1 - t0
        timings["documents"] += t2 - t1
        timings["audit"] += t3 - t2
    for agency_id, (seq, prev) in heads.items():
        AuditChainHead.objects.update_or_create(
            agency_id=agency_id, defaults={"seq": seq, "hash": prev}
        )
    timings["blobs_written"] = blobs_written
    return {name: round(value, 1) for name, value in timings.items()}


def _sweep(now: datetime, **kwargs):
    from fortrolig.privacy.retention import retention_sweep

    started = time.perf_counter()
    report = retention_sweep(now=now, **kwargs)
    return report, time.perf_counter() - started


def _explain_due(now: datetime) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fortrolig.privacy.retention import _candidates_due

    with CaptureQueriesContext(connection) as captured:
        _candidates_due(now)
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def _make_due(count: int) -> None:
    """Move `count` remaining candidates 30 months into the past, as if they had not been
    active since (deadline computed accordingly)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE candidates_candidate SET
                last_activity_at = %s,
                erase_after = %s
            WHERE id IN (SELECT id FROM candidates_candidate ORDER BY id LIMIT %s)
            """,
            [NOW - timedelta(days=900), NOW - timedelta(days=170), count],
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--search", action="store_true", help="build the search index too")
    parser.add_argument("--verify-chain", action="store_true", help="chain_check afterwards")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the erasing sweep (top 25, cumulative)"
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("The retention benchmark needs PostgreSQL: set DATABASE_URL.")
    _recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    # Blobs in a folder of the benchmark's own, emptied first.
    media = ROOT / "var" / "bench" / "retention-media"
    if media.exists():
        shutil.rmtree(media)
    media.mkdir(parents=True)
    with override_settings(MEDIA_ROOT=str(media)):
        _measure(args, media / "vault")


def _measure(args: argparse.Namespace, vault: Path) -> None:
    from django.db import connection

    from fortrolig.audit.models import AuditEvent
    from fortrolig.audit.services import chain_check
    from fortrolig.candidates.models import Candidate
    from fortrolig.conftest import make_agency
    from fortrolig.core.models import DataKey
    from fortrolig.documents.models import Document

    rng = random.Random(SEED)
    agencies = [make_agency(f"sletting{i}", index=i) for i in range(args.agencies)]
    results: dict[str, object] = {
        "database": connection.vendor,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "candidates": args.count,
        "due": args.due,
        "agencies": args.agencies,
        "batch_size": args.batch_size,
        "documents_per_candidate": 2,
        "audit_events_per_candidate": 3,
        "blob_deletion_included": True,
    }
    started = time.perf_counter()
    results["setup_seconds"] = _populate(agencies, args.count, args.due, rng)
    if args.search:
        from fortrolig.search.services import search_index_rebuild

        t0 = time.perf_counter()
        results["search_entries"] = sum(search_index_rebuild(agency=a) for a in agencies)
        results["search_rebuild_seconds"] = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    results["setup_total_seconds"] = round(time.perf_counter() - started, 1)
    results["rows_before"] = {
        "candidates": Candidate.objects.count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }
    earliest = Candidate.objects.order_by("erase_after").values_list("erase_after", flat=True)[0]
    assert earliest is not None

    # 1. Nothing due, at full size.
    report, nothing_due_full = _sweep(earliest - timedelta(seconds=1), batch_size=args.batch_size)
    assert report.erased_total == 0 and not report.failures
    results["nothing_due_full_size_seconds"] = round(nothing_due_full, 3)
    results["explain_due_query"] = _explain_due(NOW)

    # 2. The erasing sweep.
    blobs_before = sum(1 for _ in vault.iterdir())
    # The time spent deleting stored files, part of the sweep's time.
    from fortrolig.privacy import retention

    blob_seconds = [0.0]
    real_blobs_delete = retention._blobs_delete

    def timed_blobs_delete(names: list[str]) -> None:
        t0 = time.perf_counter()
        real_blobs_delete(names)
        blob_seconds[0] += time.perf_counter() - t0

    retention._blobs_delete = timed_blobs_delete
    if args.profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    report, sweep_seconds = _sweep(NOW, batch_size=args.batch_size)
    if args.profile:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        results["profile"] = out.getvalue().splitlines()
    assert not report.failures, report.failures
    retention._blobs_delete = real_blobs_delete
    erased = report.erased_total
    results["erased"] = erased
    results["of_which_blob_deletion_seconds"] = round(blob_seconds[0], 2)
    results["sweep_seconds"] = round(sweep_seconds, 2)
    results["erasures_per_second"] = round(erased / sweep_seconds)
    results["blobs_deleted"] = blobs_before - sum(1 for _ in vault.iterdir())
    results["data_keys_destroyed"] = DataKey.objects.filter(destroyed_at__isnull=False).count()
    results["rows_after"] = {
        "candidates": Candidate.objects.count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "still_due": Candidate.objects.filter(erase_after__lte=NOW).count(),
    }

    # 3. Nothing due again (the same moment: idempotent), and 4. a tenth of the load.
    report, nothing_due_after = _sweep(NOW, batch_size=args.batch_size)
    assert report.erased_total == 0
    results["nothing_due_after_seconds"] = round(nothing_due_after, 3)
    tenth = max(1, args.due // 10)
    _make_due(tenth)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates_candidate")
    report, seconds = _sweep(NOW, batch_size=args.batch_size)
    assert report.erased_total == tenth and not report.failures
    results["tenth_due"] = tenth
    results["tenth_sweep_seconds"] = round(seconds, 2)
    results["tenth_erasures_per_second"] = round(tenth / seconds)
    if args.verify_chain:
        t0 = time.perf_counter()
        results["chains_ok"] = all(chain_check(agency_id=a.id).ok for a in agencies)
        results["chain_check_seconds"] = round(time.perf_counter() - t0, 1)

    results["targets"] = {
        "all_due_under_60_s": sweep_seconds < 60,
        "nothing_due_under_1_s": max(nothing_due_full, nothing_due_after) < 1,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
