"""P-30 the paper register: paper is registered with where it is locked away, its scan
becomes a candidate's document, its shredding is recorded with when and by whom, and the
register lists the paper not yet shredded, oldest first. Never across agencies."""

import datetime as dt
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.utils import translation

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, actor_for_user
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_staff
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.vault import vault_read
from fortrolig.documents.errors import UploadRefused
from fortrolig.documents.models import Document
from fortrolig.documents.tests import corpus
from fortrolig.privacy import paper
from fortrolig.privacy.models import PaperDocument, PaperKind

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=2)
SCAN = b"Vitnemal for Kari Testesen, Unikt-merke-51aa\n"

_counter = iter(range(1, 1_000_000))


# --- helpers, also used by the view tests -----------------------------------------------


def new_candidate(agency, **overrides) -> Candidate:
    number = next(_counter)
    values: dict[str, Any] = {
        "first_name": "Kari",
        "last_name": f"Papirsen{number}",
        "email": f"kari.papirsen{number}@example.com",
    }
    values.update(overrides)
    return candidate_create(
        agency=agency,
        actor=Actor.system(),
        data=CandidateInput(**values),
        now=NOW,
        allow_duplicate=True,
    )


def register(agency, actor, **overrides) -> PaperDocument:
    values: dict[str, Any] = {
        "kind": PaperKind.DIPLOMA,
        "received_on": dt.date(2026, 2, 20),
        "storage_location": "Låst skap, rom 2, skuff B",
        "candidate_id": None,
        "now": NOW,
    }
    values.update(overrides)
    return paper.paper_register(agency=agency, actor=actor, **values)


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def no_search(monkeypatch):
    # The scan's search refresh is the search app's business, tested there.
    from fortrolig.documents import services

    monkeypatch.setattr(services, "_search_index_schedule", lambda candidate_id: None)


@pytest.fixture
def consultant(agency):
    return make_staff(agency, email="konsulent@nordlys.example.com", role=Role.CONSULTANT)


@pytest.fixture
def actor(consultant):
    return actor_for_user(consultant)


@pytest.fixture
def outsider(other_agency):
    return actor_for_user(make_staff(other_agency, email="radgiver@fjellet.example.com"))


@pytest.fixture
def candidate(agency):
    return new_candidate(agency)


@pytest.fixture
def diploma(agency, actor, candidate):
    return register(agency, actor, candidate_id=candidate.id)


# --- register ---------------------------------------------------------------------------


def test_p30_paper_is_registered_with_where_it_is_locked_away(agency, actor, consultant, candidate):
    item = register(agency, actor, candidate_id=candidate.id, storage_location="  Safe 1  ")
    item.refresh_from_db()
    assert item.kind == PaperKind.DIPLOMA
    assert item.received_on == dt.date(2026, 2, 20)
    assert item.storage_location == "Safe 1"
    assert item.candidate_id == candidate.id
    assert item.registered_by_id == consultant.id
    assert item.scanned_at is None and item.shredded_at is None
    [event] = events("paper.registered")
    assert event.subject_id == item.id and event.actor_id == consultant.id
    assert event.fields == sorted(
        ["kind", "received_on", "storage_location", "registered_by", "candidate"]
    )


def test_p30_paper_without_a_candidate_can_be_registered(agency, actor):
    item = register(agency, actor)
    assert item.candidate_id is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_on": dt.date(2026, 3, 3)}, "received_on"),
        ({"received_on": None}, "received_on"),
        ({"kind": "parchment"}, "kind"),
        ({"storage_location": "   "}, "storage_location"),
        ({"storage_location": "x" * 201}, "storage_location"),
    ],
)
def test_p30_bad_input_changes_nothing_and_says_what_is_wrong(agency, actor, overrides, field):
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        register(agency, actor, **overrides)
    assert list(refused.value.field_errors) == [field]
    assert not PaperDocument.objects.exists()
    assert not events("paper.registered")


def test_p30_the_messages_are_clear(agency, actor):
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        register(agency, actor, received_on=dt.date(2026, 3, 3), storage_location="")
    assert refused.value.field_errors == {
        "received_on": ["Give the date the paper was received. It cannot be in the future."],
        "storage_location": ["Say where the paper is locked away, in at most 200 characters."],
    }


def test_p30_another_agency_s_candidate_cannot_be_linked(agency, actor, other_agency):
    stranger = new_candidate(other_agency)
    with pytest.raises(ValidationFailed) as refused:
        register(agency, actor, candidate_id=stranger.id)
    assert list(refused.value.field_errors) == ["candidate"]
    assert not PaperDocument.objects.exists()


