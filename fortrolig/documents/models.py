"""The encrypted document vault (P-27, P-29)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fortrolig.candidates.models import Candidate
from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey


class DocumentKind(models.TextChoices):
    CV = "cv", _("CV")
    APPLICATION_LETTER = "application_letter", _("Application letter")
    CERTIFICATE = "certificate", _("Certificate")
    DIPLOMA = "diploma", _("Diploma")
    TEST_RESULT = "test_result", _("Test result")
    OTHER = "other", _("Other")


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for text extraction")
    DONE = "done", _("Text extracted")
    FAILED = "failed", _("Text could not be extracted")
    NOT_APPLICABLE = "not_applicable", _("No text to extract")


class Document(AgencyScopedModel):
    """One file of one candidate, stored encrypted under the candidate's data key.

    The blob lives in Django's storage under a random name; it is served only by an
    authorised view that records an audit event, never from a public path.
    """

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="documents")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    # File names often hold the person's name ("CV Ola Nordmann.pdf"): encrypted too.
    filename = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    blob_name = models.CharField(max_length=200, unique=True)
    # Keyed hash of the plaintext bytes: finds the same file twice (on merge) without
    # letting anyone confirm a guessed file against the database.
    content_hash = models.CharField(max_length=64)
    extraction_status = models.CharField(
        max_length=20, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING
    )
    extracted_text = EncryptedTextField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["agency", "candidate"], name="document_candidate_idx"),
            models.Index(fields=["extraction_status"], name="document_extraction_idx"),
        ]
