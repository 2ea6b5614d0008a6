"""The privacy engine's records: the processing register (P-02), policy versions (P-01),
consents (P-16, P-18), legal holds and retention sweeps (P-18), and paper (P-30)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import Client, ClientContact
from fortrolig.core.models import AgencyScopedModel, BaseModel


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR Art. 6(1)(c))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (GDPR Art. 6(1)(f))")


class ProcessingActivity(AgencyScopedModel):
    """One entry of the agency's record of processing activities (GDPR Art. 30, P-02).

    Seeded with defaults that the manager edits. Retention is not free text: it names a
    retention clock, and the period comes from the agency's settings, so the register, the
    policy page and the sweep state the same period (P-01).
    """

    key = models.SlugField(_("key"), max_length=60)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    purpose_nb = models.TextField(_("purpose (Norwegian)"))
    purpose_en = models.TextField(_("purpose (English)"))
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    legal_basis_note_nb = models.CharField(
        _("legal basis note (Norwegian)"), max_length=300, blank=True
    )
    legal_basis_note_en = models.CharField(
        _("legal basis note (English)"), max_length=300, blank=True
    )
    # Values of privacy.datamap.Category.
    data_categories = models.JSONField(_("data categories"), default=list)
    # Values of DataSubjectGroup.
    data_subjects = models.JSONField(_("data subjects"), default=list)
    recipients_nb = models.TextField(_("recipients (Norwegian)"), blank=True)
    recipients_en = models.TextField(_("recipients (English)"), blank=True)
    # A value of privacy.datamap.RetentionClock; the period comes from the agency's settings.
    retention_clock = models.CharField(_("retention rule"), max_length=30)
    security_measures_nb = models.TextField(_("security measures (Norwegian)"), blank=True)
    security_measures_en = models.TextField(_("security measures (English)"), blank=True)
    # Blank: the daily manager is responsible (P-02).
    responsible_name = models.CharField(_("responsible person"), max_length=200, blank=True)
    responsible_role = models.CharField(_("responsible person's role"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["order", "name_nb"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "key"], name="processing_activity_key_unique"
            ),
        ]


class PolicyVersion(AgencyScopedModel):
    """A published version of the agency's privacy policy (P-01). A new version is made
    whenever the rendered text changes; consents record the version the person saw."""

    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"))
    content_hash = models.CharField(max_length=64)
    text_nb = models.TextField()
    text_en = models.TextField()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="policy_version_unique"),
        ]


class ConsentPurpose(models.TextChoices):
    STORAGE_EXTENSION = "storage_extension", _("Keep my data beyond the standard period")
    JOB_ALERTS = "job_alerts", _("Job alerts")
    CLIENT_PRESENTATION = "client_presentation", _("Presentation to a named client")


class ConsentChannel(models.TextChoices):
    JOB_BOARD = "job_board", _("Job board")
    PORTAL = "portal", _("Candidate portal")
    EMAIL_LINK = "email_link", _("Link in an email")
    CONSULTANT = "consultant", _("Recorded by a consultant")
    PAPER = "paper", _("On paper")


class Consent(AgencyScopedModel):
    """A person's consent to one purpose, with the policy version they saw (P-16, P-18).

    Withdrawal takes effect at once: a consent counts only while `withdrawn_at` is empty and
    `expires_at` is in the future.
    """

    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    client_contact = models.ForeignKey(
        ClientContact, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    # For a presentation to a named client.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Details of the purpose, e.g. which job alerts; codes only.
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    given_at = models.DateTimeField(_("given"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, client_contact__isnull=True)
                | Q(candidate__isnull=True, client_contact__isnull=False),
                name="consent_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(purpose="client_presentation", client__isnull=False)
                | (~Q(purpose="client_presentation") & Q(client__isnull=True)),
                name="consent_client_only_for_presentation",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "candidate", "purpose"], name="consent_candidate_idx"),
            models.Index(
                fields=["agency", "client_contact", "purpose"], name="consent_contact_idx"
            ),
        ]


class LegalHold(AgencyScopedModel):
    """A pause of a subject's retention clock, with its reason and who set it (P-18)."""

    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="legal_holds"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="legal_holds"
    )
    # A reason code and a note; the note must not hold personal data of others.
    reason = models.CharField(_("reason"), max_length=300)
    set_at = models.DateTimeField(_("set"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate__isnull=False, client__isnull=True)
                | Q(candidate__isnull=True, client__isnull=False),
                name="legal_hold_one_subject",
            ),
        ]


class SweepStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RetentionSweep(BaseModel):
    """One run of the retention sweep: when, as of which time, and what it erased. Counts
    and failure codes only, never personal data."""

    as_of = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=SweepStatus.choices, default=SweepStatus.RUNNING
    )
    # {"candidates.Candidate": 12, ...}
    erased = models.JSONField(default=dict)
    failures = models.JSONField(default=list)

    class Meta:
        verbose_name = _("retention sweep")
        verbose_name_plural = _("retention sweeps")
        indexes = [models.Index(fields=["-started_at"], name="sweep_started_idx")]


