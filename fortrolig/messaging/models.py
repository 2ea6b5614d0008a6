"""The outbox: every email the system sends, as it was sent (P-10)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fortrolig.core.models import AgencyScopedModel


class OutboundEmail(AgencyScopedModel):
    """One email to one recipient.

    Subject and bodies are rendered when the email is queued, so that the outbox shows
    exactly what was sent, even if the template changes later. The context the template was
    rendered with is not kept: only the result. `last_error` holds a code, never the SMTP
    server's reply, which can quote the recipient's address.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.EmailField(_("recipient"))
    from_email = models.CharField(_("sender"), max_length=254)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=60, blank=True)
    # Set while a worker is talking to the mail server about this email: another worker
    # that gets the same task backs off until then (see services.email_send).
    sending_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        constraints = [
            # A sent email has a send time, and only a sent email has one.
            models.CheckConstraint(
                condition=(Q(status="sent") & Q(sent_at__isnull=False))
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outboundemail_sent_iff_sent_at",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed"]),
                name="outboundemail_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="outbox_agency_created_idx"),
            models.Index(fields=["status", "created_at"], name="outbox_status_created_idx"),
            # Erasure deletes a person's emails by recipient (P-22).
            models.Index(fields=["agency", "recipient"], name="outbox_recipient_idx"),
        ]

    def __str__(self) -> str:
        # No recipient or subject: a str() can end up in a log line.
        return f"OutboundEmail {self.pk} ({self.template}, {self.status})"


class SuppressionReason(models.TextChoices):
    OBJECTION = "objection", _("Objection to marketing")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")


class Suppression(AgencyScopedModel):
    """An address that gets no marketing email from the agency (job alerts, news): an
    opt-out or an objection to marketing (GDPR Art. 21(3)). Kept as a keyed hash only, so
    that it outlives an erasure of the person without keeping their address (P-16, P-22)."""

    email_hash = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    suppressed_at = models.DateTimeField(_("suppressed"))

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.UniqueConstraint(fields=["agency", "email_hash"], name="suppression_unique"),
        ]

    def __str__(self) -> str:
        return f"Suppression {self.pk}"
