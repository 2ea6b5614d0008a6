"""P-27 and P-28: documents are encrypted under the candidate's key, every read and change
is audited, and moves re-encrypt; selectors never cross agencies."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection

from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import Candidate
from fortrolig.core import crypto
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.vault import vault_read
from fortrolig.documents import services
from fortrolig.documents.models import Document, DocumentKind, ExtractionStatus
from fortrolig.documents.selectors import document_list
from fortrolig.documents.tests import corpus
from fortrolig.documents.tests.conftest import (
    NOW,
    audit_count,
    make_candidate,
    stored_files,
    text_of,
)

MARKER = "Unikt-merke-7f3a sykepleier med erfaring"


def _raw(document, column: str) -> bytes:
    # The column as stored, past the decrypting field. Both databases accept the UUID as
    # 32 hex digits.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM documents_document WHERE id = %s",  # noqa: S608
            [document.id.hex],
        )
        row = cursor.fetchone()
    return bytes(row[0])


def test_p27_the_plaintext_of_an_upload_never_reaches_media_root(
    upload, media_root, django_capture_on_commit_callbacks
):
    name = "CV Kari Testesen.txt"
    content = f"{MARKER}\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(content, name)

    files = stored_files(media_root)
    assert len(files) == 1
    blob = files[0].read_bytes()
    assert MARKER.encode() not in blob
    assert b"Kari" not in blob
    assert "Kari" not in files[0].name and "txt" not in files[0].name
    assert crypto.ciphertext_key_id(blob) == document.data_key_id
    assert vault_read(name=document.blob_name) == content


def test_p27_file_name_and_extracted_text_are_encrypted_in_the_database(
    upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(f"{MARKER}\n".encode(), "CV Kari Testesen.txt")
    document.refresh_from_db()
    assert MARKER in text_of(document)
    for column in ("filename", "extracted_text"):
        raw = _raw(document, column)
        assert b"Kari" not in raw and MARKER.encode() not in raw
        assert crypto.ciphertext_key_id(raw) == document.data_key_id


def test_p27_the_content_hash_is_keyed(upload, candidate):
    content = corpus.pdf_bytes()
    document = upload(content, "cv.pdf")
    assert document.content_hash != hashlib.sha256(content).hexdigest()
    assert document.data_key_id == candidate.data_key_id
    again = upload(content, "kopi.pdf")
    assert again.content_hash == document.content_hash


def test_p28_upload_is_audited_with_field_names_only(agency, actor, staff, upload, candidate):
    before = audit_count(agency)
    document = upload(corpus.pdf_bytes(), "CV Kari.pdf")
    assert audit_count(agency) == before + 1
    event = AuditEvent.objects.get(agency=agency, action="candidate.document.uploaded")
    assert event.subject_type == "documents.document"
    assert event.subject_id == document.id
    assert event.actor_id == staff.id
    assert event.fields == ["content", "filename", "kind"]
    assert "Kari" not in repr(event.__dict__)
    assert document.uploaded_by_id == staff.id


def test_upload_counts_as_activity_of_the_candidate(upload, candidate):
    later = NOW + timedelta(days=3)
    upload(corpus.pdf_bytes(), "cv.pdf", now=later)
    candidate.refresh_from_db()
    assert candidate.last_activity_at == later
    # An upload stamped earlier never moves the activity back.
    upload(corpus.pdf_bytes(), "cv.pdf", now=NOW)
    candidate.refresh_from_db()
    assert candidate.last_activity_at == later


def test_upload_queues_extraction_and_search_only_after_the_commit(
    upload, candidate, search_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        document = upload(corpus.docx_bytes(), "cv.docx")
    assert document.extraction_status == ExtractionStatus.PENDING
    assert len(callbacks) == 1  # the extraction task
    assert search_calls == [candidate.id]


def test_an_image_needs_no_extraction(upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        document = upload(corpus.png_with_text(), "bilde.png")
    assert document.extraction_status == ExtractionStatus.NOT_APPLICABLE
    assert callbacks == []


def test_p29_a_failed_transaction_leaves_no_blob(agency, upload, media_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "record", broken)
    before = audit_count(agency)
    with pytest.raises(RuntimeError):
        upload(corpus.pdf_bytes(), "cv.pdf")
    assert stored_files(media_root) == []
    assert not Document.objects.exists()
    assert audit_count(agency) == before


def test_upload_refuses_an_unknown_kind_and_stores_nothing(upload, media_root):
    with pytest.raises(ValidationFailed) as caught:
        upload(corpus.pdf_bytes(), "cv.pdf", kind="passport_scan")
    assert "kind" in caught.value.field_errors
    assert stored_files(media_root) == []


def test_upload_to_another_agencys_candidate_is_not_found(other_agency, actor, upload, media_root):
    outsider = make_candidate(other_agency, actor)
    with pytest.raises(NotFound):
        upload(corpus.pdf_bytes(), "cv.pdf", candidate=outsider)
    assert stored_files(media_root) == []
    assert not Document.objects.exists()


def test_p28_open_decrypts_and_records_the_view(agency, actor, upload):
    document = upload(corpus.pdf_bytes(), "CV Kari.pdf")
    before = audit_count(agency)
    opened = services.document_open(agency=agency, actor=actor, document_id=document.id, now=NOW)
    assert opened.content == corpus.pdf_bytes()
    assert opened.filename == "CV Kari.pdf"
    assert opened.content_type == "application/pdf"
    assert audit_count(agency) == before + 1
    assert AuditEvent.objects.filter(
        action="candidate.document.viewed", subject_id=document.id
    ).exists()


def test_p28_open_in_another_agency_is_not_found_and_not_recorded(
    agency, other_agency, actor, upload
):
    document = upload(corpus.pdf_bytes(), "cv.pdf")
    before = audit_count(other_agency)
    with pytest.raises(NotFound):
        services.document_open(agency=other_agency, actor=actor, document_id=document.id, now=NOW)
    assert audit_count(other_agency) == before


def test_p27_an_erased_candidates_document_cannot_be_read(agency, actor, upload, candidate):
    from fortrolig.core.models import DataKey

    document = upload(corpus.pdf_bytes(), "cv.pdf")
    crypto.data_key_destroy(data_key=DataKey.objects.get(pk=candidate.data_key_id), now=NOW)
    with pytest.raises(crypto.KeyDestroyed):
        services.document_open(agency=agency, actor=actor, document_id=document.id, now=NOW)


def test_p28_delete_removes_row_and_blob_after_commit(
    agency, actor, upload, media_root, search_calls, django_capture_on_commit_callbacks
):
    document = upload(corpus.pdf_bytes(), "cv.pdf")
    search_calls.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.document_delete(agency=agency, actor=actor, document_id=document.id, now=NOW)
    assert not Document.objects.filter(pk=document.id).exists()
    # Before the commit the blob is still there, so that a rollback loses nothing.
    assert len(stored_files(media_root)) == 1
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []
    assert search_calls == [document.candidate_id]
    event = AuditEvent.objects.get(action="candidate.document.deleted")
    assert event.subject_id == document.id
    assert event.fields == ["content", "extracted_text", "filename", "kind"]


def test_delete_in_another_agency_is_not_found(agency, other_agency, actor, upload):
    document = upload(corpus.pdf_bytes(), "cv.pdf")
    with pytest.raises(NotFound):
        services.document_delete(agency=other_agency, actor=actor, document_id=document.id, now=NOW)
    assert Document.objects.filter(pk=document.id).exists()


def test_p27_move_re_encrypts_blob_name_and_text_under_the_target_key(
    agency, actor, upload, media_root, search_calls, django_capture_on_commit_callbacks
):
    source = make_candidate(agency, actor)
    target = make_candidate(agency, actor)
    with django_capture_on_commit_callbacks(execute=True):
        moved = [
            upload(f"{MARKER}\n".encode(), "notat Kari.txt", candidate=source),
            upload(corpus.docx_bytes(), "cv.docx", candidate=source),
        ]
    stays = upload(corpus.pdf_bytes(), "cv.pdf", candidate=target)
    old_blobs = {document.blob_name for document in moved}
    search_calls.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = services.documents_move(
            agency=agency,
            from_candidate_id=source.id,
            to_candidate_id=target.id,
            now=NOW,
            actor=actor,
        )
    assert count == 2
    # Old blobs stay until the commit, so that a rolled-back merge still reads them.
    assert {p.name for p in stored_files(media_root)} >= {b.split("/")[-1] for b in old_blobs}
    for callback in callbacks:
        callback()
    assert not {p.name for p in stored_files(media_root)} & {b.split("/")[-1] for b in old_blobs}
    assert len(stored_files(media_root)) == 3

    documents = document_list(agency=agency, candidate_id=target.id)
    assert {d.id for d in documents} == {moved[0].id, moved[1].id, stays.id}
    assert document_list(agency=agency, candidate_id=source.id) == []
    for document in documents:
        assert document.data_key_id == target.data_key_id
        assert document.blob_name not in old_blobs
        blob = (media_root / document.blob_name).read_bytes()
        assert crypto.ciphertext_key_id(blob) == target.data_key_id
        assert crypto.ciphertext_key_id(_raw(document, "filename")) == target.data_key_id
    text_document = Document.objects.get(pk=moved[0].id)
    assert MARKER in text_of(text_document)
    assert crypto.ciphertext_key_id(_raw(text_document, "extracted_text")) == target.data_key_id
    opened = services.document_open(agency=agency, actor=actor, document_id=moved[0].id, now=NOW)
    assert opened.filename == "notat Kari.txt"
    assert opened.content == f"{MARKER}\n".encode()
    assert AuditEvent.objects.filter(action="candidate.document.moved").count() == 2
    assert search_calls == [target.id]


def test_move_that_fails_leaves_no_new_blob(agency, actor, upload, media_root, monkeypatch):
    source = make_candidate(agency, actor)
    target = make_candidate(agency, actor)
    upload(corpus.pdf_bytes(), "cv.pdf", candidate=source)
    before = stored_files(media_root)

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "record_many", broken)
    with pytest.raises(RuntimeError):
        services.documents_move(
            agency=agency, from_candidate_id=source.id, to_candidate_id=target.id, now=NOW
        )
    assert stored_files(media_root) == before
    assert Document.objects.get().candidate_id == source.id


def test_move_across_agencies_is_not_found(agency, other_agency, actor, upload):
    source = make_candidate(agency, actor)
    outsider = make_candidate(other_agency, actor)
    upload(corpus.pdf_bytes(), "cv.pdf", candidate=source)
    with pytest.raises(NotFound):
        services.documents_move(
            agency=agency, from_candidate_id=source.id, to_candidate_id=outsider.id, now=NOW
        )
    assert Document.objects.get().candidate_id == source.id


def test_document_list_never_leaks_another_agencys_documents(agency, other_agency, actor, upload):
    mine = make_candidate(agency, actor)
    theirs = make_candidate(other_agency, actor)
    first = upload(corpus.pdf_bytes(), "a.pdf", candidate=mine)
    second = upload(corpus.pdf_bytes(), "b.pdf", candidate=mine, now=NOW + timedelta(hours=1))
    foreign = upload(corpus.pdf_bytes(), "c.pdf", candidate=theirs, agency=other_agency)

    listed = document_list(agency=agency, candidate_id=mine.id)
    assert {d.id for d in listed} == {first.id, second.id}
    assert document_list(agency=agency, candidate_id=theirs.id) == []
    assert [d.id for d in document_list(agency=other_agency, candidate_id=theirs.id)] == [
        foreign.id
    ]
    assert document_list(agency=other_agency, candidate_id=mine.id) == []


def test_filename_clean_keeps_a_matching_extension_and_fixes_a_wrong_one():
    clean = services.filename_clean
    assert clean("CV.PDF", extension="pdf", fmt="pdf") == "CV.PDF"
    assert clean("bilde.jpeg", extension="jpg", fmt="jpeg") == "bilde.jpeg"
    assert clean("cv.docm", extension="docx", fmt="docx") == "cv.docx"
    assert clean("x" * 400 + ".pdf", extension="pdf", fmt="pdf") == "x" * 150 + ".pdf"
    assert clean("tab\tand\nnewline.txt", extension="txt", fmt="txt") == "tabandnewline.txt"


def test_document_kinds_are_stored(upload):
    document = upload(corpus.pdf_bytes(), "vitnemal.pdf", kind=DocumentKind.DIPLOMA)
    assert Document.objects.get(pk=document.id).kind == DocumentKind.DIPLOMA


def test_search_finds_the_text_of_an_uploaded_document(
    agency, upload, candidate, monkeypatch, django_capture_on_commit_callbacks
):
    """Integration with the search app: the extracted text becomes searchable."""
    search_services = pytest.importorskip("fortrolig.search.services")
    search_selectors = pytest.importorskip("fortrolig.search.selectors")
    monkeypatch.setattr(
        services,
        "_search_index_schedule",
        lambda candidate_id: search_services.search_index_schedule(candidate_id=candidate_id),
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(corpus.odt_bytes("Kjent for akuttmottak og sykepleier med erfaring"), "cv.odt")
    page = search_selectors.candidate_search(
        agency=agency, query=search_selectors.CandidateSearchQuery(text="akuttmottak")
    )
    assert [row.candidate_id for row in page.rows] == [candidate.id]
    assert Candidate.objects.get(pk=candidate.id)
