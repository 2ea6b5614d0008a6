"""Assignments for clients, their positions, the pipeline, applications, and job ads with
their publications (P-13, P-14, P-15)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import Client
from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey


class AssignmentKind(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment")
    STAFFING = "staffing", _("Staffing")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ENDED = "ended", _("Ended")


class Assignment(AgencyScopedModel):
    """A recruitment or staffing assignment for a client.

    A confidential client (P-15) is hidden from candidates, in ads and on every
    candidate-facing page, until a consultant releases its name
    (`client_name_released_at`). Ending the assignment (`ended_at`) is the event on which
    background checks are destroyed (P-07).
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assignments")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AssignmentKind.choices)
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible consultant"),
    )
    confidential_client = models.BooleanField(_("confidential client"), default=False)
    client_name_released_at = models.DateTimeField(_("client name released"), null=True, blank=True)
    client_name_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("planned end date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="ended") & Q(ended_at__isnull=False))
                | (Q(status="open") & Q(ended_at__isnull=True)),
                name="assignment_ended_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "-starts_on"], name="assignment_list_idx"),
            models.Index(fields=["agency", "client"], name="assignment_client_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def client_name_hidden(self) -> bool:
        """True while candidates must not learn who the client is (P-15)."""
        return self.confidential_client and self.client_name_released_at is None


class Position(AgencyScopedModel):
    """One position to fill in an assignment, with the background checks it requires (P-07)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(_("title"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    openings = models.PositiveSmallIntegerField(_("number of openings"), default=1)
    requires_police_certificate = models.BooleanField(
        _("requires a police certificate"), default=False
    )
    requires_security_clearance = models.BooleanField(
        _("requires security clearance"), default=False
    )
    requires_credit_check = models.BooleanField(_("requires a credit check"), default=False)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.CheckConstraint(condition=Q(openings__gte=1), name="position_openings_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class StageOutcome(models.TextChoices):
    OPEN = "open", _("In progress")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Not going further")


class PipelineStage(AgencyScopedModel):
    """One column of the agency's pipeline. Agencies configure their own; a default set is
    created with the agency's first assignment."""

    name_nb = models.CharField(_("name (Norwegian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=StageOutcome.choices, default=StageOutcome.OPEN
    )
    # The stage a new application lands in; exactly one per agency.
    is_initial = models.BooleanField(_("first stage"), default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(is_initial=True, archived_at__isnull=True),
                name="pipeline_one_initial_stage",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nb").startswith("en") else self.name_nb


class ApplicationSource(models.TextChoices):
    JOB_BOARD = "job_board", _("Applied on the job board")
    CONSULTANT = "consultant", _("Added by a consultant")
    API = "api", _("Through the API")


class Application(AgencyScopedModel):
    """A candidate in the pipeline of one position.

    An application through the job board records the candidate's acknowledgement that
    their CV and details may be shared with the client for this recruitment, and their
    separate, optional job-alert choices. `submission_key` makes a submitted form land
    once, however often it is sent.
    """

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="applications")
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="applications")
    source = models.CharField(_("source"), max_length=20, choices=ApplicationSource.choices)
    # The candidate's data key: the cover letter is encrypted with it, and dies with it.
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    cover_letter = EncryptedTextField(_("application letter"), null=True, blank=True)
    sharing_acknowledged_at = models.DateTimeField(
        _("agreed to sharing with the client"), null=True, blank=True
    )
    alerts_similar_jobs = models.BooleanField(_("alerts for similar jobs"), default=False)
    alerts_same_location = models.BooleanField(_("alerts for jobs in this location"), default=False)
    submission_key = models.CharField(max_length=64, blank=True)
    stage_changed_at = models.DateTimeField(_("moved to this stage"))

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "position"], name="application_one_per_position"
            ),
            models.UniqueConstraint(
                fields=["agency", "submission_key"],
                condition=~Q(submission_key=""),
                name="application_submission_once",
            ),
            # A job-board application always carries the sharing acknowledgement.
            models.CheckConstraint(
                condition=~Q(source="job_board") | Q(sharing_acknowledged_at__isnull=False),
                name="application_board_acknowledged",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "position", "stage"], name="application_board_idx"),
            models.Index(fields=["agency", "candidate"], name="application_candidate_idx"),
        ]


class AdStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class JobAd(AgencyScopedModel):
    """A job ad for a position. Its verification code is printed on the ad; `/verify/`
    answers whether an ad with that code, found at a given address, is genuine (P-13)."""

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="ads")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    employment_type = models.CharField(_("employment type"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=2, default="nb")
    apply_by = models.DateField(_("application deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AdStatus.choices, default=AdStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("job ad")
        verbose_name_plural = _("job ads")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="jobad_published_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="jobad_board_idx"),
            models.Index(fields=["agency", "status"], name="jobad_agency_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    OWN_SITE = "own_site", _("Our own site")
    FINN = "finn", _("FINN.no")
    NAV = "nav", _("NAV (arbeidsplassen.no)")
    LINKEDIN = "linkedin", _("LinkedIn")
    OTHER = "other", _("Other")


class AdPublication(AgencyScopedModel):
    """Where and when the agency published an ad (P-14). An address not on this record is
    not an authorised copy."""

    ad = models.ForeignKey(JobAd, on_delete=models.CASCADE, related_name="publications")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    channel_name = models.CharField(_("channel name"), max_length=100, blank=True)
    url = models.URLField(_("address"), max_length=500)
    # Scheme-, case- and query-insensitive form of `url`, for matching an address a visitor
    # pastes into /verify/.
    url_key = models.CharField(max_length=500, db_index=True)
    published_on = models.DateField(_("published on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["ad", "url_key"], name="publication_once_per_url"),
            models.CheckConstraint(
                condition=~Q(channel="other") | ~Q(channel_name=""),
                name="publication_other_names_channel",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("published_on")),
                name="publication_removed_after_published",
            ),
        ]
