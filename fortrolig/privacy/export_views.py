"""The staff action that downloads a person's access export (P-20): managers only, POST."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST

from fortrolig.accounts.permissions import MANAGER_ROLES, staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock

from .access_export import subject_export


@require_POST
@staff_view(roles=MANAGER_ROLES)
def subject_export_view(
    request: HttpRequest, subject_type: str, subject_id: uuid.UUID
) -> HttpResponse:
    result = subject_export(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        subject_type=subject_type,
        subject_id=subject_id,
        language=request.POST.get("lang") or translation.get_language() or "nb",
        now=clock.now(),
    )
    response = HttpResponse(result.zip_bytes, content_type="application/zip")
    # The file name holds the subject's ID, never a name.
    response["Content-Disposition"] = f'attachment; filename="access-export-{subject_id}.zip"'
    return response
