"""Candidate search benchmark (issue: candidate search).

On PostgreSQL with --count candidates (default 100,000), most of them with a CV whose
extracted text is indexed, it measures through a real HTTP server on 127.0.0.1
(`manage.py runserver --noreload`):
- p50/p95 of `GET /api/v1/candidates?q=...` (bearer token) for a rare term, a common term
  and a misspelt name, and for the list without search text;
- p50/p95 of the staff list page `/staff/candidates/` (logged-in session, two factors),
  without and with search text;
- the raw SQL time of the very statements the selector ran for the same query, executed
  with psycopg on its own connection, and the ratio endpoint / raw SQL;
- EXPLAIN ANALYZE of each search statement (which indexes it uses).

Data: candidates made here through the ORM with Faker (no_NO and en_US), or with --import
from `bench.generate_candidates` + `manage.py import_candidates` (much slower to set up);
either way most get a CV whose extracted text is made here. Then `search_index_rebuild`,
timed.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_search_bench \
     .venv/bin/python -m bench.search_bench [--count 100000] [--requests 200] [--reuse]
     [--import]
The database is dropped and created afresh unless --reuse finds the data of an earlier run
in it (whatever its --count). Results are printed and written to bench/results/search.json.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fortrolig_search_bench"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "search.json"
AGENCY_SLUG = "sokbench"
SEED = 20260301

# Each rare term is put in the CVs of a handful of candidates.
RARE_TERMS = [
    "hovslager",
    "glassblåser",
    "orgelbygger",
    "seilmaker",
    "bokbinder",
    "fyrvokter",
    "reindriftsutøver",
    "taubanemekaniker",
    "kalligraf",
    "gullsmed",
]
RARE_PER_TERM = 8
# Each medium term is put in 1.5 % of the CVs (about 1,200 at 100,000 candidates): below the
# cap (RANK_CAP), so every match is counted and ranked, the heaviest uncapped case.
MEDIUM_TERMS = ["anleggsgartner", "hjemmesykepleier", "tollbehandler"]
MEDIUM_SHARE = 0.015
ROLES = [
    ("sykepleier", "sykepleiere"),
    ("utvikler", "utviklere"),
    ("lærer", "lærere"),
    ("elektriker", "elektrikere"),
    ("rørlegger", "rørleggere"),
    ("snekker", "snekkere"),
    ("regnskapsfører", "regnskapsførere"),
    ("prosjektleder", "prosjektledere"),
    ("kokk", "kokker"),
    ("sjåfør", "sjåfører"),
    ("lagermedarbeider", "lagermedarbeidere"),
    ("konsulent", "konsulenter"),
    ("selger", "selgere"),
    ("ingeniør", "ingeniører"),
    ("helsefagarbeider", "helsefagarbeidere"),
    ("truckfører", "truckførere"),
    ("renholder", "renholdere"),
    ("barnehagelærer", "barnehagelærere"),
    ("servitør", "servitører"),
    ("sveiser", "sveisere"),
    ("maskinfører", "maskinførere"),
    ("fysioterapeut", "fysioterapeuter"),
    ("kundebehandler", "kundebehandlere"),
    ("vekter", "vektere"),
]
ENGLISH_ROLES = [
    ("nurse", "nurses"),
    ("developer", "developers"),
    ("teacher", "teachers"),
    ("electrician", "electricians"),
    ("accountant", "accountants"),
    ("project manager", "project managers"),
    ("warehouse worker", "warehouse workers"),
    ("engineer", "engineers"),
]
CITIES = [
    "Oslo",
    "Bergen",
    "Trondheim",
    "Stavanger",
    "Kristiansand",
    "Drammen",
    "Fredrikstad",
    "Tromsø",
    "Sandnes",
    "Ålesund",
    "Bodø",
    "Hamar",
    "Skien",
    "Gjøvik",
    "Molde",
]
SKILLS = [
    "Python",
    "Java",
    "SQL",
    "Excel",
    "SAP",
    "AutoCAD",
    "C#",
    "JavaScript",
    "React",
    "Kubernetes",
    "Regnskap",
    "Lønn",
    "Kundeservice",
    "Salg",
    "Ledelse",
    "HMS",
    "Varme arbeider",
    "Fagbrev",
    "Truckførerbevis",
    "Førerkort klasse B",
    "Førerkort klasse C",
    "Medisinhåndtering",
    "Journalføring",
    "Sveising",
    "Stillasmontering",
]
NB_SENTENCES = [
    "Jeg har {years} års erfaring som {role} fra {company} i {city}.",
    "I {company} hadde jeg ansvar for {skill} og opplæring av nye {roles}.",
    "Jobbet tett med andre {roles} i et tverrfaglig team.",
    "Har fullført kurs i {skill} og {skill2}.",
    "Søker ny stilling som {role}, gjerne i {city} eller omegn.",
    "Erfaring med turnus, kvelds- og helgevakter.",
    "Trives med kundekontakt, struktur og god planlegging.",
    "Utdannet {role} med fagbrev, og har arbeidet med {skill} i flere år.",
    "Referanse: {person}, avdelingsleder i {company}.",
    "Var tillitsvalgt og verneombud i to år.",
]
EN_SENTENCES = [
    "I have {years} years of experience as a {role} at {company} in {city}.",
    "At {company} I was responsible for {skill} and for training new {roles}.",
    "Worked closely with other {roles} in a cross-functional team.",
    "Completed courses in {skill} and {skill2}.",
    "Looking for a new position as a {role}.",
    "Reference: {person}, department manager at {company}.",
]


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _database_exists(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _summary(millis: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_percentile(millis, 50), 2),
        "p95_ms": round(_percentile(millis, 95), 2),
        "mean_ms": round(statistics.fmean(millis), 2),
        "n": len(millis),
    }


# Data ---------------------------------------------------------------------------------------


def _cv_text(rng: random.Random, fake, role: tuple[str, str], english: bool) -> str:
    sentences = EN_SENTENCES if english else NB_SENTENCES
    roles = ENGLISH_ROLES if english else ROLES
    parts = []
    for _ in range(rng.randint(12, 28)):
        other = rng.choice(roles) if rng.random() < 0.3 else role
        parts.append(
            rng.choice(sentences).format(
                years=rng.randint(1, 25),
                role=other[0],
                roles=other[1],
                company=fake.company(),
                city=fake.city(),
                skill=rng.choice(SKILLS),
                skill2=rng.choice(SKILLS),
                person=fake.name(),
            )
        )
    return " ".join(parts)


def _orm_candidates(agency, count: int, rng: random.Random) -> None:
    """Candidates straight through the ORM (no audit events): the fallback when
    bench.generate_candidates is not there."""
    from faker import Faker

    from fortrolig.candidates.models import Availability, Candidate, Source
    from fortrolig.core.crypto import data_keys_create

    fake_nb, fake_en = Faker("no_NO"), Faker("en_US")
    fake_nb.seed_instance(SEED)
    fake_en.seed_instance(SEED)
    now = datetime.now(UTC)
    batch = 2000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        keys = data_keys_create(agency=agency, count=size)
        rows = []
        for key in keys:
            fake = fake_en if rng.random() < 0.1 else fake_nb
            role = rng.choice(ROLES)
            source = rng.choice([Source.APPLICATION, Source.CONSULTANT, Source.IMPORT])
            rows.append(
                Candidate(
                    agency=agency,
                    data_key=key,
                    first_name=fake.first_name(),
                    last_name=fake.last_name(),
                    email=f"kandidat{uuid.uuid4().hex[:12]}@example.com",
                    city=rng.choice(CITIES),
                    skills=rng.sample(SKILLS, rng.randint(0, 5)),
                    desired_roles=[role[0].capitalize()],
                    languages=["Norsk"] + (["Engelsk"] if rng.random() < 0.6 else []),
                    availability=rng.choice(Availability.values),
                    summary=f"{role[0].capitalize()} med erfaring fra {fake.company()}.",
                    source=source,
                    last_activity_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 700)),
                )
            )
        Candidate.objects.bulk_create(rows)


def _generated_candidates(agency, count: int) -> str:
    """Through the candidates engineer's generator and `import_candidates`. The import
    queues a refresh per candidate; the benchmark rebuilds the index in bulk afterwards
    instead (as after any large import), so those refreshes are skipped here."""
    from django.core.management import call_command

    out = ROOT / "var" / "bench" / f"candidates-{count}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed command
        [
            sys.executable,
            "-m",
            "bench.generate_candidates",
            "--count",
            str(count),
            "--out",
            str(out),
            "--seed",
            str(SEED),
        ],
        check=True,
        cwd=ROOT,
    )
    with mock.patch("fortrolig.search.services.search_index_schedule"):
        call_command("import_candidates", str(out), agency=agency.slug, verbosity=0)
    return "generate_candidates + import_candidates"


def _documents(agency, share: float, rng: random.Random) -> int:
    """A CV with extracted text for `share` of the candidates, and the rare terms in a few.
    The rows carry no stored file: only the extracted text matters to search."""
    import hashlib

    from faker import Faker

    from fortrolig.candidates.models import Candidate
    from fortrolig.core.crypto import clear_key_cache
    from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus

    fake_nb, fake_en = Faker("no_NO"), Faker("en_US")
    fake_nb.seed_instance(SEED + 1)
    fake_en.seed_instance(SEED + 1)
    candidates = list(
        Candidate.objects.filter(agency=agency).order_by("id").values_list("id", "data_key_id")
    )
    chosen = [c for c in candidates if rng.random() < share]
    rare_holders = {c[0]: term for term in RARE_TERMS for c in rng.sample(chosen, RARE_PER_TERM)}
    made = 0
    batch: list[Document] = []
    for candidate_id, data_key_id in chosen:
        english = rng.random() < 0.15
        text = _cv_text(
            rng,
            fake_en if english else fake_nb,
            rng.choice(ENGLISH_ROLES if english else ROLES),
            english,
        )
        if candidate_id in rare_holders:
            text += f" Har også erfaring som {rare_holders[candidate_id]}."
        for term in MEDIUM_TERMS:
            if rng.random() < MEDIUM_SHARE:
                text += f" Har tidligere jobbet som {term}."
        batch.append(
            Document(
                agency=agency,
                candidate_id=candidate_id,
                data_key_id=data_key_id,
                kind=DocumentKind.CV,
                filename="cv.pdf",
                content_type="application/pdf",
                size=len(text) * 3,
                blob_name=f"bench/{uuid.uuid4().hex}",
                content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                extraction_status=ExtractionStatus.DONE,
                extracted_text=text,
            )
        )
        if len(batch) == 2000:
            Document.objects.bulk_create(batch)
            made += len(batch)
            batch = []
            clear_key_cache()
    Document.objects.bulk_create(batch)
    return made + len(batch)


# Measuring ----------------------------------------------------------------------------------


@contextmanager
def _server(port: int, env: dict[str, str]):
    # The server's log goes to a file: a pipe nobody reads would fill up and stall it.
    log_path = ROOT / "var" / "bench" / "search-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed command
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                # One thread: Django's connections are per thread, so a thread per request
                # would open a database connection per request whatever CONN_MAX_AGE says.
                "--nothreading",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/api/v1/openapi.json")
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            "the server did not start: " + log_path.read_text()[-2000:]
                        ) from None
                    time.sleep(0.3)
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return elapsed, response.status, body


def _measure_http(port, paths: list[str], headers, requests: int) -> tuple[list[float], bytes]:
    for path in paths[:3]:  # warm-up
        _get(port, path, headers)
    times = []
    last = b""
    for number in range(requests):
        elapsed, status, last = _get(port, paths[number % len(paths)], headers)
        if status != 200:
            raise RuntimeError(f"{paths[number % len(paths)]} answered {status}: {last[:300]!r}")
        times.append(elapsed)
    return times, last


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _captured_sql(agency, text: str) -> list[str]:
    """The statements `candidate_search` runs for `text`, exactly as sent (without the
    transaction control, which _measure_raw does itself)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fortrolig.search.selectors import CandidateSearchQuery, candidate_search

    with CaptureQueriesContext(connection) as captured:
        candidate_search(agency=agency, query=CandidateSearchQuery(text=text))
    statements = [q["sql"].strip() for q in captured.captured_queries]
    return [sql for sql in statements if not sql.upper().startswith(_TRANSACTION_CONTROL)]


