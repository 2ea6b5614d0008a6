"""Candidate import benchmark (manage.py import_candidates).

Creates the PostgreSQL database afresh, migrates it, makes one agency, generates a CSV of
--count made-up candidates (bench.generate_candidates), and times the import command on it
as a separate process, wall clock, start to end. Then times a second run of the same file,
in which every row is a duplicate. With --breakdown it then imports the file once more,
into a fresh database and in this process, timing each phase of the import.

The import queues a rebuild of the agency's search index when it ends; a worker runs it
in production. The benchmark uses the test settings with tasks queued rather than run
inline (bench/import_settings.py), so the command's time is the import's, and it times
the search rebuild (`search_index_rebuild`, the search app's) on its own afterwards.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_import_bench \\
     .venv/bin/python -m bench.import_bench [--count 100000] [--breakdown]
Results are printed and written to bench/results/import.json.
"""

import argparse
import csv
import functools
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The test settings, with Celery tasks queued rather than run inline (see import_settings).
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.import_settings"
AGENCY = (
    "from fortrolig.core.models import Agency; Agency.objects.create(name='Bench AS', "
    "slug='benchbyraa', org_number='923609016', contact_email='bench@example.com', "
    "daily_manager_name='Bench Leder')"
)


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def _fresh_database(url: str) -> None:
    _recreate_database(url)
    _manage("migrate", "--noinput", "-v0", "--skip-checks")
    _manage("shell", "-c", AGENCY)


def _timed_command(csv_path: Path, report: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = _manage(
        "import_candidates",
        str(csv_path),
        "--agency",
        "benchbyraa",
        "--report",
        str(report),
        "--skip-checks",
    )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def _breakdown(csv_path: Path) -> dict[str, float]:
    """Import in this process, timing each phase (seconds, summed over the batches)."""
    import django

    django.setup()
    from django.db import connection

    from fortrolig.audit.services import Actor
    from fortrolig.candidates import imports
    from fortrolig.core import clock
    from fortrolig.core.models import Agency
    from fortrolig.search import services as search_services

    spent: dict[str, float] = defaultdict(float)

    def timed(owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(imports, "row_to_input", "read rows (dates, lists)")
    timed(imports, "candidate_check", "check and normalise (phone, email, fnr, hashes)")
    timed(imports, "_load_stored", "duplicate lookup in the database")
    timed(imports, "data_keys_create", "data keys (core.crypto.data_keys_create)")
    timed(imports, "bulk_insert", "candidate rows: encrypt + COPY")
    timed(imports, "record_many", "audit events (audit.record_many)")

    connection.close()
    agency = Agency.objects.get(slug="benchbyraa")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        started = time.perf_counter()
        rows = list(csv.DictReader(handle))
        spent["parse CSV"] = time.perf_counter() - started
    started = time.perf_counter()
    imports.candidates_import(agency=agency, rows=rows, actor=Actor.system(), now=clock.now())
    total = time.perf_counter() - started + spent["parse CSV"]
    accounted = sum(spent.values())
    spent["other (matching, batching, commits)"] = total - accounted
    spent["total import"] = total
    started = time.perf_counter()
    search_services.search_index_rebuild(agency=agency)
    spent["afterwards, in a worker: search index rebuild (search app)"] = (
        time.perf_counter() - started
    )
    return {label: round(seconds, 2) for label, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--breakdown", action="store_true", help="Also time each phase.")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: it is dropped and created afresh.")

    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"candidates-{args.count}-{args.seed}.csv"
    if not csv_path.exists():
        from bench.generate_candidates import generate

        generate(args.count, csv_path, args.seed)

    _fresh_database(url)
    first_seconds, first_summary = _timed_command(csv_path, work / "report-first.csv")
    second_seconds, second_summary = _timed_command(csv_path, work / "report-second.csv")
    results: dict[str, Any] = {
        "rows": args.count,
        "database": "postgresql",
        "machine_cores": os.cpu_count(),
        "first_run_seconds": round(first_seconds, 2),
        "first_run_rows_per_second": round(args.count / first_seconds),
        "first_run_summary": first_summary,
        "second_run_seconds": round(second_seconds, 2),
        "second_run_rows_per_second": round(args.count / second_seconds),
        "second_run_summary": second_summary,
        "note": "Wall time of the whole command as a process (start-up, CSV, checks, "
        "duplicate lookup, data keys, candidate rows, audit events); the search rebuild "
        "it queues runs afterwards in a worker and is timed in the breakdown.",
    }
    if args.breakdown:
        _fresh_database(url)
        results["first_run_breakdown_seconds"] = _breakdown(csv_path)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "import.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
