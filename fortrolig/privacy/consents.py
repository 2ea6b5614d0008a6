"""Consents (P-16, P-18): giving, withdrawing and reading them.

A consent is per person (a candidate or a client contact) and per purpose: keeping data
beyond the standard period (storage extension), job alerts, or presentation to one named
client. Each records the policy version the person saw, the channel, when it was given,
when it expires and when it was withdrawn. A consent counts while it is not withdrawn and
has not expired; withdrawal takes effect at once. Giving or withdrawing a storage extension
moves the candidate's retention deadline in the same transaction.
"""

import importlib
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import Client, ClientContact
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .models import Consent, ConsentChannel, ConsentPurpose, PolicyVersion

__all__ = [
    "consent_give",
    "consent_is_active",
    "consent_withdraw",
    "consents_active",
    "consents_for_subject",
]

MSG_ONE_SUBJECT = _("A consent belongs to one person: a candidate or a client contact.")
MSG_PURPOSE = _("Choose what the consent is for.")
MSG_CHANNEL = _("Choose how the consent was given.")
MSG_CLIENT_NEEDED = _("A consent to presentation names the client.")
MSG_CLIENT_NOT_ALLOWED = _("Only a consent to presentation names a client.")
MSG_STORAGE_CANDIDATES = _("Only a candidate can agree to keep their data longer.")
MSG_STORAGE_EXPIRY = _("A consent to keep data longer needs an end date.")
MSG_EXPIRY_PAST = _("The end date must be in the future.")
MSG_SCOPE = _("The scope holds codes only.")


def _policy_current(*, agency: Agency, now: datetime) -> PolicyVersion:
    # `privacy.policy` is written separately (the policy page, P-01); imported when used,
    # so that this module loads without it.
    policy: Any = importlib.import_module("fortrolig.privacy.policy")
    version: PolicyVersion = policy.policy_current(agency=agency, now=now)
    return version


def _scope_clean(scope: dict[str, Any] | None) -> dict[str, Any]:
    """Codes only: keys are short strings; values are short strings, numbers, booleans or
    lists of those. Free text could carry personal data into a record that outlives its
    purpose."""
    scope = scope or {}
    if not isinstance(scope, dict):
        raise ValidationFailed(MSG_SCOPE, field_errors={"scope": [str(MSG_SCOPE)]})

    def plain(value: object) -> bool:
        if isinstance(value, bool | int | float):
            return True
        return isinstance(value, str) and len(value) <= 100

    for key, value in scope.items():
        values = value if isinstance(value, list) else [value]
        if not (isinstance(key, str) and len(key) <= 60 and all(plain(v) for v in values)):
            raise ValidationFailed(MSG_SCOPE, field_errors={"scope": [str(MSG_SCOPE)]})
    return scope


