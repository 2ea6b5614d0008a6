"""Candidates (P-05, P-06) and their references."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey

from .masking import national_id_masked


class Source(models.TextChoices):
    """Where a candidate record came from (P-06). Required on every record."""

    APPLICATION = "application", _("Application on our site")
    CONSULTANT = "consultant", _("Entered by a consultant")
    IMPORT = "import", _("Import")
    CAMPAIGN = "campaign", _("Social media campaign by a partner")


class Availability(models.TextChoices):
    IMMEDIATELY = "immediately", _("Available now")
    NOTICE_PERIOD = "notice_period", _("After a notice period")
    FROM_DATE = "from_date", _("From a given date")
    UNAVAILABLE = "unavailable", _("Not available")
    UNKNOWN = "unknown", _("Unknown")


class Candidate(AgencyScopedModel):
    """A person the agency may present to clients (P-05).

    The national identity number is encrypted under the candidate's data key (P-27).
    Email and phone carry keyed hashes so that duplicates are found without comparing
    plaintext.
    """

    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    email_hash = models.CharField(max_length=64, blank=True)
    # E.164, normalised with phonenumbers.
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    national_id = EncryptedTextField(_("national identity number"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("location"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    desired_roles = models.JSONField(_("desired roles"), default=list, blank=True)
    availability = models.CharField(
        _("availability"), max_length=20, choices=Availability.choices, default=Availability.UNKNOWN
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    summary = models.TextField(_("profile summary"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_partner = models.CharField(_("campaign partner"), max_length=200, blank=True)
    # P-23: a restricted candidate is stored but left out of search, lists and sharing.
    restricted = models.BooleanField(_("processing restricted"), default=False)
    last_activity_at = models.DateTimeField(_("last activity"))
    # The retention deadline (P-18): computed by the privacy engine from the last activity
    # and any storage consent; empty while a legal hold pauses the clock.
    erase_after = models.DateTimeField(_("erase after"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="campaign") | ~Q(source_partner=""),
                name="candidate_campaign_names_partner",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["application", "consultant", "import", "campaign"]),
                name="candidate_source_known",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "email_hash"], name="candidate_email_hash_idx"),
            models.Index(fields=["agency", "phone_hash"], name="candidate_phone_hash_idx"),
            models.Index(fields=["agency", "birth_date"], name="candidate_birth_date_idx"),
            models.Index(
                fields=["agency", "restricted", "-last_activity_at"], name="candidate_list_idx"
            ),
            models.Index(fields=["erase_after"], name="candidate_erase_after_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def national_id_masked(self) -> str:
        """The national identity number with only its last three digits shown."""
        value = self.national_id  # decrypted by the field on first read
        return national_id_masked(value if isinstance(value, str) else None)


class Reference(AgencyScopedModel):
    """A person who may be asked about the candidate, and what they may be asked about.

    The reference's own contact details are another person's data: they are left out of
    the candidate's access export (issue: data-subject requests).
    """

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="references")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation to the candidate"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    may_ask_about = models.TextField(_("may be asked about"), blank=True)

    class Meta:
        verbose_name = _("reference")
        verbose_name_plural = _("references")


class CheckKind(models.TextChoices):
    POLICE_CERTIFICATE = "police_certificate", _("Police certificate")
    SECURITY_CLEARANCE = "security_clearance", _("Security clearance")
    CREDIT_CHECK = "credit_check", _("Credit check")


class CheckStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested; the candidate has been told")
    RECEIVED = "received", _("Received")
    DESTROYED = "destroyed", _("Destroyed; only the note remains")


class CheckOutcome(models.TextChoices):
    SATISFACTORY = "satisfactory", _("Checked, satisfactory")
    NOT_SATISFACTORY = "not_satisfactory", _("Checked, not satisfactory")


class BackgroundCheck(AgencyScopedModel):
    """A police certificate, security clearance or credit check for one application (P-07).

    Requested only for a position that requires it, after the candidate is told. The
    document and its details are encrypted under the candidate's data key and destroyed
    when the assignment ends or the candidate leaves it; only the dated outcome remains.
    """

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="background_checks"
    )
    application = models.ForeignKey(
        "assignments.Application", on_delete=models.PROTECT, related_name="background_checks"
    )
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=CheckKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CheckStatus.choices, default=CheckStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested"))
    notice_sent_at = models.DateTimeField(_("candidate told"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    filename = EncryptedTextField(_("file name"), null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    blob_name = models.CharField(max_length=200, blank=True)
    details = EncryptedTextField(_("details"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=CheckOutcome.choices, blank=True
    )
    outcome_on = models.DateField(_("checked on"), null=True, blank=True)
    destroyed_at = models.DateTimeField(_("destroyed"), null=True, blank=True)
    # The assignment's end; set when it ends (P-07).
    erase_after = models.DateTimeField(_("erase after"), null=True, blank=True)

    class Meta:
        verbose_name = _("background check")
        verbose_name_plural = _("background checks")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="destroyed")
                | (Q(blob_name="", filename__isnull=True, details__isnull=True)),
                name="background_check_destroyed_is_empty",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "candidate"], name="bgcheck_candidate_idx"),
            models.Index(fields=["erase_after"], name="bgcheck_erase_after_idx"),
        ]
