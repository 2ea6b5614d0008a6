"""Apply load test: concurrent applications with CVs to one ad, through the HTTP server.

Creates the PostgreSQL database afresh, migrates it, makes one agency with a client, an
assignment, a position, its pipeline stages and a published ad (through the models and
`pipeline_stages_ensure`), and starts gunicorn (`config.wsgi`, --workers processes, on a
free port of 127.0.0.1) with bench/apply_settings.py. Then --count clients, one thread
each, every one a different applicant with a CV of its own (a small valid PDF):

1. GET the apply form (the CSRF cookie and token, and the form's submission key), all at
   once;
2. wait for each other, then POST the multipart form all at once, each on a new
   connection, timing each request from send to response.

It then checks in the database that exactly --count applications, candidates and CV
documents exist, with --count distinct submission keys (the ones the clients sent), that
--count files are stored and --count confirmation emails are queued, and that the
agency's audit chain verifies. Finally it sends --resends of the submissions again,
unchanged and at once (a double click, a resend), and checks that nothing was added.

Only 127.0.0.1 is contacted. Needs nothing beyond the standard library and the project's
own dependencies.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/fortrolig_apply_bench \\
     .venv/bin/python -m bench.apply_load [--count 200] [--workers 4] [--resends 5]
Results are printed and written to bench/results/apply.json.
"""

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.apply_settings"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fortrolig_apply_bench"
HOST = "127.0.0.1"
TIMEOUT_SECONDS = 600
KEY_PATTERN = re.compile(r'name="submission_key" value="([^"]+)"')
TOKEN_PATTERN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Per", "Nora", "Jonas", "Sofie", "Emil", "Ida", "Lars"]
LAST_NAMES = ["Testesen", "Prøvedal", "Eksempelsen", "Fiktivberg", "Lastvik", "Benkmo"]


# --- setup ----------------------------------------------------------------------------


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _environment(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}


def _migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=_environment(url),
        check=True,
    )


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def _make_ad() -> tuple[uuid.UUID, uuid.UUID]:
    """An agency with a published ad; returns their IDs."""
    from fortrolig.assignments.models import (
        AdStatus,
        Assignment,
        AssignmentKind,
        JobAd,
        Position,
    )
    from fortrolig.assignments.pipeline import pipeline_stages_ensure
    from fortrolig.clients.models import Client
    from fortrolig.core.models import Agency

    now = datetime.now(UTC)
    agency = Agency.objects.create(
        name="Benk Rekruttering AS",
        slug="benkrekruttering",
        org_number="923609016",
        contact_email="personvern@benk.example.com",
        daily_manager_name="Bente Benkleder",
    )
    client = Client.objects.create(
        agency=agency, name="Lastebil Testkunde AS", org_number="889640782"
    )
    assignment = Assignment.objects.create(
        agency=agency,
        client=client,
        title="Rekruttering av lagermedarbeidere",
        kind=AssignmentKind.RECRUITMENT,
        starts_on=now.date(),
    )
    position = Position.objects.create(
        agency=agency,
        assignment=assignment,
        title="Lagermedarbeider",
        location="Bergen",
        openings=20,
    )
    # The stages exist once an agency has an assignment; made here as the staff pages would.
    pipeline_stages_ensure(agency=agency, now=now)
    ad = JobAd.objects.create(
        agency=agency,
        position=position,
        title="Lagermedarbeider",
        body="Vi søker strukturerte lagermedarbeidere til et fast team.",
        location="Bergen",
        status=AdStatus.PUBLISHED,
        published_at=now - timedelta(minutes=1),
        verification_code=uuid.uuid4().hex[:8].upper(),
    )
    return agency.id, ad.id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(TIMEOUT_SECONDS),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_environment(url),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn did not start")
        try:
            status, _headers, _body = _request("GET", "/", port=port)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    _stop_server(server)
    sys.exit("gunicorn did not answer within 60 seconds")


