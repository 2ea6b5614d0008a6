"""P-29: text extraction runs in a limited subprocess; a hostile file cannot hang or crash
the worker, and the task can run twice."""

import time

from fortrolig.audit.models import AuditEvent
from fortrolig.documents import extractors, sandbox, services
from fortrolig.documents.models import Document, ExtractionStatus
from fortrolig.documents.tasks import document_extract_task
from fortrolig.documents.tests import corpus
from fortrolig.documents.tests.conftest import NOW, text_of

MEGABYTE = 1024 * 1024


def test_p29_a_slow_rtf_is_killed_at_the_limit_and_marked_failed(
    upload, settings, caplog, django_capture_on_commit_callbacks
):
    # striprtf needs minutes for this file (see corpus.rtf_slow); the limit is 2 seconds.
    settings.DOCUMENT_EXTRACT_SECONDS = 2
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(corpus.rtf_slow(), "cv.rtf")
    elapsed = time.monotonic() - started

    document.refresh_from_db()
    assert document.extraction_status == ExtractionStatus.FAILED
    assert document.extracted_text is None
    assert elapsed < 2 + 5, f"took {elapsed:.1f} s"
    # The log names the document and the outcome, never the file's name or content.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert str(document.id) in logged and "timeout" in logged
    assert "HYPERLINK" not in logged and "cv.rtf" not in logged
    # This process (the worker) is still here and extracts the next file.
    with django_capture_on_commit_callbacks(execute=True):
        good = upload(corpus.rtf_bytes(), "cv2.rtf")
    good.refresh_from_db()
    assert good.extraction_status == ExtractionStatus.DONE


def test_p29_the_sandbox_enforces_its_memory_limit():
    # 40 MB of text decoded and re-encoded needs well over 96 MB of address space.
    result = sandbox.sandbox_run(
        mode="extract",
        argument="txt",
        content=b"a" * (40 * MEGABYTE),
        seconds=20,
        memory_bytes=96 * MEGABYTE,
    )
    assert result.status in (sandbox.FAILED, sandbox.CRASHED)
    assert result.payload == b""
    # The same work with room enough succeeds: it was the limit that stopped it.
    result = sandbox.sandbox_run(
        mode="extract",
        argument="txt",
        content=b"a" * (40 * MEGABYTE),
        seconds=20,
        memory_bytes=512 * MEGABYTE,
    )
    assert result.status == sandbox.OK
    assert len(result.payload) == extractors.MAX_CHARS


def test_p29_the_sandbox_gets_no_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("FORTROLIG_MASTER_KEYS", "should-not-leak")
    captured = {}
    real_run = sandbox.subprocess.run

    def spy(command, **kwargs):
        captured.update(kwargs)
        return real_run(command, **kwargs)

    monkeypatch.setattr(sandbox.subprocess, "run", spy)
    sandbox.sandbox_run(
        mode="extract", argument="txt", content=b"hei", seconds=10, memory_bytes=256 * MEGABYTE
    )
    assert "FORTROLIG_MASTER_KEYS" not in captured["env"]
    assert not any("KEY" in name or "SECRET" in name for name in captured["env"])


def test_p29_the_extraction_task_runs_twice_safely(
    agency, upload, monkeypatch, django_capture_on_commit_callbacks
):
    document = upload(corpus.docx_bytes(), "cv.docx")  # callbacks not run: still pending
    assert document.extraction_status == ExtractionStatus.PENDING

    assert document_extract_task(str(document.id)) == ExtractionStatus.DONE
    events = AuditEvent.objects.filter(
        subject_id=document.id, action="candidate.document.text_extracted"
    ).count()

    def never(**kwargs):
        raise AssertionError("a finished extraction must not be redone")

    monkeypatch.setattr(services, "sandbox_run", never)
    assert document_extract_task(str(document.id)) == ExtractionStatus.DONE
    assert (
        AuditEvent.objects.filter(
            subject_id=document.id, action="candidate.document.text_extracted"
        ).count()
        == events
        == 1
    )
    document.refresh_from_db()
    assert corpus.SEARCH_PHRASE in text_of(document)


