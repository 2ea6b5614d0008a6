"""Helpers for the document tests. Names are made up; addresses are example.com."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, actor_for_user
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_staff
from fortrolig.documents import services
from fortrolig.documents.models import DocumentKind

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test gets its own MEDIA_ROOT, so that "nothing stored" can be checked by
    listing it, whatever other test runs do at the same time."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def search_calls(monkeypatch) -> list[uuid.UUID]:
    """Search refreshes asked for, in order. The search app's own tests cover what it
    does with them; one integration test here puts the real one back."""
    calls: list[uuid.UUID] = []
    monkeypatch.setattr(services, "_search_index_schedule", calls.append)
    return calls


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def audit_count(agency) -> int:
    return AuditEvent.objects.filter(agency=agency).count()


@pytest.fixture
def staff(agency):
    return make_staff(agency, email="radgiver@nordlys.example.com", role=Role.CONSULTANT)


@pytest.fixture
def actor(staff) -> Actor:
    return actor_for_user(staff)


_counter = iter(range(1, 1_000_000))


def make_candidate(agency, actor: Actor):
    number = next(_counter)
    data = CandidateInput(
        first_name="Kari", last_name=f"Testesen{number}", email=f"kari.{number}@example.com"
    )
    return candidate_create(agency=agency, actor=actor, data=data, now=NOW, allow_duplicate=True)


def text_of(document) -> str:
    """The decrypted extracted text (a str at run time; bytes to the type checker)."""
    value = document.extracted_text
    assert isinstance(value, str)
    return value


@pytest.fixture
def candidate(agency, actor):
    return make_candidate(agency, actor)


@pytest.fixture
def upload(agency, actor, candidate):
    """Upload `content` for the default candidate (or `candidate=`)."""

    def _upload(content: bytes, filename: str = "fil.pdf", **kwargs):
        return services.document_upload(
            agency=kwargs.pop("agency", agency),
            actor=kwargs.pop("actor", actor),
            candidate_id=kwargs.pop("candidate", candidate).id,
            kind=kwargs.pop("kind", DocumentKind.CV),
            filename=filename,
            content=content,
            now=kwargs.pop("now", NOW),
        )

    return _upload
