"""Restriction of processing (P-23): a restricted candidate stays stored but is left out of
search, lists, sharing, outgoing email and imports' matching. The selectors and services
that could process a candidate check `Candidate.restricted`; this module sets and lifts it.

Lifting tells the person first: the notice email is queued before the flag changes, in
the same transaction, so that the restriction is never lifted without the notice.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction

from fortrolig.audit.services import Actor, record
from fortrolig.candidates.models import Candidate
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency
from fortrolig.messaging import registry
from fortrolig.messaging.services import email_queue
from fortrolig.privacy.policy import policy_path
from fortrolig.search.services import search_index_refresh

__all__ = ["LIFTED_ACTION", "RESTRICTED_ACTION", "subject_restrict", "subject_restriction_lift"]

RESTRICTED_ACTION = "privacy.candidate.restricted"
LIFTED_ACTION = "privacy.candidate.restriction_lifted"


def _locked(agency: Agency, candidate_id: uuid.UUID) -> Candidate:
    candidate = Candidate.objects.select_for_update().filter(agency=agency, pk=candidate_id).first()
    if candidate is None:
        raise NotFound()
    return candidate


def subject_restrict(
    *, agency: Agency, actor: Actor, candidate_id: uuid.UUID, now: datetime
) -> Candidate:
    """Restrict the processing of the candidate (P-23): the search entry goes at once.
    Idempotent. Raises NotFound for another agency's or an unknown candidate."""
    require_aware(now)
    with transaction.atomic():
        candidate = _locked(agency, candidate_id)
        if not candidate.restricted:
            Candidate.objects.filter(pk=candidate.pk).update(restricted=True)
            candidate.restricted = True
            record(
                agency=agency,
                actor=actor,
                action=RESTRICTED_ACTION,
                subject=candidate,
                fields=["restricted"],
                now=now,
            )
        # In this transaction, not after it: the entry must not outlive the restriction.
        search_index_refresh(candidate_id=candidate.id)
    return candidate


def subject_restriction_lift(
    *, agency: Agency, actor: Actor, candidate_id: uuid.UUID, language: str, now: datetime
) -> Candidate:
    """Lift the restriction, after queueing the notice to the person (P-23). A candidate
    without an email address gets no notice (tell them another way). Idempotent. Raises
    NotFound for another agency's or an unknown candidate."""
    require_aware(now)
    with transaction.atomic():
        candidate = _locked(agency, candidate_id)
        if not candidate.restricted:
            return candidate
        if candidate.email:
            email_queue(
                agency=agency,
                to=candidate.email,
                template=registry.RESTRICTION_LIFT_NOTICE.name,
                context={
                    "agency_name": agency.name,
                    "reply_email": agency.contact_email,
                    "link": settings.PUBLIC_BASE_URL + policy_path(agency_slug=agency.slug),
                },
                language=language,
                now=now,
                actor=actor,
            )
        Candidate.objects.filter(pk=candidate.pk).update(restricted=False)
        candidate.restricted = False
        record(
            agency=agency,
            actor=actor,
            action=LIFTED_ACTION,
            subject=candidate,
            fields=["restricted"],
            now=now,
        )
        search_index_refresh(candidate_id=candidate.id)
    return candidate
