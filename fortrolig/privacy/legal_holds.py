"""Legal holds (P-18): a pause of a subject's retention clock, with a reason and who set it.

While a candidate has an active hold, its `erase_after` is empty and the sweep leaves it
alone. When the last hold on it is released the deadline is computed again from the data:
a hold adds no time, so a deadline that passed during the hold makes the candidate due at
the next sweep. A hold on a client company is recorded the same way; clients are not swept
yet (see retention.py), so for them it is a record for the day they are.
"""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import Client
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .models import LegalHold

__all__ = [
    "REASON_MAX_LENGTH",
    "legal_hold_get",
    "legal_hold_release",
    "legal_hold_set",
    "legal_holds_active",
]

REASON_MAX_LENGTH = 300
MSG_REASON_EMPTY = _("Give the reason for the hold, such as a case or claim number.")
MSG_REASON_LONG = _("Keep the reason under %(limit)s characters.")
MSG_ONE_SUBJECT = _("A hold is on one candidate or one client.")


def _staff_id(actor: Actor) -> uuid.UUID | None:
    return actor.id if actor.type == ActorType.STAFF else None


def _reason_clean(reason: str) -> str:
    clean = " ".join((reason or "").split())
    if not clean:
        raise ValidationFailed(MSG_REASON_EMPTY, field_errors={"reason": [str(MSG_REASON_EMPTY)]})
    if len(clean) > REASON_MAX_LENGTH:
        message = MSG_REASON_LONG % {"limit": REASON_MAX_LENGTH}
        raise ValidationFailed(message, field_errors={"reason": [str(message)]})
    return clean


def legal_hold_set(
    *,
    agency: Agency,
    actor: Actor,
    reason: str,
    now: datetime,
    candidate_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> LegalHold:
    """Put a legal hold on one candidate or one client of `agency`, with a reason (a case
    reference; it must not hold other people's data). A candidate's clock stops at once:
    its `erase_after` is cleared in the same transaction, so no sweep can take it. Records
    `retention.legal_hold.set` about the subject.

    Raises ValidationFailed (nothing stored) for a missing or too long reason, and NotFound
    for a subject outside the agency (or already erased).
    """
    require_aware(now)
    if (candidate_id is None) == (client_id is None):
        raise ValidationFailed(MSG_ONE_SUBJECT, field_errors={"subject": [str(MSG_ONE_SUBJECT)]})
    clean = _reason_clean(reason)
    with transaction.atomic():
        subject: Candidate | Client
        if candidate_id is not None:
            # Locked: a sweep that holds the row finishes first (then the candidate is gone
            # and this raises NotFound); one that comes later sees the hold.
            candidate = (
                Candidate.objects.select_for_update()
                .filter(agency=agency, pk=candidate_id)
                .only("id", "agency_id")
                .first()
            )
            if candidate is None:
                raise NotFound()
            subject = candidate
        else:
            assert client_id is not None
            client = Client.objects.select_for_update().filter(agency=agency, pk=client_id).first()
            if client is None:
                raise NotFound()
            subject = client
        hold = LegalHold.objects.create(
            agency=agency,
            candidate_id=candidate_id,
            client_id=client_id,
            reason=clean,
            set_at=now,
            set_by_id=_staff_id(actor),
        )
        if candidate_id is not None:
            Candidate.objects.filter(pk=candidate_id).update(erase_after=None)
        record(
            agency=agency,
            actor=actor,
            action="retention.legal_hold.set",
            subject=subject,
            fields=["reason"],
            purpose="legal_hold",
            now=now,
        )
    return hold


def legal_hold_release(
    *, agency: Agency, actor: Actor, hold_id: uuid.UUID, now: datetime
) -> LegalHold:
    """Release a hold. When no other hold remains on the candidate, its deadline is
    computed again (and is due at the next sweep if it passed meanwhile). Releasing twice
    changes nothing. Records `retention.legal_hold.released`. Raises NotFound.
    """
    require_aware(now)
    from .retention import candidate_erase_after_refresh

    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(agency=agency, pk=hold_id).first()
        if hold is None:
            raise NotFound()
        if hold.released_at is not None:
            return hold
        hold.released_at = now
        hold.released_by_id = _staff_id(actor)
        hold.save(update_fields=["released_at", "released_by", "updated_at"])
        subject = (
            SubjectRef(type="candidates.candidate", id=hold.candidate_id)
            if hold.candidate_id
            else SubjectRef(type="clients.client", id=hold.client_id)
        )
        record(
            agency=agency,
            actor=actor,
            action="retention.legal_hold.released",
            subject=subject,
            fields=["released_at"],
            purpose="legal_hold",
            now=now,
        )
        if hold.candidate_id is not None:
            candidate_erase_after_refresh(candidate_id=hold.candidate_id, now=now)
    return hold


def legal_holds_active(*, agency: Agency) -> QuerySet[LegalHold]:
    """The agency's holds that are in force, newest first."""
    return (
        LegalHold.objects.filter(agency=agency, released_at__isnull=True)
        .select_related("set_by")
        .order_by("-set_at", "id")
    )


def legal_hold_get(*, agency: Agency, hold_id: uuid.UUID) -> LegalHold:
    """One of the agency's holds. Raises NotFound."""
    hold = LegalHold.objects.filter(agency=agency, pk=hold_id).first()
    if hold is None:
        raise NotFound()
    return hold
