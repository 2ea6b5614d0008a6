import uuid

from celery import shared_task

from fortrolig.core.models import Agency


@shared_task
def candidates_search_rebuild_task(agency_id: str) -> int:
    """Rebuild an agency's search index after a large import. Safe to run twice: the
    rebuild rewrites every entry from the stored candidates."""
    from fortrolig.search.services import search_index_rebuild

    agency = Agency.objects.filter(pk=uuid.UUID(agency_id)).first()
    if agency is None:
        return 0
    return search_index_rebuild(agency=agency)
