"""Erasure on request benchmark (issue 6, P-22).

On PostgreSQL, one agency's database is filled with --small (default 10,000) candidates
(two documents each and an audit history, as `retention_bench` writes them), then grown to
--large (default 100,000). At each size it erases --runs (default 5) subjects that each
have 20 documents with real encrypted blobs, one `subject_erase` each, and reports the
median, min and max. The blobs are deleted after the commit; that time is included.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_erasure_bench \\
     .venv/bin/python -m bench.erasure_bench [--small 10000] [--large 100000] [--runs 5]
The database is dropped and created afresh. Results are printed and written to
bench/results/erasure.json. Target: under 200 ms, flat as the database grows.
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fortrolig_erasure_bench"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "erasure.json"
SEED = 20260322
NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)
DOCUMENTS = 20


def _subject(agency, index: int):
    """A candidate with DOCUMENTS documents (real encrypted blobs), a reference and a
    search entry."""
    from fortrolig.audit.services import Actor
    from fortrolig.candidates.models import Reference
    from fortrolig.candidates.services import candidate_create
    from fortrolig.candidates.validation import CandidateInput
    from fortrolig.core.vault import vault_store
    from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
    from fortrolig.search.services import search_index_refresh

    candidate = candidate_create(
        agency=agency,
        actor=Actor.system(),
        data=CandidateInput(
            first_name="Kari",
            last_name=f"Slettesen{index}",
            email=f"kari.slettesen{index}@example.com",
            city="Bergen",
        ),
        now=NOW,
        allow_duplicate=True,
    )
    for number in range(DOCUMENTS):
        content = f"%PDF-1.4 made-up CV {index}-{number} ".encode() * 200
        blob = vault_store(data_key_id=candidate.data_key_id, content=content)
        Document.objects.create(
            agency=agency,
            candidate=candidate,
            data_key_id=candidate.data_key_id,
            kind=DocumentKind.CV,
            filename=f"cv-{number}.pdf",
            content_type="application/pdf",
            size=len(content),
            blob_name=blob,
            content_hash=f"{index:08d}{number:056d}",
            extraction_status=ExtractionStatus.DONE,
            extracted_text=f"Erfaren lagermedarbeider {number}",
        )
    Reference.objects.create(agency=agency, candidate=candidate, name="Ola Referanse")
    search_index_refresh(candidate_id=candidate.id)
    return candidate


def _erase_runs(agency, runs: int, offset: int) -> list[float]:
    from django.db import transaction

    from fortrolig.audit.services import Actor
    from fortrolig.privacy.erasure import subject_erase

    timings = []
    for run in range(runs):
        candidate = _subject(agency, offset + run)
        started = time.perf_counter()
        with transaction.atomic():
            # The blob deletes run on commit, inside the measured time.
            receipt = subject_erase(
                agency=agency,
                actor=Actor.system(),
                subject_type="candidate",
                subject_id=candidate.id,
                request_id=None,
                now=NOW,
            )
        timings.append((time.perf_counter() - started) * 1000)
        assert receipt.erased["documents.Document"] == DOCUMENTS
    return timings


def _summary(timings: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(timings), 1),
        "min_ms": round(min(timings), 1),
        "max_ms": round(max(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("The erasure benchmark needs PostgreSQL: set DATABASE_URL.")

    from bench.retention_bench import _populate, _recreate_database

    _recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from fortrolig.candidates.models import Candidate
    from fortrolig.conftest import make_agency

    call_command("migrate", verbosity=0)
    media = ROOT / "var" / "bench" / "erasure-media"
    if media.exists():
        shutil.rmtree(media)
    media.mkdir(parents=True)
    rng = random.Random(SEED)
    results: dict[str, object] = {
        "database": connection.vendor,
        "python": platform.python_version(),
        "documents_per_subject": DOCUMENTS,
        "runs": args.runs,
    }
    with override_settings(MEDIA_ROOT=str(media)):
        agency = make_agency("sletting0", index=0)
        _populate([agency], args.small, 0, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        small = _erase_runs(agency, args.runs, 0)
        results[f"{Candidate.objects.count()}"] = _summary(small)
        # Grow the same agency's tables with a second agency's rows and this one's: new
        # agencies keep their audit chains valid (each `_populate` starts a chain).
        grow = make_agency("sletting1", index=1)
        _populate([grow], args.large - args.small, 0, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        large = _erase_runs(agency, args.runs, 1000)
        results[f"{Candidate.objects.count()}"] = _summary(large)
    print(json.dumps(results, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