def _stop_server(server: subprocess.Popen[bytes]) -> int:
    """SIGTERM (gunicorn's graceful shutdown), then SIGKILL if it hangs."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return int(server.returncode)


# --- the clients ----------------------------------------------------------------------


def _request(
    method: str, path: str, *, port: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    # A new connection per request, as separate browsers would open.
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_SECONDS)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _cv(index: int, first: str, last: str) -> bytes:
    from fortrolig.documents.tests.corpus import pdf_bytes

    return pdf_bytes(
        (
            f"{first} {last} (fiktiv søker nr. {index})",
            "Erfaren lagermedarbeider med truckførerbevis og gode referanser.",
        )
    )


@dataclass
class Applicant:
    index: int
    path: str
    email: str
    first_name: str
    last_name: str
    cv: bytes
    get_seconds: float = 0.0
    post_seconds: float = 0.0
    post_status: int = 0
    location: str = ""
    submission_key: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def fetch_form(self, port: int) -> None:
        started = time.perf_counter()
        status, headers, page = _request("GET", self.path, port=port)
        self.get_seconds = time.perf_counter() - started
        text = page.decode()
        key, token = KEY_PATTERN.search(text), TOKEN_PATTERN.search(text)
        if status != 200 or key is None or token is None:
            raise RuntimeError(f"form: HTTP {status}")
        cookie = SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            cookie.load(value)
        self.submission_key = key.group(1)
        self.body, content_type = _multipart(
            {
                "csrfmiddlewaretoken": token.group(1),
                "first_name": self.first_name,
                "last_name": self.last_name,
                "email": self.email,
                "phone": "",
                "cover_letter": "Jeg søker på stillingen som lagermedarbeider.",
                "sharing_acknowledged": "on",
                "website": "",
                "submission_key": self.submission_key,
            },
            {"cv": (f"CV {self.first_name} {self.last_name}.pdf", self.cv)},
        )
        self.headers = {
            "Content-Type": content_type,
            "Cookie": f"csrftoken={cookie['csrftoken'].value}",
        }

    def submit(self, port: int) -> tuple[int, str, float]:
        started = time.perf_counter()
        status, headers, _page = _request(
            "POST", self.path, port=port, body=self.body, headers=self.headers
        )
        return status, headers.get("Location", ""), time.perf_counter() - started


def _in_threads(work: Any, items: list[Applicant]) -> tuple[float, list[str]]:
    """Run `work(item, barrier)` for every item in a thread of its own; returns the wall
    time from the moment all threads are released, and the errors."""
    barrier = threading.Barrier(len(items) + 1)
    errors: list[str] = []

    def run(item: Applicant) -> None:
        try:
            work(item, barrier)
        except Exception as exc:  # reported, and counted as an error
            item.error = f"{type(exc).__name__}: {exc}"
            errors.append(item.error)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- checks in the database -----------------------------------------------------------


def _stored(agency_id: uuid.UUID) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections
    from django.db.models import Count

    from fortrolig.assignments.models import Application
    from fortrolig.audit.services import chain_check
    from fortrolig.candidates.models import Candidate
    from fortrolig.documents.models import Document, DocumentKind
    from fortrolig.messaging.models import OutboundEmail

    connections.close_all()
    applications = Application.objects.filter(agency_id=agency_id)
    keys = list(applications.values_list("submission_key", flat=True))
    media = Path(settings.MEDIA_ROOT)
    return {
        "applications": applications.count(),
        "candidates": Candidate.objects.filter(agency_id=agency_id).count(),
        "cv_documents": Document.objects.filter(agency_id=agency_id, kind=DocumentKind.CV).count(),
        "distinct_submission_keys": len(set(keys)),
        "submission_keys": sorted(keys),
        "stored_files": sum(1 for path in media.rglob("*") if path.is_file()),
        "queued_emails": OutboundEmail.objects.filter(agency_id=agency_id).count(),
        "applications_per_candidate_max": max(
            Candidate.objects.filter(agency_id=agency_id)
            .annotate(n=Count("applications"))
            .values_list("n", flat=True),
            default=0,
        ),
        "audit_chain_ok": chain_check(agency_id=agency_id).ok,
    }


def _postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


# --- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200, help="applications, all at once")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers"
    )
    parser.add_argument("--resends", type=int, default=5, help="submissions sent again")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: it is dropped and created afresh.")

    _recreate_database(url)
    _migrate(url)
    _django(url)
    from django.conf import settings
    from django.db import connections

    media = Path(settings.MEDIA_ROOT)
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir(parents=True)
    agency_id, ad_id = _make_ad()
    postgres_version = _postgres_version()
    connections.close_all()

    path = f"/jobs/{ad_id}/apply/"
    applicants = []
    for index in range(args.count):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[index % len(LAST_NAMES)]
        applicants.append(
            Applicant(
                index=index,
                path=path,
                email=f"soker{index:04d}@example.com",
                first_name=first,
                last_name=last,
                cv=_cv(index, first, last),
            )
        )

    load_before = os.getloadavg()
    cpu_before = _children_cpu_seconds()
    port = _free_port()
    server = _start_server(url, port, args.workers)
    try:

        def fetch(item: Applicant, barrier: threading.Barrier) -> None:
            barrier.wait()
            item.fetch_form(port)

        form_seconds, form_errors = _in_threads(fetch, applicants)
        ready = [item for item in applicants if not item.error]

        def send(item: Applicant, barrier: threading.Barrier) -> None:
            barrier.wait()
            item.post_status, item.location, item.post_seconds = item.submit(port)

        post_seconds, post_errors = _in_threads(send, ready)
        after_load = _stored(agency_id)

        resent = ready[: args.resends]
        resend_answers: list[tuple[int, str]] = []

        def resend(item: Applicant, barrier: threading.Barrier) -> None:
            barrier.wait()
            status, location, _seconds = item.submit(port)
            resend_answers.append((status, location))

        _resend_seconds, resend_errors = _in_threads(resend, resent) if resent else (0.0, [])
        after_resend = _stored(agency_id)
    finally:
        server_exit = _stop_server(server)
    # Counted once gunicorn has exited: its workers and their upload-check subprocesses
    # are then all reaped, so their CPU time is in this process's children's usage.
    server_cpu = _children_cpu_seconds() - cpu_before

    receipt = f"/jobs/{ad_id}/apply/received/"
    landed = [item for item in ready if item.post_status == 302 and item.location == receipt]
    statuses: dict[str, int] = {}
    for item in ready:
        statuses[str(item.post_status)] = statuses.get(str(item.post_status), 0) + 1
    post_latencies = [item.post_seconds for item in landed]
    get_latencies = [item.get_seconds for item in applicants if not item.error]
    sent_keys = sorted(item.submission_key for item in ready)
    expected = args.count
    checks = {
        "every_post_answered_with_the_receipt": len(landed) == expected,
        "applications_exactly_once": after_load["applications"] == expected,
        "candidates_exactly_once": after_load["candidates"] == expected,
        "cv_documents_exactly_once": after_load["cv_documents"] == expected,
        "distinct_submission_keys": after_load["distinct_submission_keys"] == expected,
        "stored_keys_are_the_sent_keys": after_load["submission_keys"] == sent_keys,
        "stored_files": after_load["stored_files"] == expected,
        "confirmation_emails_queued": after_load["queued_emails"] == expected,
        "audit_chain_ok": after_load["audit_chain_ok"],
        "resends_answered_with_the_receipt": all(
            answer == (302, receipt) for answer in resend_answers
        )
        and len(resend_answers) == len(resent),
        "resends_added_nothing": after_resend == after_load,
    }
    after_load.pop("submission_keys")
    after_resend.pop("submission_keys")
    results: dict[str, Any] = {
        "applications": expected,
        "database": f"postgresql {postgres_version}",
        "server": f"gunicorn, {args.workers} sync workers, settings {SETTINGS}",
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        # Other work on the machine shares its CPUs: quote the figures with these.
        "load_average_1_5_15_min_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_min_after": [round(x, 2) for x in os.getloadavg()],
        "throughput_applications_per_second": round(len(landed) / post_seconds, 2),
        "post_wall_seconds": round(post_seconds, 2),
        "post_latency_ms": {
            "p50": _ms(_percentile(post_latencies, 0.50)),
            "p95": _ms(_percentile(post_latencies, 0.95)),
            "max": _ms(max(post_latencies, default=0.0)),
        },
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_ms_per_application": round(server_cpu * 1000 / max(1, len(landed)), 1),
        "form_get_wall_seconds": round(form_seconds, 2),
        "form_get_latency_ms": {
            "p50": _ms(_percentile(get_latencies, 0.50)),
            "p95": _ms(_percentile(get_latencies, 0.95)),
            "max": _ms(max(get_latencies, default=0.0)),
        },
        "errors": {
            "form_fetch": len(form_errors),
            "post_exceptions": len(post_errors),
            "post_not_receipt": len(ready) - len(landed),
            "post_statuses": statuses,
            "resend": len(resend_errors),
            "first_messages": (form_errors + post_errors + resend_errors)[:5],
        },
        "stored_after_load": after_load,
        "resends": len(resent),
        "stored_after_resends": after_resend,
        "checks": checks,
        "all_checks_passed": all(checks.values()),
        "server_exit_code": server_exit,
        "note": "All POSTs are released at once; latency is per POST, from send to "
        "response, on a new connection, and includes the time a request waits for a free "
        "worker. Throughput is the applications landed divided by the wall time from the "
        "release to the last response. Server CPU is the user and system time of gunicorn "
        "and its upload-check subprocesses over the whole run (start-up, the form GETs, "
        "the POSTs and the resends), which depends little on what else the machine runs. "
        "Text extraction, search refresh and sending the confirmation are queued for a "
        "Celery worker, as in production, and not timed.",
    }
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "apply.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not results["all_checks_passed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