def _invalid(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(message, field_errors={field: [str(message)]})


def consent_give(
    *,
    agency: Agency,
    actor: Actor,
    purpose: str,
    channel: str,
    now: datetime,
    candidate_id: uuid.UUID | None = None,
    client_contact_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
    scope: dict[str, Any] | None = None,
    policy_version: PolicyVersion | None = None,
) -> Consent:
    """Record a consent given at `now` by a candidate or a client contact of `agency`.

    The policy version is the agency's current one unless given. A storage extension is
    for a candidate, needs an end (`expires_at`), and moves the candidate's retention
    deadline at once. A presentation consent names a client of the agency; no other does.
    Records `privacy.consent.given` about the person (purpose code, field names only).

    Raises ValidationFailed (nothing stored) for a bad combination, and NotFound for a
    person or client outside the agency.
    """
    require_aware(now)
    if (candidate_id is None) == (client_contact_id is None):
        raise _invalid("subject", MSG_ONE_SUBJECT)
    if purpose not in ConsentPurpose.values:
        raise _invalid("purpose", MSG_PURPOSE)
    if channel not in ConsentChannel.values:
        raise _invalid("channel", MSG_CHANNEL)
    if purpose == ConsentPurpose.CLIENT_PRESENTATION and client_id is None:
        raise _invalid("client", MSG_CLIENT_NEEDED)
    if purpose != ConsentPurpose.CLIENT_PRESENTATION and client_id is not None:
        raise _invalid("client", MSG_CLIENT_NOT_ALLOWED)
    if purpose == ConsentPurpose.STORAGE_EXTENSION:
        if candidate_id is None:
            raise _invalid("subject", MSG_STORAGE_CANDIDATES)
        if expires_at is None:
            raise _invalid("expires_at", MSG_STORAGE_EXPIRY)
    if expires_at is not None:
        require_aware(expires_at, name="expires_at")
        if expires_at <= now:
            raise _invalid("expires_at", MSG_EXPIRY_PAST)
    clean_scope = _scope_clean(scope)

    with transaction.atomic():
        subject: Candidate | ClientContact
        if candidate_id is not None:
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
            assert client_contact_id is not None
            contact = ClientContact.objects.filter(agency=agency, pk=client_contact_id).first()
            if contact is None:
                raise NotFound()
            subject = contact
        if (
            client_id is not None
            and not Client.objects.filter(agency=agency, pk=client_id).exists()
        ):
            raise NotFound()
        version = policy_version or _policy_current(agency=agency, now=now)
        if version.agency_id != agency.id:
            raise NotFound()
        consent = Consent.objects.create(
            agency=agency,
            candidate_id=candidate_id,
            client_contact_id=client_contact_id,
            purpose=purpose,
            client_id=client_id,
            scope=clean_scope,
            policy_version=version,
            channel=channel,
            given_at=now,
            expires_at=expires_at,
        )
        changed = ["purpose", "channel", "given_at", "policy_version"]
        changed += [
            name
            for name, value in (("client", client_id), ("expires_at", expires_at))
            if value is not None
        ]
        if clean_scope:
            changed.append("scope")
        record(
            agency=agency,
            actor=actor,
            action="privacy.consent.given",
            subject=subject,
            fields=changed,
            purpose=purpose,
            now=now,
        )
        if purpose == ConsentPurpose.STORAGE_EXTENSION and candidate_id is not None:
            _deadline_refresh(candidate_id, now)
    return consent


def _deadline_refresh(candidate_id: uuid.UUID, now: datetime) -> None:
    from .retention import candidate_erase_after_refresh

    candidate_erase_after_refresh(candidate_id=candidate_id, now=now)


def consent_withdraw(
    *, agency: Agency, actor: Actor, consent_id: uuid.UUID, now: datetime
) -> Consent:
    """Withdraw a consent at `now`; it stops counting at once. Withdrawing a storage
    extension moves the candidate's deadline back (the next sweep erases the data if that
    deadline has passed). Withdrawing twice changes nothing. Records
    `privacy.consent.withdrawn` about the person. Raises NotFound.
    """
    require_aware(now)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(agency=agency, pk=consent_id).first()
        if consent is None:
            raise NotFound()
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at", "updated_at"])
        subject = (
            SubjectRef(type="candidates.candidate", id=consent.candidate_id)
            if consent.candidate_id
            else SubjectRef(type="clients.clientcontact", id=consent.client_contact_id)
        )
        record(
            agency=agency,
            actor=actor,
            action="privacy.consent.withdrawn",
            subject=subject,
            fields=["withdrawn_at"],
            purpose=consent.purpose,
            now=now,
        )
        if consent.purpose == ConsentPurpose.STORAGE_EXTENSION and consent.candidate_id:
            _deadline_refresh(consent.candidate_id, now)
    return consent


# --- selectors ----------------------------------------------------------------------------


def _subject_filter(
    candidate_id: uuid.UUID | None, client_contact_id: uuid.UUID | None
) -> dict[str, uuid.UUID]:
    if (candidate_id is None) == (client_contact_id is None):
        raise ValueError("name one subject: candidate_id or client_contact_id")
    if candidate_id is not None:
        return {"candidate_id": candidate_id}
    assert client_contact_id is not None
    return {"client_contact_id": client_contact_id}


def _active_q(now: datetime) -> Q:
    return Q(withdrawn_at__isnull=True, given_at__lte=now) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def consents_for_subject(
    *,
    agency: Agency,
    candidate_id: uuid.UUID | None = None,
    client_contact_id: uuid.UUID | None = None,
) -> QuerySet[Consent]:
    """Every consent of one person of `agency`, active or not, newest first."""
    return (
        Consent.objects.filter(agency=agency, **_subject_filter(candidate_id, client_contact_id))
        .select_related("policy_version")
        .order_by("-given_at", "id")
    )


def consents_active(
    *,
    agency: Agency,
    now: datetime,
    candidate_id: uuid.UUID | None = None,
    client_contact_id: uuid.UUID | None = None,
    purpose: str | None = None,
    client_id: uuid.UUID | None = None,
) -> QuerySet[Consent]:
    """The person's consents that count at `now`: not withdrawn, given, not expired.
    Optionally of one purpose, and (for presentations) for one client."""
    require_aware(now)
    consents = consents_for_subject(
        agency=agency, candidate_id=candidate_id, client_contact_id=client_contact_id
    ).filter(_active_q(now))
    if purpose is not None:
        consents = consents.filter(purpose=purpose)
    if client_id is not None:
        consents = consents.filter(client_id=client_id)
    return consents


def consent_is_active(
    *,
    agency: Agency,
    now: datetime,
    purpose: str,
    candidate_id: uuid.UUID | None = None,
    client_contact_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> bool:
    """Whether the person has a consent to `purpose` (and `client`) that counts at `now`."""
    return consents_active(
        agency=agency,
        now=now,
        candidate_id=candidate_id,
        client_contact_id=client_contact_id,
        purpose=purpose,
        client_id=client_id,
    ).exists()