def _run(conn, statements: list[str]) -> None:
    # In one transaction, as the selector runs them: its SET LOCALs apply to its query.
    with conn.transaction():
        for sql in statements:
            cursor = conn.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def _measure_raw(url: str, statements_per_query: list[list[str]], requests: int) -> list[float]:
    import psycopg

    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        for statements in statements_per_query[:3]:
            _run(conn, statements)
        for number in range(requests):
            statements = statements_per_query[number % len(statements_per_query)]
            started = time.perf_counter()
            _run(conn, statements)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _explain(url: str, statements: list[str]) -> list[str]:
    """EXPLAIN ANALYZE of the main statement (the first that reads), under the same
    settings as the selector."""
    import psycopg

    plan: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for sql in statements:
            if sql.upper().startswith("SET"):
                conn.execute(sql)
            elif not plan:
                rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
                plan = [row[0] for row in rows]
    return plan


def _first_page_names(agency, text: str) -> list[str]:
    from fortrolig.search.selectors import CandidateSearchQuery, candidate_search

    page = candidate_search(agency=agency, query=CandidateSearchQuery(text=text))
    return [row.full_name for row in page.rows]


def _matches(agency, text: str) -> tuple[int, bool]:
    from fortrolig.search.selectors import CandidateSearchQuery, candidate_search

    page = candidate_search(agency=agency, query=CandidateSearchQuery(text=text))
    return page.total, page.total_capped


