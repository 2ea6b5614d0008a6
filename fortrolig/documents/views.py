"""The download of a stored document (P-29): staff only, within their agency, audited."""

import uuid
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from fortrolig.accounts.permissions import staff_view
from fortrolig.audit.services import actor_for_user
from fortrolig.core import clock

from .services import document_open


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real name as RFC 6266 filename*."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_GET
@staff_view()
def document_download(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    """The file as an attachment, for staff of the document's agency; another agency's
    document is not found. The read is audited by `document_open`."""
    opened = document_open(
        agency=request.agency,  # type: ignore[attr-defined]
        actor=actor_for_user(request.user),
        document_id=document_id,
        now=clock.now(),
    )
    # The whole file is decrypted before the first byte is sent: AES-GCM authenticates the
    # blob as one piece, so sending it in pieces as they are decrypted would release bytes that
    # have not been verified yet. Files are at most DOCUMENT_MAX_BYTES.
    response = HttpResponse(opened.content, content_type=opened.content_type)
    response["Content-Disposition"] = content_disposition(opened.filename)
    response["Content-Length"] = str(len(opened.content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