def _catalogue() -> dict[str, str]:
    """The privacy app's bokmål entries: its catalogue and, until the lead merges it, the
    paper fragment."""
    folder = Path(settings.BASE_DIR) / "fortrolig/privacy/locale/nb/LC_MESSAGES"
    entries: dict[str, str] = {}
    for name in ("django.po", "paper_fragment.po"):
        path = folder / name
        if path.exists():
            entries.update({e.msgid: e.msgstr for e in polib.pofile(str(path)) if e.msgstr})
    return entries


def test_p30_every_message_has_a_norwegian_translation():
    catalogue = _catalogue()
    messages = [
        paper.MSG_KIND,
        paper.MSG_RECEIVED_ON,
        paper.MSG_LOCATION,
        paper.MSG_CANDIDATE,
        paper.PaperShredded.default_message,
        paper.PaperAlreadyScanned.default_message,
        paper.PaperWithoutCandidate.default_message,
        paper.PaperIsPoliceCertificate.default_message,
        paper.PaperCandidateRestricted.default_message,
    ]
    with translation.override("en"):
        missing = [str(message) for message in messages if str(message) not in catalogue]
    assert missing == []
    assert catalogue["Give the date the paper was received. It cannot be in the future."] == (
        "Oppgi datoen papiret kom inn. Den kan ikke være i fremtiden."
    )


# --- scan -------------------------------------------------------------------------------


def test_p30_the_scan_becomes_an_encrypted_document_of_the_candidate(
    agency, actor, candidate, diploma, media_root
):
    scanned = paper.paper_scan(
        agency=agency,
        actor=actor,
        paper_id=diploma.id,
        filename="vitnemal.txt",
        content=SCAN,
        now=LATER,
    )
    scanned.refresh_from_db()
    assert scanned.scanned_at == LATER
    document = Document.objects.get()
    assert scanned.scan_id == document.id
    assert document.candidate_id == candidate.id and document.kind == "diploma"
    assert vault_read(name=document.blob_name) == SCAN
    [blob] = stored_files(media_root)
    assert b"Unikt-merke" not in blob.read_bytes()
    assert [e.action for e in AuditEvent.objects.filter(occurred_at=LATER).order_by("seq")] == [
        "candidate.document.uploaded",
        "paper.scanned",
    ]


def test_p07_a_paper_police_certificate_is_not_scanned_into_lasting_documents(
    agency, actor, candidate, media_root
):
    certificate = register(
        agency, actor, kind=PaperKind.POLICE_CERTIFICATE, candidate_id=candidate.id
    )
    with pytest.raises(paper.PaperIsPoliceCertificate) as refused, translation.override("en"):
        paper.paper_scan(
            agency=agency,
            actor=actor,
            paper_id=certificate.id,
            filename="a.txt",
            content=SCAN,
            now=NOW,
        )
    assert "P-07" in str(refused.value.message)
    assert not Document.objects.exists() and stored_files(media_root) == []


@pytest.mark.parametrize("state", ["no_candidate", "restricted", "scanned", "shredded"])
def test_p30_a_scan_that_cannot_be_stored_stores_nothing(
    agency, actor, candidate, media_root, state
):
    item = register(agency, actor, candidate_id=None if state == "no_candidate" else candidate.id)
    expected: type[Exception] = paper.PaperWithoutCandidate
    if state == "restricted":
        Candidate.objects.filter(pk=candidate.id).update(restricted=True)
        expected = paper.PaperCandidateRestricted
    elif state == "scanned":
        paper.paper_scan(
            agency=agency, actor=actor, paper_id=item.id, filename="a.txt", content=SCAN, now=NOW
        )
        expected = paper.PaperAlreadyScanned
    elif state == "shredded":
        paper.paper_shred(agency=agency, actor=actor, paper_id=item.id, now=NOW)
        expected = paper.PaperShredded
    documents_before = Document.objects.count()
    files_before = stored_files(media_root)
    with pytest.raises(expected):
        paper.paper_scan(
            agency=agency, actor=actor, paper_id=item.id, filename="b.txt", content=SCAN, now=LATER
        )
    assert Document.objects.count() == documents_before
    assert stored_files(media_root) == files_before


def test_p29_a_refused_scan_stores_nothing(agency, actor, diploma, media_root):
    with pytest.raises(UploadRefused):
        paper.paper_scan(
            agency=agency,
            actor=actor,
            paper_id=diploma.id,
            filename="scan.pdf",
            content=corpus.elf_stub(),
            now=NOW,
        )
    diploma.refresh_from_db()
    assert diploma.scanned_at is None and diploma.scan_id is None
    assert not Document.objects.exists() and stored_files(media_root) == []