def _misspell(name: str, rng: random.Random) -> str:
    """Drop or double one letter in each part of the name."""
    parts = []
    for part in name.split():
        if len(part) >= 5:
            at = rng.randrange(1, len(part) - 1)
            part = (
                part[:at] + part[at + 1 :]
                if rng.random() < 0.5
                else part[:at] + part[at] + part[at:]
            )
        parts.append(part)
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--documents", type=float, default=0.8, help="share with a CV")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's data")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="the server's CONN_MAX_AGE, through DATABASE_URL (0: a new database connection "
        "per request, Django's default)",
    )
    parser.add_argument(
        "--import",
        dest="via_import",
        action="store_true",
        help="candidates from bench.generate_candidates + import_candidates (slower) "
        "instead of straight through the ORM",
    )
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("The search benchmark needs PostgreSQL: set DATABASE_URL.")
    reuse = args.reuse and _database_exists(url)
    if not reuse:
        _recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from fortrolig.accounts.models import Role
    from fortrolig.api.services import api_token_create
    from fortrolig.candidates.models import Candidate
    from fortrolig.conftest import login_verified, make_agency, make_staff
    from fortrolig.core import clock
    from fortrolig.core.models import Agency
    from fortrolig.search.models import CandidateSearchEntry
    from fortrolig.search.services import search_index_rebuild

    rng = random.Random(SEED)
    results: dict[str, object] = {
        "database": connection.vendor,
    }
    call_command("migrate", verbosity=0)
    agency = Agency.objects.filter(slug=AGENCY_SLUG).first()
    if agency is None or not Candidate.objects.filter(agency=agency).exists():
        agency = agency or make_agency(AGENCY_SLUG)
        started = time.perf_counter()
        generator = ROOT / "bench" / "generate_candidates.py"
        if args.via_import and generator.exists():
            results["data"] = _generated_candidates(agency, args.count)
        else:
            _orm_candidates(agency, args.count, rng)
            results["data"] = "ORM with Faker (bench.generate_candidates not used)"
        results["candidates_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        results["documents"] = _documents(agency, args.documents, rng)
        results["documents_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        results["indexed"] = search_index_rebuild(agency=agency)
        results["rebuild_seconds"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        results["data"] = "reused from an earlier run"
        results["indexed"] = CandidateSearchEntry.objects.filter(agency=agency).count()
    results["candidates"] = Candidate.objects.filter(agency=agency).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('search_candidatesearchentry'))"
        )
        results["index_table_size"] = cursor.fetchone()[0]

    # The queries: rare terms; common terms (each in more candidates than are ranked:
    # RANK_CAP); medium terms, each in about 1,200 CVs, all ranked; misspelt names of real
    # candidates; the plain list.
    names = rng.sample(
        sorted(
            CandidateSearchEntry.objects.filter(agency=agency).values_list("full_name", flat=True)
        ),
        20,
    )
    misspelt = {_misspell(name, rng): name for name in names}
    scenarios = {
        "rare_term": RARE_TERMS,
        "common_term": ["utvikler", "sykepleier", "prosjektleder"],
        "ranked_term": MEDIUM_TERMS,
        "misspelt_name": list(misspelt),
        "list_no_text": [""],
    }

    token_name = f"bench {uuid.uuid4().hex[:6]}"
    _token, secret = api_token_create(
        agency=agency, name=token_name, created_by=None, now=clock.now()
    )
    client = Client()
    staff = make_staff(agency, email=f"bench-{uuid.uuid4().hex[:8]}@example.com", role=Role.MANAGER)
    login_verified(client, staff)
    session_cookie = client.cookies["sessionid"].value

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # django-environ reads CONN_MAX_AGE from the URL. Without persistent connections every
    # request opens one (about 9 ms here), which would swamp what is measured.
    env["DATABASE_URL"] = f"{url}?conn_max_age={args.conn_max_age}"
    results["server"] = (
        "manage.py runserver --noreload --nothreading, settings config.settings.test, "
        f"CONN_MAX_AGE={args.conn_max_age}"
    )
    measured: dict[str, dict[str, Any]] = {}
    with _server(args.port, env):
        api_headers = {"Authorization": f"Bearer {secret}"}
        for scenario, texts in scenarios.items():
            paths = [
                "/api/v1/candidates?" + urllib.parse.urlencode({"q": text, "page_size": 20})
                for text in texts
            ]
            endpoint, _body = _measure_http(args.port, paths, api_headers, args.requests)
            statements = [_captured_sql(agency, text) for text in texts]
            raw = _measure_raw(url, statements, args.requests)
            found = [_matches(agency, text) for text in texts]
            totals = [total for total, _capped in found]
            entry: dict[str, Any] = {
                "queries": texts if scenario != "misspelt_name" else len(texts),
                "matches_per_query": {
                    "min": min(totals),
                    "median": statistics.median(totals),
                    "max": max(totals),
                    "capped": sum(capped for _total, capped in found),
                },
                "statements": statements[0],
                "endpoint": _summary(endpoint),
                "raw_sql": _summary(raw),
            }
            entry["ratio_p50"] = round(entry["endpoint"]["p50_ms"] / entry["raw_sql"]["p50_ms"], 2)
            entry["ratio_p95"] = round(entry["endpoint"]["p95_ms"] / entry["raw_sql"]["p95_ms"], 2)
            entry["explain"] = _explain(url, statements[0])
            if scenario == "misspelt_name":
                entry["misspelt_found_on_first_page"] = sum(
                    misspelt[text] in _first_page_names(agency, text) for text in texts
                )
            measured[f"api_{scenario}"] = entry
            shown = {k: v for k, v in entry.items() if k not in ("explain", "statements")}
            print(scenario, json.dumps(shown, ensure_ascii=False))

        staff_headers = {"Cookie": f"sessionid={session_cookie}"}
        for scenario, texts in (("list_no_text", [""]), ("common_term", ["utvikler"])):
            paths = [
                "/staff/candidates/" + ("?" + urllib.parse.urlencode({"q": t}) if t else "")
                for t in texts
            ]
            page, _body = _measure_http(args.port, paths, staff_headers, args.requests)
            statements = [_captured_sql(agency, text) for text in texts]
            raw = _measure_raw(url, statements, args.requests)
            entry = {
                "page": paths[0],
                "endpoint": _summary(page),
                "raw_sql": _summary(raw),
            }
            entry["ratio_p50"] = round(entry["endpoint"]["p50_ms"] / entry["raw_sql"]["p50_ms"], 2)
            entry["ratio_p95"] = round(entry["endpoint"]["p95_ms"] / entry["raw_sql"]["p95_ms"], 2)
            measured[f"staff_page_{scenario}"] = entry
            print("staff page", scenario, json.dumps(entry))

    results["measured"] = measured
    search_p95 = [
        measured[f"api_{s}"]["endpoint"]["p95_ms"]
        for s in ("rare_term", "common_term", "ranked_term", "misspelt_name")
    ]
    results["targets"] = {
        "search_p95_below_50ms": all(p < 50 for p in search_p95),
        "endpoint_at_most_2x_raw_sql_p50": all(
            entry["ratio_p50"] <= 2 for entry in measured.values()
        ),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "measured"}, indent=2))
    print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