class PaperKind(models.TextChoices):
    CV = "cv", _("CV")
    APPLICATION_LETTER = "application_letter", _("Application letter")
    CERTIFICATE = "certificate", _("Certificate")
    DIPLOMA = "diploma", _("Diploma")
    POLICE_CERTIFICATE = "police_certificate", _("Police certificate")
    IDENTITY_DOCUMENT = "identity_document", _("Copy of an identity document")
    REFERENCE = "reference", _("Reference")
    AGREEMENT = "agreement", _("Agreement")
    OTHER = "other", _("Other")


class PaperDocument(AgencyScopedModel):
    """A paper document, registered when received (P-30): where it is locked away, when it
    was scanned (the scan is a document in the vault), and when and by whom it was shredded."""

    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=PaperKind.choices)
    received_on = models.DateField(_("received on"))
    storage_location = models.CharField(_("locked away in"), max_length=200)
    scanned_at = models.DateTimeField(_("scanned"), null=True, blank=True)
    scan = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shredded_at = models.DateTimeField(_("shredded"), null=True, blank=True)
    shredded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("paper document")
        verbose_name_plural = _("paper documents")
        indexes = [
            models.Index(
                fields=["agency", "received_on"],
                condition=Q(shredded_at__isnull=True),
                name="paper_unshredded_idx",
            ),
        ]


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction")
    OBJECTION = "objection", _("Objection")
    PORTABILITY = "portability", _("Portability")


class RequestChannel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")


class RequestSubjectType(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CLIENT_CONTACT = "client_contact", _("Client contact")
    EMPLOYEE = "employee", _("Employee")


class RequestStatus(models.TextChoices):
    # Waiting for the identity check (a code sent to the address on file).
    AWAITING_IDENTITY = "awaiting_identity", _("Waiting for identity check")
    OPEN = "open", pgettext_lazy("request status", "Open")
    EXTENDED = "extended", _("Extended")
    DONE = "done", _("Answered")
    REFUSED = "refused", _("Refused")


class IdentityMethod(models.TextChoices):
    PORTAL_LOGIN = "portal_login", _("Logged in to the portal")
    EMAIL_CODE = "email_code", _("Code sent to the address on file")
    DOCUMENT_SEEN = "document_seen", _("Identity document seen by staff")
    KNOWN_CONTACT = "known_contact", _("Known contact, confirmed by staff")


class DataSubjectRequest(AgencyScopedModel):
    """A data-subject request (P-24): what was asked, about whom, how the person was
    identified, when it is due, and how it was answered.

    The subject is kept as a type and an ID (`subject_id`) as well as a foreign key, so that
    the request and its receipt outlive an erasure: the ID then resolves to nobody.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=RequestChannel.choices)
    subject_type = models.CharField(_("about"), max_length=20, choices=RequestSubjectType.choices)
    subject_id = models.UUIDField(_("subject"))
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_contact = models.ForeignKey(
        ClientContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"))
    # The same day of the next calendar month (or that month's last day), in Europe/Oslo.
    due_on = models.DateField(_("due"))
    extended_due_on = models.DateField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extension_notice_at = models.DateTimeField(_("extension notice sent"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    identity_method = models.CharField(
        _("identity check"), max_length=20, choices=IdentityMethod.choices, blank=True
    )
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A one-time code sent to the address on file, stored as a keyed hash.
    verification_code_hash = models.CharField(max_length=64, blank=True)
    verification_code_expires_at = models.DateTimeField(null=True, blank=True)
    verification_attempts = models.PositiveSmallIntegerField(default=0)
    # What the person asked, in their words (rectification details, the objection's grounds).
    details = models.TextField(_("details"), blank=True)
    response = models.TextField(_("response"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_due_on__isnull=True)
                | Q(extended_due_on__gt=models.F("due_on")),
                name="request_extension_after_due",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "due_on"], name="request_queue_idx"),
            models.Index(fields=["agency", "subject_id"], name="request_subject_idx"),
        ]


class RequestEvent(BaseModel):
    """One step in a request's history: a code and field names, never personal values."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at"]


class ErasureReceipt(AgencyScopedModel):
    """Proof of an erasure (P-22): what was erased, when, under which request, and what was
    kept under which rule. No personal data."""

    request = models.ForeignKey(
        DataSubjectRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_type = models.CharField(max_length=20, choices=RequestSubjectType.choices)
    subject_id = models.UUIDField()
    erased_at = models.DateTimeField()
    # {"candidates.Candidate": 1, "documents.Document": 3, "blobs": 3, ...}
    erased = models.JSONField(default=dict)
    # [{"what": "payroll", "rule": "bokforingsloven_13", "until": "2031-12-31"}]
    kept = models.JSONField(default=list)


class ErasedIdentity(AgencyScopedModel):
    """A keyed hash of an erased person's email: keeps their opt-outs and stops an import
    from bringing them back (P-22). Not reversible without the lookup key."""

    email_hash = models.CharField(max_length=64)
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "email_hash"], name="erased_identity_unique"),
        ]
