"""The suppression list (P-16, GDPR Art. 21(3)): addresses that get no marketing email.

An objection to marketing or an unsubscribe adds the address, as a keyed hash, at once and
for good: the policy promises that an opted-out address is never emailed marketing again,
not even after an erasure, so a later job-alert consent does not take it off the list.
Marketing templates (`EmailTemplate.marketing`) are refused for a suppressed address when
they are queued.
"""

from datetime import datetime

from django.db import transaction

from fortrolig.audit.services import Actor, record
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.models import Agency

from .models import Suppression, SuppressionReason

__all__ = ["email_suppressed", "suppression_add", "suppression_hash"]

HASH_PURPOSE = "suppression-email"


def suppression_hash(email: str) -> str:
    """The keyed hash the list holds for `email` (case and surrounding blanks ignored)."""
    return keyed_hash(email, purpose=HASH_PURPOSE)


def suppression_add(
    *, agency: Agency, actor: Actor, email: str, reason: str, now: datetime
) -> Suppression | None:
    """Put `email` on the agency's suppression list, at once. Idempotent: an address that
    is already there keeps its first entry. Returns None for an empty address. Raises
    ValueError for an unknown reason (a programming error). Records
    `messaging.suppression.added` (no values)."""
    require_aware(now)
    if reason not in SuppressionReason.values:
        raise ValueError("unknown suppression reason")
    if not (email or "").strip():
        return None
    with transaction.atomic():
        entry, created = Suppression.objects.get_or_create(
            agency=agency,
            email_hash=suppression_hash(email),
            defaults={"reason": reason, "suppressed_at": now},
        )
        if created:
            record(
                agency=agency,
                actor=actor,
                action="messaging.suppression.added",
                subject=entry,
                fields=["email_hash", "reason"],
                purpose=reason,
                now=now,
            )
    return entry


def email_suppressed(*, agency: Agency, email: str) -> bool:
    """Whether `email` is on the agency's suppression list."""
    if not (email or "").strip():
        return False
    return Suppression.objects.filter(agency=agency, email_hash=suppression_hash(email)).exists()
