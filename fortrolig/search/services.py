"""Keeping the candidate search index current (the search itself is in selectors.py).

The index is a projection of the candidates and the extracted text of their documents.
A change to either calls `search_index_schedule`, which refreshes the candidate's entry in a
Celery task after the commit; `search_index_rebuild` rewrites an agency's entries in bulk,
after an import or when the index is new. A restricted candidate (P-23) has no entry.

The index reads the candidate and document tables directly rather than through their
selectors: it needs a few columns of thousands of rows at a time, which no selector offers,
and it never shows or changes them.
"""

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.db import transaction

from fortrolig.candidates.models import Candidate
from fortrolig.core.crypto import KeyDestroyed, clear_key_cache
from fortrolig.core.models import Agency
from fortrolig.documents.models import Document, ExtractionStatus

from .models import CandidateSearchEntry

# A tsvector must stay under 1 MB; a 500-page PDF would exceed it and the refresh would
# fail. The start of a document says what it is about; the rest adds little to a search.
DOCUMENT_MAX_CHARS = 100_000
DOCUMENTS_MAX_CHARS = 300_000
REBUILD_BATCH = 1000
# NUL cannot be stored in a PostgreSQL text column, and the SQLite snippets use \x02 and
# \x03 as hit markers: control characters other than tab and newline are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_CANDIDATE_FIELDS = (
    "id",
    "agency_id",
    "first_name",
    "last_name",
    "city",
    "skills",
    "languages",
    "desired_roles",
    "availability",
    "summary",
    "source",
    "restricted",
    "last_activity_at",
)
_UPDATE_FIELDS = [
    "agency",
    "full_name",
    "roles_text",
    "summary_text",
    "documents_text",
    "skills",
    "skill_keys",
    "city",
    "availability",
    "source",
    "restricted",
    "last_activity_at",
]


def _queue_refresh(candidate_id: uuid.UUID) -> None:
    # Imported here: tasks.py imports this module.
    from .tasks import search_index_refresh_task

    search_index_refresh_task.delay(str(candidate_id))


def search_index_schedule(*, candidate_id: uuid.UUID) -> None:
    """Queue a refresh of the candidate's search entry once the current transaction commits.

    Call it after any change to a candidate, its documents or their extracted text. Nothing
    is queued if the transaction rolls back.
    """
    transaction.on_commit(partial(_queue_refresh, candidate_id))


def _documents_text(candidate_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The extracted text of each candidate's documents, oldest document first."""
    texts: dict[uuid.UUID, list[str]] = defaultdict(list)
    documents = (
        Document.objects.filter(
            candidate_id__in=candidate_ids, extraction_status=ExtractionStatus.DONE
        )
        .only("id", "candidate_id", "data_key_id", "extracted_text")
        .order_by("created_at", "id")
    )
    for document in documents:
        try:
            # Decrypted on access: a str, typed as the column's bytes.
            text: Any = document.extracted_text
        except KeyDestroyed:
            # Erased: there is nothing left to index.
            continue
        if text:
            texts[document.candidate_id].append(_CONTROL.sub(" ", text[:DOCUMENT_MAX_CHARS]))
    return {key: "\n\n".join(parts)[:DOCUMENTS_MAX_CHARS] for key, parts in texts.items()}


def _lines(*values: Iterable[str] | str) -> str:
    out: list[str] = []
    for value in values:
        items = [value] if isinstance(value, str) else list(value)
        out += [str(item).strip() for item in items if str(item).strip()]
    return _CONTROL.sub(" ", "\n".join(out))


def _entry(candidate: dict[str, Any], documents_text: str) -> CandidateSearchEntry:
    skills = [str(s).strip() for s in candidate["skills"] or [] if str(s).strip()]
    return CandidateSearchEntry(
        agency_id=candidate["agency_id"],
        candidate_id=candidate["id"],
        full_name=_lines(f"{candidate['first_name']} {candidate['last_name']}"),
        roles_text=_lines(candidate["desired_roles"] or [], skills, candidate["languages"] or []),
        summary_text=_lines(candidate["city"], candidate["summary"]),
        documents_text=documents_text,
        skills=skills,
        skill_keys=sorted({skill.lower() for skill in skills}),
        city=candidate["city"],
        availability=candidate["availability"],
        source=candidate["source"],
        restricted=False,
        last_activity_at=candidate["last_activity_at"],
    )


def _write(candidates: list[dict[str, Any]]) -> int:
    """Upsert the entries of `candidates` and drop those of restricted ones. Returns the
    number of entries written. Runs inside the caller's transaction."""
    restricted = [c["id"] for c in candidates if c["restricted"]]
    indexed = [c for c in candidates if not c["restricted"]]
    if restricted:
        CandidateSearchEntry.objects.filter(candidate_id__in=restricted).delete()
    if not indexed:
        return 0
    texts = _documents_text([c["id"] for c in indexed])
    entries = [_entry(c, texts.get(c["id"], "")) for c in indexed]
    CandidateSearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["candidate"],
        update_fields=_UPDATE_FIELDS,
    )
    return len(entries)


