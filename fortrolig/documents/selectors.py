"""Reads of documents, always within one agency."""

import uuid

from fortrolig.core.models import Agency

from .models import Document


def document_list(*, agency: Agency, candidate_id: uuid.UUID) -> list[Document]:
    """The candidate's documents, newest first. Another agency's candidate has none here.

    Names and text are decrypted only when read; opening a file goes through
    `services.document_open`, which records who read it.
    """
    return list(
        Document.objects.filter(agency=agency, candidate_id=candidate_id).order_by(
            "-created_at", "-id"
        )
    )
