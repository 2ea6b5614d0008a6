"""The audit trail (P-28): append-only events, one hash chain per agency."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fortrolig.core.models import Agency

GENESIS_HASH = "0" * 64


class ActorType(models.TextChoices):
    STAFF = "staff", _("staff member")
    CANDIDATE = "candidate", _("candidate")
    CLIENT_CONTACT = "client_contact", _("client contact")
    API = "api", _("API token")
    SYSTEM = "system", _("system")


class AuditEvent(models.Model):
    """One view, change, export or disclosure. IDs and field names only, never values.

    A database trigger refuses UPDATE and DELETE (see audit.triggers).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor_type = models.CharField(max_length=20, choices=ActorType.choices)
    actor_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=100)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.UUIDField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=100, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "seq"], name="audit_event_agency_seq_uniq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_event_seq_positive"),
        ]
        indexes = [
            models.Index(fields=["agency", "subject_type", "subject_id"], name="audit_subject_idx"),
            models.Index(fields=["agency", "actor_id"], name="audit_actor_idx"),
            models.Index(fields=["agency", "action"], name="audit_action_idx"),
            models.Index(fields=["agency", "occurred_at"], name="audit_occurred_idx"),
        ]


class AuditChainHead(models.Model):
    """The last event of an agency's chain. Its row lock serialises writers, so that two
    concurrent transactions can never fork the chain."""

    agency = models.OneToOneField(
        Agency, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)


class AuditVerification(models.Model):
    """The result of one `audit_verify` over one agency's chain."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    ran_at = models.DateTimeField()
    ok = models.BooleanField()
    events_checked = models.BigIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    first_bad_event_id = models.UUIDField(null=True, blank=True)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "-ran_at"], name="audit_verif_agency_idx")]