def test_a_scan_that_cannot_be_linked_is_removed_again(
    agency, actor, diploma, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    real_record = paper.record

    def failing_record(**kwargs):
        if kwargs["action"] == "paper.scanned":
            raise RuntimeError("audit down")
        return real_record(**kwargs)

    monkeypatch.setattr(paper, "record", failing_record)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        paper.paper_scan(
            agency=agency, actor=actor, paper_id=diploma.id, filename="a.txt", content=SCAN, now=NOW
        )
    diploma.refresh_from_db()
    assert diploma.scan_id is None and diploma.scanned_at is None
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


# --- shred ------------------------------------------------------------------------------


def test_p30_shredding_records_when_and_by_whom(agency, actor, consultant, diploma):
    shredded = paper.paper_shred(agency=agency, actor=actor, paper_id=diploma.id, now=LATER)
    shredded.refresh_from_db()
    assert shredded.shredded_at == LATER and shredded.shredded_by_id == consultant.id
    [event] = events("paper.shredded")
    assert event.fields == ["shredded_at", "shredded_by"]


def test_p30_shredding_twice_is_refused_and_keeps_the_first(agency, actor, diploma):
    paper.paper_shred(agency=agency, actor=actor, paper_id=diploma.id, now=NOW)
    with pytest.raises(paper.PaperShredded):
        paper.paper_shred(agency=agency, actor=actor, paper_id=diploma.id, now=LATER)
    diploma.refresh_from_db()
    assert diploma.shredded_at == NOW
    assert len(events("paper.shredded")) == 1


# --- reads ------------------------------------------------------------------------------


def test_p30_the_unshredded_paper_is_listed_oldest_first_with_its_age(
    agency, other_agency, actor, outsider
):
    newest = register(agency, actor, received_on=dt.date(2026, 3, 2))
    oldest = register(agency, actor, received_on=dt.date(2025, 12, 2))
    middle = register(agency, actor, received_on=dt.date(2026, 2, 1))
    gone = register(agency, actor, received_on=dt.date(2025, 1, 1))
    paper.paper_shred(agency=agency, actor=actor, paper_id=gone.id, now=NOW)
    register(other_agency, outsider, received_on=dt.date(2024, 1, 1))

    rows = paper.paper_unshredded(agency=agency, now=NOW)
    assert [(row.paper.id, row.age_days) for row in rows] == [
        (oldest.id, 90),
        (middle.id, 29),
        (newest.id, 0),
    ]
    card = paper.paper_dashboard(agency=agency, now=NOW, limit=2)
    assert card.count == 3 and card.oldest_days == 90
    assert [row.paper.id for row in card.rows] == [oldest.id, middle.id]


def test_p30_the_register_lists_unshredded_then_shredded_and_records_the_names_seen(
    agency, other_agency, actor, outsider, candidate
):
    kept = register(agency, actor, candidate_id=candidate.id)
    gone = register(agency, actor)
    paper.paper_shred(agency=agency, actor=actor, paper_id=gone.id, now=NOW)
    register(other_agency, outsider, candidate_id=new_candidate(other_agency).id)

    listing = paper.paper_register_list(agency=agency, actor=actor, now=NOW)
    assert [row.paper.id for row in listing.unshredded] == [kept.id]
    assert [row.paper.id for row in listing.shredded] == [gone.id]
    assert listing.shredded_total == 1
    [listed] = events("candidate.listed")
    assert listed.subject_id == candidate.id and listed.purpose == "paper_register"
    assert listed.agency_id == agency.id


def test_an_empty_register_records_nothing(agency, actor):
    listing = paper.paper_register_list(agency=agency, actor=actor, now=NOW)
    assert listing.unshredded == [] and listing.shredded == []
    assert paper.paper_dashboard(agency=agency, now=NOW).oldest_days is None
    assert not events("candidate.listed")


def test_another_agency_can_neither_see_nor_scan_nor_shred(
    agency, other_agency, actor, outsider, diploma
):
    with pytest.raises(NotFound):
        paper.paper_get(agency=other_agency, paper_id=diploma.id)
    with pytest.raises(NotFound):
        paper.paper_scan(
            agency=other_agency,
            actor=outsider,
            paper_id=diploma.id,
            filename="a.txt",
            content=SCAN,
            now=NOW,
        )
    with pytest.raises(NotFound):
        paper.paper_shred(agency=other_agency, actor=outsider, paper_id=diploma.id, now=NOW)
    assert paper.paper_unshredded(agency=other_agency, now=NOW) == []
    assert paper.paper_dashboard(agency=other_agency, now=NOW).count == 0
    assert paper.paper_register_list(agency=other_agency, actor=outsider, now=NOW).unshredded == []
    diploma.refresh_from_db()
    assert diploma.shredded_at is None and diploma.scan_id is None
    assert not Document.objects.exists()
