"""The document vault: upload, open, move, delete and text extraction (P-27, P-28, P-29).

Files are checked by content in a sandboxed subprocess before anything is stored, stored
encrypted under the candidate's data key, and served only through `document_open`, which
records who read what. Audit events are about the document (`documents.document` and its
ID) and hold field names only.

Settings (all optional):
- DOCUMENT_MAX_BYTES: largest accepted upload, default 20 MB.
- DOCUMENT_CHECK_SECONDS: time limit of the upload check, default 20.
- DOCUMENT_EXTRACT_SECONDS: time limit of text extraction, default 20.
- DOCUMENT_SANDBOX_MEMORY_BYTES: address-space limit of the check and extraction
  subprocesses, default 512 MB.
"""

import dataclasses
import hashlib
import json
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, PendingEvent, record, record_many
from fortrolig.candidates.selectors import candidate_get
from fortrolig.candidates.services import candidate_activity_record
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import KeyDestroyed, keyed_hash
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_delete, vault_read, vault_store

from . import checks
from .errors import UploadRefused
from .models import Document, DocumentKind, ExtractionStatus
from .sandbox import OK, sandbox_run

__all__ = [
    "DocumentContent",
    "UploadRefused",
    "document_delete",
    "document_extract",
    "document_open",
    "document_upload",
    "documents_extraction_requeue",
    "documents_move",
    "upload_check",
]

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MEGABYTE
DEFAULT_CHECK_SECONDS = 20
DEFAULT_EXTRACT_SECONDS = 20
DEFAULT_SANDBOX_MEMORY_BYTES = 512 * MEGABYTE
FILENAME_MAX_CHARS = 150

MSG_KIND_UNKNOWN = _("Choose what kind of document this is.")


def _max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{max(round(size / MEGABYTE, 1), 0.1):g}"


def _memory_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_SANDBOX_MEMORY_BYTES", DEFAULT_SANDBOX_MEMORY_BYTES))


@dataclass(frozen=True)
class DocumentContent:
    filename: str
    content_type: str
    content: bytes


# --- checks ---------------------------------------------------------------------------


