"""Helpers for the retention, consent, legal-hold and renewal tests (no tests here).

Made-up people with example.com addresses. Candidates are made straight through the ORM
with a data key of their own, so that a test can set any last activity; documents get a
real encrypted blob in the test media folder.
"""

import hashlib
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fortrolig.candidates.models import Candidate, Reference
from fortrolig.core.crypto import data_key_create
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_store
from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
from fortrolig.privacy import consents
from fortrolig.privacy.models import PolicyVersion
from fortrolig.privacy.retention import candidate_erase_after_refresh

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_candidate(
    agency: Agency,
    *,
    last_activity_at: datetime,
    first_name: str = "Kari",
    email: str = "kari.testesen@example.com",
    documents: int = 0,
    references: int = 0,
    refresh: bool = True,
    restricted: bool = False,
) -> Candidate:
    candidate = Candidate.objects.create(
        agency=agency,
        data_key=data_key_create(agency=agency),
        first_name=first_name,
        last_name="Testesen",
        email=email,
        source="consultant",
        restricted=restricted,
        last_activity_at=last_activity_at,
    )
    for index in range(documents):
        content = f"CV {index} for a made-up person".encode()
        blob = vault_store(data_key_id=candidate.data_key_id, content=content)
        Document.objects.create(
            agency=agency,
            candidate=candidate,
            data_key_id=candidate.data_key_id,
            kind=DocumentKind.CV,
            filename=f"cv-{index}.pdf",
            content_type="application/pdf",
            size=len(content),
            blob_name=blob,
            content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
            extraction_status=ExtractionStatus.DONE,
            extracted_text="Erfaren lagermedarbeider",
        )
    for index in range(references):
        Reference.objects.create(
            agency=agency,
            candidate=candidate,
            name=f"Ola Referanse {index}",
            email=f"ola.referanse{index}@example.com",
        )
    if refresh:
        candidate_erase_after_refresh(candidate_id=candidate.id, now=last_activity_at)
        candidate.refresh_from_db()
    return candidate


def make_policy(agency: Agency, number: int = 1) -> PolicyVersion:
    return PolicyVersion.objects.create(
        agency=agency,
        number=number,
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
        content_hash=hashlib.sha256(f"{agency.id}-{number}".encode()).hexdigest(),
        text_nb="Personvernerklæring",
        text_en="Privacy policy",
    )


def use_test_policy(monkeypatch) -> None:
    """Make consents record each agency's latest test policy version (made on demand), so
    that these tests do not depend on rendering the real policy."""

    def _current(*, agency, now):
        version = PolicyVersion.objects.filter(agency=agency).order_by("-number").first()
        return version or make_policy(agency)

    monkeypatch.setattr(consents, "_policy_current", _current)
