"""The base model, the tenant (Agency), data keys for envelope encryption, and job runs."""

import uuid
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import validate_org_number


class BaseModel(models.Model):
    """UUID primary key and creation/update times, for every domain table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class AgencySettings:
    """An agency's configurable values. Defaults are the bold numbers of PROMISES.md; every
    value is defined here once and read from here by the code and the policy text (P-01)."""

    candidate_retention_months: int = 24
    renewal_notice_days: tuple[int, ...] = (30, 7)
    renewal_extension_months: int = 24
    share_link_days: int = 14
    request_due_months: int = 1
    payroll_retention_years_after_financial_year: int = 5
    client_credit_threshold: int = 50
    # Client contacts and signed agreements are kept this long after the agreement ends.
    client_retention_months_after_agreement: int = 12

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AgencySettings":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "renewal_notice_days" in values:
            values["renewal_notice_days"] = tuple(values["renewal_notice_days"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["renewal_notice_days"] = list(self.renewal_notice_days)
        return data


class Agency(BaseModel):
    """The tenant. Every domain row carries its agency; no query crosses agencies."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    org_number = models.CharField(
        _("organisation number"), max_length=9, unique=True, validators=[validate_org_number]
    )
    contact_email = models.EmailField(_("public contact email"))
    daily_manager_name = models.CharField(_("daily manager"), max_length=200)
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(org_number__regex=r"^[0-9]{9}$"), name="agency_org_number_9_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def config(self) -> AgencySettings:
        return AgencySettings.from_json(self.settings or {})


class AgencyScopedModel(BaseModel):
    """A domain row that belongs to one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class DataKey(BaseModel):
    """A data subject's AES-256 key, wrapped by the agency's master key (P-27).

    Destroying it (wrapped_key set to NULL) crypto-shreds every ciphertext made with it,
    in the database, in stored files and in backups.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="data_keys")
    wrapped_key = models.BinaryField(null=True)
    master_key_id = models.CharField(max_length=40)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(wrapped_key__isnull=True) & Q(destroyed_at__isnull=False))
                | (Q(wrapped_key__isnull=False) & Q(destroyed_at__isnull=True)),
                name="datakey_destroyed_iff_no_key",
            ),
        ]
        indexes = [models.Index(fields=["master_key_id"], name="datakey_master_key_idx")]


class JobRun(BaseModel):
    """One run of a scheduled job, for the dashboard. Holds counts, never personal data."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    job = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job_started_idx")]
