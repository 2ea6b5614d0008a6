import uuid

from celery import shared_task

from fortrolig.core import clock

from .services import document_extract, documents_extraction_requeue


@shared_task
def document_extract_task(document_id: str) -> str:
    """Extract a document's text for search. Safe to run twice: a finished extraction is
    not redone. The parsing runs in a time- and memory-limited subprocess, so a hostile
    file is marked failed instead of hanging this worker. Returns the status afterwards."""
    document = document_extract(document_id=uuid.UUID(document_id), now=clock.now())
    return document.extraction_status if document is not None else "missing"


@shared_task
def documents_extraction_requeue_task() -> int:
    """Every few minutes: give a task back to documents whose extraction task was lost."""
    return documents_extraction_requeue(now=clock.now())
