"""The refusal of an upload, with a message per reason that says what is wrong and what
to do about it (P-29). Messages name no file and no person (house rule 8)."""

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from fortrolig.core.errors import ApplicationError

from . import checks

ACCEPTED = _(
    "Upload a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain text document, "
    "or a JPEG or PNG image."
)

MESSAGES: dict[str, Promise] = {
    checks.EMPTY: _("The file is empty. Choose the file again and upload it."),
    checks.TOO_LARGE: _(
        "The file is larger than %(limit)s MB. Make it smaller, for example by saving it "
        "as PDF or reducing the size of its images, and upload it again."
    ),
    checks.UNSUPPORTED: _("This type of file is not accepted."),
    checks.LEGACY_OFFICE: _(
        "Old Word files (.doc) are not accepted. Open the file, save it as DOCX or PDF, "
        "and upload the new file."
    ),
    checks.ARCHIVE: _(
        "Archives such as ZIP files are not accepted. Unpack the archive and upload the "
        "documents one at a time."
    ),
    checks.EXECUTABLE: _(
        "This file is a program or a script, not a document, whatever its name says. "
        "It was not uploaded. Upload the document itself."
    ),
    checks.ACTIVE_CONTENT: _(
        "The document contains macros, scripts, embedded files or other active content, "
        "which are not accepted. Save it without them (for example as a new PDF, or as "
        "DOCX instead of DOCM) and upload it again."
    ),
    checks.ENCRYPTED: _(
        "The file is encrypted or protected by a password, so it cannot be checked. "
        "Save a copy without the password and upload that copy."
    ),
    checks.BOMB: _(
        "The file unpacks to far more data than its size suggests, or holds archives "
        "nested too deeply. It was refused to protect the system. Save the document "
        "again (for example as PDF) and upload that file."
    ),
    checks.POLYGLOT: _(
        "The file is several file types at once, a trick used to hide harmful content. "
        "Save the document again in one format (for example as PDF) and upload that file."
    ),
    checks.MALFORMED: _(
        "The file is damaged or incomplete and cannot be read. Open it, save it again, "
        "and upload the new file."
    ),
    checks.TOO_MANY_PIXELS: _(
        "The image has more than %(limit)s megapixels. Reduce its resolution and upload it again."
    ),
    checks.TOO_COMPLEX: _(
        "The file could not be checked within the time and memory allowed. Save it again "
        "in a simpler form (for example as PDF) and upload that file."
    ),
}


def _join(*parts: object) -> str:
    return " ".join(str(part) for part in parts)


def _format(message: object, limit: str) -> str:
    return str(message) % {"limit": limit}


_lazy_join = lazy(_join, str)
_lazy_format = lazy(_format, str)


class UploadRefused(ApplicationError):
    """An uploaded file was refused by its content; nothing was stored.

    `reason` is the checks module's reason code, also in `code` as `upload_<reason>`.
    """

    status = 400
    code = "upload_refused"
    default_message = MESSAGES[checks.UNSUPPORTED]

    def __init__(self, reason: str, *, limit: str | None = None) -> None:
        self.reason = reason
        message: object = MESSAGES[reason]
        if limit is not None:
            message = _lazy_format(message, limit)
        if reason in (checks.UNSUPPORTED, checks.EXECUTABLE):
            # Say what is accepted instead.
            message = _lazy_join(message, ACCEPTED)
        super().__init__(message, code=f"upload_{reason}")  # type: ignore[arg-type]