def test_stranded_extractions_are_queued_again(upload, monkeypatch):
    from datetime import timedelta

    from fortrolig.documents.tasks import documents_extraction_requeue_task

    document = upload(corpus.docx_bytes(), "cv.docx")  # callbacks not run: still pending
    fresh = upload(corpus.rtf_bytes(), "cv.rtf")
    Document.objects.filter(pk=document.id).update(
        created_at=document.created_at - timedelta(hours=1)
    )
    done = upload(corpus.pdf_bytes(), "cv.pdf")
    Document.objects.filter(pk=done.id).update(
        extraction_status=ExtractionStatus.DONE, created_at=done.created_at - timedelta(hours=1)
    )

    assert documents_extraction_requeue_task() == 1  # eager: the extraction ran
    document.refresh_from_db()
    fresh.refresh_from_db()
    assert document.extraction_status == ExtractionStatus.DONE
    assert fresh.extraction_status == ExtractionStatus.PENDING
    assert documents_extraction_requeue_task() == 0


def test_p29_the_task_for_a_deleted_document_does_nothing(agency, actor, upload):
    document = upload(corpus.pdf_bytes(), "cv.pdf")
    services.document_delete(agency=agency, actor=actor, document_id=document.id, now=NOW)
    assert document_extract_task(str(document.id)) == "missing"


def test_p29_a_parser_error_marks_the_extraction_failed(agency, upload, monkeypatch):
    document = upload(corpus.pdf_bytes(), "cv.pdf")
    # A file that passed the checks but that the extractor cannot parse: handed to the
    # DOCX extractor it raises inside the child.
    Document.objects.filter(pk=document.id).update(content_type=corpus_docx_type())
    assert document_extract_task(str(document.id)) == ExtractionStatus.FAILED


def corpus_docx_type() -> str:
    from fortrolig.documents.checks import CONTENT_TYPES, DOCX

    return CONTENT_TYPES[DOCX]


def test_p29_a_real_worker_survives_a_hostile_file_and_goes_on(
    transactional_db, settings, monkeypatch
):
    """Through a Celery worker: the task is found by name, a hostile file is marked failed
    at the time limit, and the same worker then extracts the next file."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from fortrolig.audit.services import actor_for_user
    from fortrolig.conftest import make_agency, make_staff
    from fortrolig.documents.tests.conftest import make_candidate

    settings.DOCUMENT_EXTRACT_SECONDS = 2
    agency = make_agency()
    actor = actor_for_user(make_staff(agency, email="radgiver@nordlys.example.com"))
    candidate = make_candidate(agency, actor)

    # Uploaded with the task queue off: the worker below picks the tasks up.
    monkeypatch.setattr(services, "_queue_extraction", lambda document_id: None)
    documents = [
        services.document_upload(
            agency=agency,
            actor=actor,
            candidate_id=candidate.id,
            kind="cv",
            filename=name,
            content=content,
            now=NOW,
        )
        for name, content in (("treg.rtf", corpus.rtf_slow()), ("cv.docx", corpus.docx_bytes()))
    ]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            for document in documents:
                app.send_task(
                    "fortrolig.documents.tasks.document_extract_task", args=[str(document.id)]
                )
            deadline = time.monotonic() + 30
            while Document.objects.filter(extraction_status=ExtractionStatus.PENDING).exists():
                assert time.monotonic() < deadline, "the worker did not finish the tasks"
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = eager
    slow, good = (Document.objects.get(pk=document.id) for document in documents)
    assert slow.extraction_status == ExtractionStatus.FAILED
    assert good.extraction_status == ExtractionStatus.DONE
    assert corpus.SEARCH_PHRASE in text_of(good)
