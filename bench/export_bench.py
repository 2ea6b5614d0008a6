"""Access export benchmark (issue 6 part 2, P-20).

On PostgreSQL, for databases of each --sizes candidates (default 10,000 and 100,000; each
with two documents and three audit events, as in `retention_bench`), one subject with 20
documents (small real encrypted blobs) and 2,000 audit events on the candidate and those
documents. It times `subject_export` JSON-only (the JSON and the zip of export.json and the
documents) and JSON+PDF, the median of --repeat runs after one warm-up, at each size, and
EXPLAIN ANALYZE of the processing-history query at each size.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_export_bench \\
     .venv/bin/python -m bench.export_bench [--sizes 10000 100000] [--repeat 5] [--spread]
The database is dropped and created afresh for each size. Results are printed and written
to bench/results/export.json. Targets: JSON under 1 s, with the PDF under 3 s, flat from
10,000 to 100,000 candidates.
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fortrolig_export_bench"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "export.json"
SEED = 20260320
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
DOCUMENTS = 20
EVENTS = 2000


def _subject(agency, *, spread: bool = False) -> uuid.UUID:
    """The subject: a candidate with 20 documents with real blobs and 2,000 events, all on
    one day (the PDF groups repeats of a day into one line each), or with `spread` each on
    a day of its own: the worst case for the PDF, 2,000 lines."""
    from django.db import transaction

    from fortrolig.audit.services import Actor, PendingEvent, record_many
    from fortrolig.candidates.services import CandidateInput, candidate_create
    from fortrolig.core.vault import vault_store
    from fortrolig.documents.models import Document, ExtractionStatus

    staff = Actor(type="staff", id=uuid.uuid4())  # type: ignore[arg-type]
    candidate = candidate_create(
        agency=agency,
        actor=staff,
        data=CandidateInput(
            first_name="Kari",
            last_name="Målesen",
            email="kari.malesen@example.com",
            phone="912 34 567",
            city="Bergen",
            skills=("Python", "Django"),
            summary="Made-up candidate for the export benchmark.",
        ),
        now=NOW - timedelta(days=30),
    )
    documents = []
    for n in range(DOCUMENTS):
        content = (f"%PDF-1.4 made-up document {n}\n" + "x" * 20_000).encode()
        documents.append(
            Document.objects.create(
                agency=agency,
                candidate=candidate,
                data_key_id=candidate.data_key_id,
                kind="cv" if n % 2 == 0 else "certificate",
                filename=f"dokument-{n}.pdf",
                content_type="application/pdf",
                size=len(content),
                blob_name=vault_store(data_key_id=candidate.data_key_id, content=content),
                content_hash=uuid.uuid4().hex,
                extraction_status=ExtractionStatus.DONE,
                extracted_text=f"made-up text {n}",
            )
        )
    actions = [
        ("candidate.viewed", candidate, ()),
        ("candidate.updated", candidate, ("phone", "city")),
        ("candidate.document.viewed", None, ("filename", "content")),
    ]
    pending = []
    for i in range(EVENTS):
        action, subject, fields = actions[i % len(actions)]
        pending.append(
            PendingEvent(
                action=action,
                subject=subject or documents[i % DOCUMENTS],
                fields=tuple(fields),
                purpose="",
            )
        )
    with transaction.atomic():
        if spread:
            for i, event in enumerate(pending):
                moment = NOW - timedelta(days=EVENTS - i)
                record_many(agency=agency, actor=staff, events=[event], now=moment)
        else:
            record_many(agency=agency, actor=staff, events=pending, now=NOW - timedelta(days=1))
    return candidate.id


def _time(fn, repeat: int) -> tuple[float, list[float]]:
    fn()  # warm-up: templates, fonts, the connection
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), runs


def _explain_history(agency, subject_id: uuid.UUID) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fortrolig.privacy.access_export import _collect, _history

    collected = _collect(agency, "candidate", subject_id)
    with CaptureQueriesContext(connection) as captured:
        _history(agency, collected.ids_by_type)
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def _measure_size(count: int, repeat: int, spread: bool) -> dict[str, object]:
    from django.db import connection

    from bench.retention_bench import _populate
    from fortrolig.audit.models import AuditEvent
    from fortrolig.audit.services import Actor
    from fortrolig.candidates.models import Candidate
    from fortrolig.conftest import make_agency
    from fortrolig.privacy.access_export import _collect, _history, _history_text, subject_export
    from fortrolig.privacy.register import processing_activities_ensure_defaults

    rng = random.Random(SEED)
    agency = make_agency("innsyn")
    t0 = time.perf_counter()
    # Before anything else writes to the audit chain: _populate writes it from the start.
    _populate([agency], count, 0, rng)
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    subject_id = _subject(agency, spread=spread)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    setup = time.perf_counter() - t0
    actor = Actor.system()

    def export(pdf: bool):
        return subject_export(
            agency=agency,
            actor=actor,
            subject_type="candidate",
            subject_id=subject_id,
            language="nb",
            now=NOW,
            include_pdf=pdf,
        )

    sample = export(True)
    doc = json.loads(sample.json_bytes)
    json_median, json_runs = _time(lambda: export(False), repeat)
    pdf_median, pdf_runs = _time(lambda: export(True), repeat)
    return {
        "candidates": Candidate.objects.count(),
        "audit_events_in_database": AuditEvent.objects.count(),
        "setup_seconds": round(setup, 1),
        "subject_documents": sample.file_count,
        "subject_history_events": len(doc["processing_history"]),
        "pdf_history_lines": len(
            _history_text(
                _history(agency, _collect(agency, "candidate", subject_id).ids_by_type)
            ).splitlines()
        ),
        "json_bytes": len(sample.json_bytes),
        "zip_bytes": len(sample.zip_bytes),
        "pdf_bytes": len(sample.pdf_bytes or b""),
        "json_median_seconds": round(json_median, 3),
        "json_runs": [round(r, 3) for r in json_runs],
        "json_and_pdf_median_seconds": round(pdf_median, 3),
        "json_and_pdf_runs": [round(r, 3) for r in pdf_runs],
        "explain_history_query": _explain_history(agency, subject_id),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--spread",
        action="store_true",
        help="put each history event on a day of its own (the PDF's worst case)",
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("The export benchmark needs PostgreSQL: set DATABASE_URL.")

    import django

    from bench.retention_bench import _recreate_database

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    results: dict[str, object] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "repeat": args.repeat,
        "history_spread_over_days": args.spread,
        "targets": {"json_seconds": 1.0, "json_and_pdf_seconds": 3.0},
        "sizes": {},
    }
    media = ROOT / "var" / "bench" / "export-media"
    for count in args.sizes:
        connection.close()
        _recreate_database(url)
        call_command("migrate", verbosity=0)
        if media.exists():
            shutil.rmtree(media)
        media.mkdir(parents=True)
        with override_settings(MEDIA_ROOT=str(media)):
            figures = _measure_size(count, args.repeat, args.spread)
        results["sizes"][str(count)] = figures  # type: ignore[index]
        print(
            f"{count:>7} candidates: JSON {figures['json_median_seconds']} s, "
            f"JSON+PDF {figures['json_and_pdf_median_seconds']} s "
            f"(history {figures['subject_history_events']} events in "
            f"{figures['pdf_history_lines']} PDF lines, "
            f"{figures['subject_documents']} documents)",
            flush=True,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    target = RESULTS.with_name("export-spread.json") if args.spread else RESULTS
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"Written to {target}")


if __name__ == "__main__":
    main()
