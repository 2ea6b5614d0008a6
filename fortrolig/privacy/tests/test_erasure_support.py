"""Helpers for the erasure and canary tests: a candidate whose every personal field, document
and file holds a unique marker, and a search for that marker in every table, every stored
file and the search index. Names are made up; addresses are example.com."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection

from fortrolig.assignments.models import Application, ApplicationSource
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.candidates.models import BackgroundCheck, Candidate, CheckKind, Reference
from fortrolig.candidates.services import candidate_create
from fortrolig.candidates.tests.conftest import make_national_id, person
from fortrolig.conftest import make_position
from fortrolig.core.errors import ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_store
from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
from fortrolig.messaging.models import OutboundEmail
from fortrolig.privacy.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    DataSubjectRequest,
    LegalHold,
    PaperDocument,
    PaperKind,
    RequestChannel,
    RequestKind,
    RequestSubjectType,
)
from fortrolig.privacy.tests.test_retention_support import make_policy
from fortrolig.search.services import search_index_refresh

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class Canary:
    """A candidate filled with a marker, and every value derived from it."""

    marker: str
    email: str
    phone_digits: str
    birth_date: date
    candidate: Candidate
    blobs: list[str] = field(default_factory=list)
    request: DataSubjectRequest | None = None

    @property
    def needles(self) -> list[str]:
        return [self.marker, self.email, self.phone_digits, self.birth_date.isoformat()]


def marker_values() -> tuple[str, str, str, date]:
    token = uuid.uuid4()
    # One token without separators: the search index keeps it whole.
    marker = "zq" + token.hex
    number = token.int
    phone_digits = f"4{number % 10**7:07d}"
    birth = date(1931, 1 + number % 12, 1 + number % 28)
    return marker, f"{marker}@example.com", phone_digits, birth


def _create(agency, actor, m, email, phone_digits, birth):
    return candidate_create(
        agency=agency,
        actor=actor,
        data=person(
            first_name=f"{m}first",
            last_name=f"{m}last",
            email=email,
            phone=f"+47{phone_digits}",
            birth_date=birth,
            national_id=make_national_id(birth),
            address=f"{m} gate 1",
            postal_code="5003",
            city=f"{m}city",
            skills=(f"{m}skill",),
            languages=(f"{m}lang",),
            desired_roles=(f"{m}role",),
            summary=f"{m} summary",
            source="campaign",
            source_partner=f"{m}partner",
        ),
        now=NOW,
    )


def make_canary(agency: Agency, actor, *, position=None, documents: int = 1) -> Canary:
    for _attempt in range(20):
        # A derived phone number or birth date is not always valid: draw again.
        marker, email, phone_digits, birth = marker_values()
        m = marker
        try:
            candidate = _create(agency, actor, m, email, phone_digits, birth)
            break
        except ValidationFailed:
            continue
    else:
        raise AssertionError("no valid marker values")
    canary = Canary(m, email, phone_digits, birth, candidate)
    key = candidate.data_key_id
    for index in range(documents):
        content = f"%PDF-1.4 {m} document {index}".encode()
        blob = vault_store(data_key_id=key, content=content)
        canary.blobs.append(blob)
        Document.objects.create(
            agency=agency,
            candidate=candidate,
            data_key_id=key,
            kind=DocumentKind.CV,
            filename=f"{m}-cv-{index}.pdf",
            content_type="application/pdf",
            size=len(content),
            blob_name=blob,
            content_hash=hashlib.sha256(content).hexdigest(),
            extraction_status=ExtractionStatus.DONE,
            extracted_text=f"{m} extracted text {index}",
        )
    Reference.objects.create(
        agency=agency,
        candidate=candidate,
        name=f"{m}referee",
        relation=f"{m}relation",
        organisation=f"{m}org",
        phone=f"+47{phone_digits}",
        email=f"ref.{m}@example.com",
        may_ask_about=f"{m} ask",
    )
    position = position or make_position(agency)
    stage = pipeline_stages_ensure(agency=agency, now=NOW)
    application = Application.objects.create(
        agency=agency,
        candidate=candidate,
        position=position,
        stage=stage,
        source=ApplicationSource.CONSULTANT,
        data_key_id=key,
        cover_letter=f"{m} cover letter",
        stage_changed_at=NOW,
        submission_key=f"{m}"[:64],
    )
    check_content = f"{m} police certificate".encode()
    check_blob = vault_store(data_key_id=key, content=check_content)
    canary.blobs.append(check_blob)
    BackgroundCheck.objects.create(
        agency=agency,
        candidate=candidate,
        application=application,
        data_key_id=key,
        kind=CheckKind.POLICE_CERTIFICATE,
        status="received",
        requested_at=NOW,
        notice_sent_at=NOW,
        received_at=NOW,
        filename=f"{m}-police.pdf",
        content_type="application/pdf",
        size=len(check_content),
        blob_name=check_blob,
        details=f"{m} details",
    )
    Consent.objects.create(
        agency=agency,
        candidate=candidate,
        purpose=ConsentPurpose.JOB_ALERTS,
        scope={"note": m},
        policy_version=make_policy(agency, number=hash(m) % 10**6 + 10),
        channel=ConsentChannel.PORTAL,
        given_at=NOW,
    )
    LegalHold.objects.create(
        agency=agency,
        candidate=candidate,
        reason=f"{m} reason",
        set_at=NOW - timedelta(days=10),
        released_at=NOW - timedelta(days=1),
    )
    # The paper register keeps its entry (P-30), without the link: its fields describe the
    # paper and the cabinet, not the person.
    PaperDocument.objects.create(
        agency=agency,
        candidate=candidate,
        kind=PaperKind.CV,
        received_on=NOW.date(),
        storage_location="Arkivskap 3",
    )
    OutboundEmail.objects.create(
        agency=agency,
        recipient=email,
        from_email="noreply@example.com",
        template="staff.test",
        language="nb",
        subject=f"Hei {m}first",
        body_text=f"Hei {m}first",
        body_html=f"<p>Hei {m}first</p>",
    )
    canary.request = DataSubjectRequest.objects.create(
        agency=agency,
        kind=RequestKind.ERASURE,
        channel=RequestChannel.EMAIL,
        subject_type=RequestSubjectType.CANDIDATE,
        subject_id=candidate.id,
        candidate=candidate,
        received_at=NOW,
        due_on=(NOW + timedelta(days=30)).date(),
        details=f"{m} please erase me",
    )
    search_index_refresh(candidate_id=candidate.id)
    return canary


# --- searching ---------------------------------------------------------------------------


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return [name for (name,) in cursor.fetchall()]
        return list(connection.introspection.table_names(cursor))


def _value_hits(value: object, needles: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bytes | memoryview):
        raw = bytes(value).lower()
        return [n for n in needles if n.lower().encode() in raw]
    text = str(value).lower()
    return [n for n in needles if n.lower() in text]


def database_hits(needles: list[str]) -> dict[str, list[str]]:
    """Each table (all columns, the search index and its FTS tables included) in which one
    of `needles` occurs, case-insensitively."""
    hits: dict[str, list[str]] = {}
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables():
            if connection.vendor == "postgresql":
                for needle in needles:
                    cursor.execute(
                        f"SELECT count(*) FROM {qn(table)} AS t "  # noqa: S608
                        "WHERE strpos(lower(t::text), %s) > 0",
                        [needle.lower()],
                    )
                    if cursor.fetchone()[0]:
                        hits.setdefault(table, []).append(needle)
            else:
                cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608
                for row in cursor.fetchall():
                    for value in row:
                        for needle in _value_hits(value, needles):
                            if needle not in hits.get(table, []):
                                hits.setdefault(table, []).append(needle)
    return hits


def media_hits(needles: list[str]) -> list[str]:
    """Files under MEDIA_ROOT whose raw bytes hold a needle."""
    found = []
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes().lower()
        except OSError:
            continue
        if any(n.lower().encode() in data for n in needles):
            found.append(str(path))
    return found


# --- the raw SQLite file ---------------------------------------------------------------------


def sqlite_database_files() -> list[Path]:
    """The SQLite database file of the connection and its -wal and -journal files that
    exist, after a checkpoint that moves the write-ahead log into the file when WAL is on.
    Empty for an in-memory database (there is no file to read)."""
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return []
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()
        if str(mode).lower() == "wal":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(name)
    candidates = [path, Path(f"{name}-wal"), Path(f"{name}-journal")]
    return [p for p in candidates if p.is_file()]


def sqlite_page_owner(page_number: int) -> str:
    """What holds a page of the SQLite file: a table or index name, 'freelist', or
    'unknown' (for diagnostics; uses the dbstat table when SQLite has it)."""
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT name FROM dbstat WHERE pageno = %s", [page_number])
            row = cursor.fetchone()
        except OperationalError:  # dbstat is optional in SQLite builds
            row = None
        if row:
            return str(row[0])
        cursor.execute("PRAGMA freelist_count")
        (free,) = cursor.fetchone()
    return "freelist" if free else "unknown"


def raw_file_hits(needles: list[str]) -> dict[str, list[str]]:
    """Each needle found in the raw bytes of the database files, with where it is: the
    file and, for the main file, the page and what holds that page."""
    hits: dict[str, list[str]] = {}
    files = sqlite_database_files()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        (page_size,) = cursor.fetchone()
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            raw = needle.encode()
            start = data.find(raw)
            while start != -1:
                where = path.name
                if path == files[0]:
                    page = start // page_size + 1
                    where = f"{path.name} page {page} ({sqlite_page_owner(page)})"
                hits.setdefault(needle, []).append(where)
                start = data.find(raw, start + 1)
    return hits