def upload_check(*, content: bytes) -> checks.Verdict:
    """Check a file by its content, in the sandbox. Returns the verdict, whose `content`
    is what to store (images re-encoded without metadata). Raises UploadRefused."""
    limit = _max_bytes()
    if not content:
        raise UploadRefused(checks.EMPTY)
    if len(content) > limit:
        raise UploadRefused(checks.TOO_LARGE, limit=_megabytes(limit))
    limits = checks.Limits()
    result = sandbox_run(
        mode="check",
        argument=_limits_json(limits),
        content=content,
        seconds=float(getattr(settings, "DOCUMENT_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)),
        memory_bytes=_memory_bytes(),
    )
    if result.status != OK:
        reason = result.reason
        if reason not in checks.REASONS:
            # Timed out, ran out of memory or crashed: refuse, never let it through.
            reason = checks.TOO_COMPLEX
        limit_value = (
            str(limits.max_pixels // 1_000_000) if reason == checks.TOO_MANY_PIXELS else None
        )
        raise UploadRefused(reason, limit=limit_value)
    header = result.header
    fmt = str(header["format"])
    stored = content if header.get("unchanged") else result.payload
    return checks.Verdict(
        format=fmt,
        content_type=str(header["content_type"]),
        extension=str(header["extension"]),
        content=stored,
    )


def _limits_json(limits: checks.Limits) -> str:
    return json.dumps(dataclasses.asdict(limits))


_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,5}$")


def filename_clean(filename: str, *, extension: str, fmt: str) -> str:
    """The name to store and serve: no path, no control or direction characters, and an
    extension that matches the content (a PDF called `cv.exe` is served as `cv.pdf`)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C covers control characters and the bidirectional overrides that can make
    # "cv\u202efdp.exe" look like "cvexe.pdf".
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split()).strip(" .")
    stem, dot, current = name.rpartition(".")
    if not dot:
        stem, current = name, ""
    if current.lower() in checks.EXTENSIONS[fmt]:
        extension = current
    elif current and not _EXTENSION.match(current):
        stem = name
    stem = stem.strip(" .")[:FILENAME_MAX_CHARS].strip(" .") or "document"
    return f"{stem}.{extension}"


# --- upload ---------------------------------------------------------------------------


def _search_index_schedule(candidate_id: uuid.UUID) -> None:
    from fortrolig.search.services import search_index_schedule

    search_index_schedule(candidate_id=candidate_id)


def _queue_extraction(document_id: uuid.UUID) -> None:
    from .tasks import document_extract_task

    document_extract_task.delay(str(document_id))


def document_upload(
    *,
    agency: Agency,
    actor: Actor,
    candidate_id: uuid.UUID,
    kind: str,
    filename: str,
    content: bytes,
    now: datetime,
    checked: checks.Verdict | None = None,
    include_restricted: bool = True,
) -> Document:
    """Check a file by content and store it encrypted under the candidate's data key.

    `checked` is the verdict of an `upload_check` of these same bytes made earlier by the
    caller, so that a caller can run the slow check before it takes locks.

    Records `candidate.document.uploaded`, counts as activity of the candidate, and after
    the commit queues text extraction and a search refresh. Raises NotFound for a
    candidate outside the agency, ValidationFailed for an unknown kind, and UploadRefused
    for a refused file; in each case nothing is stored. With `include_restricted` false, a
    restricted candidate (P-23) is not found either.
    """
    require_aware(now)
    if kind not in DocumentKind.values:
        raise ValidationFailed(MSG_KIND_UNKNOWN, field_errors={"kind": [str(MSG_KIND_UNKNOWN)]})
    candidate = candidate_get(
        agency=agency, candidate_id=candidate_id, include_restricted=include_restricted
    )
    verdict = checked if checked is not None else upload_check(content=content)
    stored_name = filename_clean(filename, extension=verdict.extension, fmt=verdict.format)
    blob_name = vault_store(data_key_id=candidate.data_key_id, content=verdict.content)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                agency=agency,
                candidate_id=candidate.id,
                data_key_id=candidate.data_key_id,
                kind=kind,
                filename=stored_name,
                content_type=verdict.content_type,
                size=len(verdict.content),
                blob_name=blob_name,
                content_hash=keyed_hash(
                    hashlib.sha256(verdict.content).hexdigest(), purpose="document-content"
                ),
                extraction_status=(
                    ExtractionStatus.NOT_APPLICABLE
                    if verdict.format in checks.IMAGE_FORMATS
                    else ExtractionStatus.PENDING
                ),
                uploaded_by_id=_uploader_id(actor),
            )
            candidate_activity_record(candidate_id=candidate.id, now=now)
            record(
                agency=agency,
                actor=actor,
                action="candidate.document.uploaded",
                subject=document,
                fields=("kind", "filename", "content"),
                now=now,
            )
            if document.extraction_status == ExtractionStatus.PENDING:
                transaction.on_commit(lambda: _queue_extraction(document.id))
            _search_index_schedule(candidate.id)
    except BaseException:
        # The row never committed: the blob must not outlive it.
        vault_delete(name=blob_name)
        raise
    return document


def _decrypted(value: object) -> str:
    # EncryptedTextField is a BinaryField to the type checker; on an instance it reads
    # as the decrypted str.
    assert isinstance(value, str)
    return value


def _uploader_id(actor: Actor) -> uuid.UUID | None:
    # Only a staff actor names a user; an actor from the portal, the API or the system
    # does not, and an ID that no longer resolves is left out rather than refused.
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    exists = get_user_model().objects.filter(pk=actor.id).exists()
    return actor.id if exists else None


# --- open, delete, move ---------------------------------------------------------------


def _document_get(
    agency: Agency,
    document_id: uuid.UUID,
    *,
    lock: bool = False,
    include_restricted: bool = True,
) -> Document:
    documents = Document.objects.filter(agency=agency, pk=document_id)
    if not include_restricted:
        documents = documents.filter(candidate__restricted=False)
    if lock:
        documents = documents.select_for_update()
    document = documents.first()
    if document is None:
        raise NotFound()
    return document


def document_open(
    *,
    agency: Agency,
    actor: Actor,
    document_id: uuid.UUID,
    now: datetime,
    include_restricted: bool = True,
) -> DocumentContent:
    """Decrypt a document for a person who reads it, recording `candidate.document.viewed`.

    Raises NotFound for another agency's document (and, with `include_restricted` false,
    for a restricted candidate's, P-23), KeyDestroyed once the candidate's data key is
    destroyed.
    """
    require_aware(now)
    with transaction.atomic():
        document = _document_get(agency, document_id, include_restricted=include_restricted)
        content = vault_read(name=document.blob_name)
        filename = _decrypted(document.filename)
        record(
            agency=agency,
            actor=actor,
            action="candidate.document.viewed",
            subject=document,
            fields=("filename", "content"),
            now=now,
        )
    return DocumentContent(filename=filename, content_type=document.content_type, content=content)


def document_delete(*, agency: Agency, actor: Actor, document_id: uuid.UUID, now: datetime) -> None:
    """Delete a document and, after the commit, its blob. Records
    `candidate.document.deleted`. Raises NotFound."""
    require_aware(now)
    with transaction.atomic():
        document = _document_get(agency, document_id, lock=True)
        blob_name, candidate_id = document.blob_name, document.candidate_id
        record(
            agency=agency,
            actor=actor,
            action="candidate.document.deleted",
            subject=document,
            fields=("kind", "filename", "content", "extracted_text"),
            now=now,
        )
        document.delete()
        # After the commit only: a rollback must find the blob still there.
        transaction.on_commit(lambda: vault_delete(name=blob_name))
        _search_index_schedule(candidate_id)


def documents_move(
    *,
    agency: Agency,
    from_candidate_id: uuid.UUID,
    to_candidate_id: uuid.UUID,
    now: datetime,
    actor: Actor | None = None,
) -> int:
    """Re-encrypt every document of one candidate under the other's data key (new blob,
    file name and extracted text) and give it to that candidate. Used by merge.

    Records `candidate.document.moved` per document (as `actor`, or the system). The old
    blobs are deleted after the commit. Returns the number of documents moved. Raises
    NotFound when either candidate is outside the agency.
    """
    require_aware(now)
    source = candidate_get(agency=agency, candidate_id=from_candidate_id)
    target = candidate_get(agency=agency, candidate_id=to_candidate_id)
    new_blobs: list[str] = []
    old_blobs: list[str] = []
    try:
        with transaction.atomic():
            documents = list(
                Document.objects.select_for_update()
                .filter(agency=agency, candidate_id=source.id)
                .order_by("created_at", "id")
            )
            for document in documents:
                content = vault_read(name=document.blob_name)
                filename = document.filename
                text = document.extracted_text
                new_name = vault_store(data_key_id=target.data_key_id, content=content)
                new_blobs.append(new_name)
                old_blobs.append(document.blob_name)
                document.candidate_id = target.id
                document.data_key_id = target.data_key_id
                document.blob_name = new_name
                # Plain strings again: save() encrypts them under the new data key.
                document.filename = filename
                document.extracted_text = text
                document.save(
                    update_fields=[
                        "candidate",
                        "data_key",
                        "blob_name",
                        "filename",
                        "extracted_text",
                        "updated_at",
                    ]
                )
            if documents:
                record_many(
                    agency=agency,
                    actor=actor or Actor.system(),
                    events=[
                        PendingEvent(
                            action="candidate.document.moved",
                            subject=document,
                            fields=("candidate", "filename", "content", "extracted_text"),
                        )
                        for document in documents
                    ],
                    now=now,
                )
                transaction.on_commit(lambda: _blobs_delete(old_blobs))
                _search_index_schedule(target.id)
    except BaseException:
        _blobs_delete(new_blobs)
        raise
    return len(documents)


def _blobs_delete(names: list[str]) -> None:
    for name in names:
        vault_delete(name=name)


# --- text extraction ------------------------------------------------------------------

_EXTRACTABLE = {
    checks.CONTENT_TYPES[checks.PDF]: checks.PDF,
    checks.CONTENT_TYPES[checks.DOCX]: checks.DOCX,
    checks.CONTENT_TYPES[checks.ODT]: checks.ODT,
    checks.CONTENT_TYPES[checks.RTF]: checks.RTF,
}


def _format_of(content_type: str) -> str | None:
    if content_type.startswith("text/plain"):
        return checks.TEXT
    return _EXTRACTABLE.get(content_type)


def document_extract(*, document_id: uuid.UUID, now: datetime) -> Document | None:
    """Extract a document's text in the sandbox and store it encrypted, for search.

    Safe to run twice: a document whose extraction is no longer pending is left alone.
    A file that makes the parser fail, run out of time or memory is marked failed.
    Returns the document, or None when it no longer exists or was erased.
    """
    require_aware(now)
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.extraction_status != ExtractionStatus.PENDING:
        return document
    fmt = _format_of(document.content_type)
    text: str | None = None
    if fmt is None:
        status = ExtractionStatus.NOT_APPLICABLE
    else:
        try:
            content = vault_read(name=document.blob_name)
        except (KeyDestroyed, FileNotFoundError):
            # Erased or deleted meanwhile: there is nothing left to read.
            return None
        # Outside any transaction: the parse may take up to the time limit.
        result = sandbox_run(
            mode="extract",
            argument=fmt,
            content=content,
            seconds=float(getattr(settings, "DOCUMENT_EXTRACT_SECONDS", DEFAULT_EXTRACT_SECONDS)),
            memory_bytes=_memory_bytes(),
        )
        if result.status == OK:
            status = ExtractionStatus.DONE
            text = result.payload.decode("utf-8", "replace")
        else:
            status = ExtractionStatus.FAILED
            # The document's ID and the outcome only, never its content or name.
            logger.warning(
                "document %s: text extraction %s (%s)", document.id, result.status, result.reason
            )
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document_id).first()
        if locked is None or locked.extraction_status != ExtractionStatus.PENDING:
            return locked
        locked.extraction_status = status
        locked.extracted_text = text
        locked.save(update_fields=["extraction_status", "extracted_text", "updated_at"])
        record(
            agency=locked.agency_id,
            actor=Actor.system(),
            action="candidate.document.text_extracted",
            subject=locked,
            fields=("extraction_status", "extracted_text"),
            now=now,
        )
        _search_index_schedule(locked.candidate_id)
    return locked


STRANDED_AFTER = timedelta(minutes=30)
REQUEUE_BATCH = 500


def documents_extraction_requeue(*, now: datetime) -> int:
    """Queue extraction again for documents still pending long after their upload (a
    lost task, a broker outage). Safe to run at any time: the task skips finished work.
    Returns the number queued."""
    require_aware(now)
    stranded = list(
        Document.objects.filter(
            extraction_status=ExtractionStatus.PENDING, created_at__lt=now - STRANDED_AFTER
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:REQUEUE_BATCH]
    )
    for document_id in stranded:
        _queue_extraction(document_id)
    return len(stranded)