def _queue_refresh_many(candidate_ids: list[uuid.UUID]) -> None:
    from .tasks import search_index_refresh_many_task

    for start in range(0, len(candidate_ids), REBUILD_BATCH):
        chunk = candidate_ids[start : start + REBUILD_BATCH]
        search_index_refresh_many_task.delay([str(candidate_id) for candidate_id in chunk])


def search_index_schedule_many(*, candidate_ids: Sequence[uuid.UUID]) -> None:
    """Like `search_index_schedule` for many candidates (an import): after the commit, one
    task per thousand candidates rather than one per candidate."""
    ids = list(dict.fromkeys(candidate_ids))
    if ids:
        transaction.on_commit(partial(_queue_refresh_many, ids))


def search_index_refresh_many(*, candidate_ids: Sequence[uuid.UUID]) -> int:
    """`search_index_refresh` for many candidates in one transaction. Returns how many
    entries were written."""
    ids = list(dict.fromkeys(candidate_ids))
    with transaction.atomic():
        candidates = list(
            Candidate.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values(*_CANDIDATE_FIELDS)
        )
        found = {candidate["id"] for candidate in candidates}
        gone = [candidate_id for candidate_id in ids if candidate_id not in found]
        if gone:
            CandidateSearchEntry.objects.filter(candidate_id__in=gone).delete()
        written = _write(candidates)
    clear_key_cache()
    return written


def search_index_refresh(*, candidate_id: uuid.UUID) -> None:
    """Make the candidate's search entry match the candidate and their documents now.

    Idempotent. Removes the entry when the candidate no longer exists or is restricted
    (P-23). A change that must leave search at once, such as a restriction, may call this
    inside its own transaction instead of scheduling it.
    """
    with transaction.atomic():
        # The row lock makes two refreshes of the same candidate run one after the other,
        # so that an older read can never overwrite a newer entry.
        candidate = (
            Candidate.objects.select_for_update()
            .filter(pk=candidate_id)
            .values(*_CANDIDATE_FIELDS)
            .first()
        )
        if candidate is None:
            CandidateSearchEntry.objects.filter(candidate_id=candidate_id).delete()
            return
        _write([candidate])


def search_index_remove(*, candidate_id: uuid.UUID) -> None:
    """Remove the candidate's search entry, if there is one."""
    with transaction.atomic():
        CandidateSearchEntry.objects.filter(candidate_id=candidate_id).delete()


def search_index_rebuild(*, agency: Agency, batch_size: int = REBUILD_BATCH) -> int:
    """Rewrite the search entries of every candidate of `agency`. Returns how many entries
    were written (restricted candidates get none).

    Each batch commits on its own, so that a rebuild of a large agency does not hold one
    long write transaction, and can be stopped and run again.
    """
    written = 0
    after: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            batch_query = Candidate.objects.filter(agency=agency).order_by("id")
            if after is not None:
                batch_query = batch_query.filter(id__gt=after)
            batch = list(batch_query.values(*_CANDIDATE_FIELDS)[:batch_size])
            if not batch:
                return written
            written += _write(batch)
        after = batch[-1]["id"]
        # Drop the unwrapped data keys of this batch: a rebuild touches every candidate.
        clear_key_cache()
