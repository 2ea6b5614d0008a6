import uuid

from celery import shared_task

from .services import search_index_refresh, search_index_refresh_many


@shared_task
def search_index_refresh_task(candidate_id: str) -> None:
    """Bring one candidate's search entry up to date. Safe to run twice, and after the
    candidate is gone (the entry is then removed)."""
    search_index_refresh(candidate_id=uuid.UUID(candidate_id))


@shared_task
def search_index_refresh_many_task(candidate_ids: list[str]) -> int:
    """Refresh many candidates' entries (after an import). Safe to run twice."""
    return search_index_refresh_many(candidate_ids=[uuid.UUID(c) for c in candidate_ids])
