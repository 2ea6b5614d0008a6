"""Writes of client companies, their contact people, agreements and credit assessments
(P-04, P-08).

Every change records its audit event in the same transaction; events hold field names,
never values. Bad input raises ValidationFailed with a message per field and changes
nothing.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, PendingEvent, record, record_many
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import data_key_create
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_delete, vault_read, vault_store

from .models import Agreement, Client, ClientContact, CreditAssessment
from .retention import client_erase_after_refresh
from .validation import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    MSG_ORG_NUMBER_TAKEN,
    AgreementInput,
    ClientInput,
    ContactInput,
    CreditInput,
    agreement_clean,
    client_clean,
    contact_clean,
    contact_email_hash,
    credit_clean,
)

__all__ = [
    "AgreementFile",
    "AgreementInput",
    "ClientInput",
    "ContactInput",
    "CreditInput",
    "agreement_create",
    "agreement_file_open",
    "client_archive",
    "client_contact_add",
    "client_contact_end",
    "client_contact_update",
    "client_create",
    "client_input_from",
    "client_prepayment_received",
    "client_restore",
    "client_update",
    "contact_input_from",
    "credit_assessment_record",
]

MSG_NO_PREPAYMENT_REQUIRED = _(
    "This client does not require prepayment, so there is no prepayment to record."
)
MSG_CONTACT_ENDED = _("This person is no longer a contact and cannot be changed.")
MSG_NO_FILE = _("This agreement has no signed file.")


@dataclass(frozen=True)
class AgreementFile:
    filename: str
    content_type: str
    content: bytes


def _today(now: datetime) -> date:
    # The date as the agency's staff see it (Europe/Oslo), not the UTC date.
    return timezone.localtime(require_aware(now)).date()


def _staff_user_id(actor: Actor) -> uuid.UUID | None:
    # Only a staff actor names a user; an API token or the system does not, and an ID that
    # no longer resolves is left out rather than refused.
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    return actor.id if get_user_model().objects.filter(pk=actor.id).exists() else None


def _locked_client(agency: Agency, client_id: uuid.UUID) -> Client:
    client = Client.objects.select_for_update().filter(agency=agency, pk=client_id).first()
    if client is None:
        raise NotFound()
    return client


def _org_number_taken() -> ValidationFailed:
    return ValidationFailed(field_errors={"org_number": [str(MSG_ORG_NUMBER_TAKEN)]})


def _save_unique(client: Client, **save_kwargs: object) -> None:
    # Checked before saving; the constraint still catches two saves at once, and that
    # answers with the same field error instead of a database error.
    try:
        with transaction.atomic():
            client.save(**save_kwargs)  # type: ignore[arg-type]
    except IntegrityError as exc:
        if (
            Client.objects.filter(agency_id=client.agency_id, org_number=client.org_number)
            .exclude(pk=client.pk)
            .exists()
        ):
            raise _org_number_taken() from exc
        raise


# --- clients --------------------------------------------------------------------------


def client_create(*, agency: Agency, actor: Actor, data: ClientInput, now: datetime) -> Client:
    """Register a client company. Raises ValidationFailed (nothing stored) for bad input,
    including an organisation number the agency has registered already."""
    clean = client_clean(data)
    with transaction.atomic():
        if Client.objects.filter(agency=agency, org_number=clean.org_number).exists():
            raise _org_number_taken()
        client = Client(agency=agency)
        for name in CLIENT_FIELDS:
            setattr(client, name, getattr(clean, name))
        _save_unique(client, force_insert=True)
        record(
            agency=agency,
            actor=actor,
            action="client.created",
            subject=client,
            fields=[name for name in CLIENT_FIELDS if getattr(clean, name) not in ("", False)],
            now=now,
        )
    return client


def client_input_from(client: Client) -> ClientInput:
    """A client's stored values as input, e.g. to fill an edit form."""
    return ClientInput(**{name: getattr(client, name) for name in CLIENT_FIELDS})


def client_update(
    *, agency: Agency, actor: Actor, client_id: uuid.UUID, data: ClientInput, now: datetime
) -> Client:
    """Replace a client's details with `data`, recording the names of the fields that
    changed. Raises NotFound and ValidationFailed (nothing changed)."""
    clean = client_clean(data)
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        changed = [name for name in CLIENT_FIELDS if getattr(clean, name) != getattr(client, name)]
        if not changed:
            return client
        if (
            "org_number" in changed
            and Client.objects.filter(agency=agency, org_number=clean.org_number)
            .exclude(pk=client.pk)
            .exists()
        ):
            raise _org_number_taken()
        for name in changed:
            setattr(client, name, getattr(clean, name))
        _save_unique(client, update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="client.updated",
            subject=client,
            fields=changed,
            now=now,
        )
    return client


def client_archive(*, agency: Agency, actor: Actor, client_id: uuid.UUID, now: datetime) -> Client:
    """Archive a client: it is kept, but no longer offered for new work. Archiving an
    archived client changes nothing. Raises NotFound."""
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        if client.archived_at is not None:
            return client
        client.archived_at = now
        client.save(update_fields=["archived_at", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="client.archived",
            subject=client,
            fields=["archived_at"],
            now=now,
        )
    return client


def client_restore(*, agency: Agency, actor: Actor, client_id: uuid.UUID, now: datetime) -> Client:
    """Take a client out of the archive. Raises NotFound."""
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        if client.archived_at is None:
            return client
        client.archived_at = None
        client.save(update_fields=["archived_at", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="client.restored",
            subject=client,
            fields=["archived_at"],
            now=now,
        )
    return client


# --- contacts -------------------------------------------------------------------------


def _unset_other_primaries(
    *, agency: Agency, actor: Actor, contact: ClientContact, now: datetime
) -> None:
    others = list(
        ClientContact.objects.select_for_update()
        .filter(agency=agency, client_id=contact.client_id, is_primary=True)
        .exclude(pk=contact.pk)
    )
    if not others:
        return
    ClientContact.objects.filter(pk__in=[other.pk for other in others]).update(
        is_primary=False, updated_at=timezone.now()
    )
    record_many(
        agency=agency,
        actor=actor,
        events=[
            PendingEvent(action="client.contact.updated", subject=other, fields=("is_primary",))
            for other in others
        ],
        now=now,
    )


def client_contact_add(
    *, agency: Agency, actor: Actor, client_id: uuid.UUID, data: ContactInput, now: datetime
) -> ClientContact:
    """Add a contact person to a client. A new primary contact replaces the previous one.
    Raises NotFound and ValidationFailed."""
    clean = contact_clean(data)
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        contact = ClientContact.objects.create(
            agency=agency,
            client=client,
            name=clean.name,
            role=clean.role,
            email=clean.email,
            email_hash=contact_email_hash(clean.email),
            phone=clean.phone,
            is_primary=clean.is_primary,
        )
        if contact.is_primary:
            _unset_other_primaries(agency=agency, actor=actor, contact=contact, now=now)
        record(
            agency=agency,
            actor=actor,
            action="client.contact.added",
            subject=contact,
            fields=[name for name in CONTACT_FIELDS if getattr(clean, name) not in ("", False)],
            now=now,
        )
        client_erase_after_refresh(agency=agency, client_id=client.id, now=now)
    return contact


def _locked_contact(agency: Agency, contact_id: uuid.UUID) -> ClientContact:
    contact = ClientContact.objects.select_for_update().filter(agency=agency, pk=contact_id).first()
    if contact is None:
        raise NotFound()
    return contact


def contact_input_from(contact: ClientContact) -> ContactInput:
    return ContactInput(**{name: getattr(contact, name) for name in CONTACT_FIELDS})


def client_contact_update(
    *, agency: Agency, actor: Actor, contact_id: uuid.UUID, data: ContactInput, now: datetime
) -> ClientContact:
    """Replace a contact person's details. Raises NotFound, ValidationFailed, and Conflict
    for a person who is no longer a contact."""
    clean = contact_clean(data)
    with transaction.atomic():
        contact = _locked_contact(agency, contact_id)
        if contact.ended_at is not None:
            raise Conflict(MSG_CONTACT_ENDED)
        changed = [
            name for name in CONTACT_FIELDS if getattr(clean, name) != getattr(contact, name)
        ]
        if not changed:
            return contact
        for name in changed:
            setattr(contact, name, getattr(clean, name))
        stored = list(changed)
        if "email" in changed:
            contact.email_hash = contact_email_hash(clean.email)
            stored.append("email_hash")
        contact.save(update_fields=[*stored, "updated_at"])
        if "is_primary" in changed and contact.is_primary:
            _unset_other_primaries(agency=agency, actor=actor, contact=contact, now=now)
        record(
            agency=agency,
            actor=actor,
            action="client.contact.updated",
            subject=contact,
            fields=changed,
            now=now,
        )
    return contact


def client_contact_end(
    *, agency: Agency, actor: Actor, contact_id: uuid.UUID, now: datetime
) -> ClientContact:
    """Record that a person is no longer a contact of the client. The row is kept (and
    shown apart) until the retention sweep takes it; ending an ended contact changes
    nothing. Raises NotFound."""
    with transaction.atomic():
        contact = _locked_contact(agency, contact_id)
        if contact.ended_at is not None:
            return contact
        contact.ended_at = now
        contact.is_primary = False
        contact.save(update_fields=["ended_at", "is_primary", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="client.contact.ended",
            subject=contact,
            fields=["ended_at"],
            now=now,
        )
        client_erase_after_refresh(agency=agency, client_id=contact.client_id, now=now)
    return contact


# --- agreements -----------------------------------------------------------------------


def agreement_create(
    *,
    agency: Agency,
    actor: Actor,
    client_id: uuid.UUID,
    data: AgreementInput,
    now: datetime,
    filename: str = "",
    content: bytes | None = None,
) -> Agreement:
    """Record the terms agreed with a client, with the signed agreement when `content` is
    given. The file is checked by content (P-29) and stored encrypted under a data key of
    its own.

    Raises NotFound, ValidationFailed and UploadRefused; in each case nothing is stored.
    """
    from fortrolig.documents.services import filename_clean, upload_check

    clean = agreement_clean(data, today=_today(now))
    if Client.objects.filter(agency=agency, pk=client_id).first() is None:
        raise NotFound()
    verdict = upload_check(content=content) if content is not None else None
    blob_name = ""
    try:
        with transaction.atomic():
            client = _locked_client(agency, client_id)
            data_key = data_key_create(agency=agency)
            agreement = Agreement(
                agency=agency,
                client=client,
                data_key=data_key,
                terms=clean.terms,
                fee_terms=clean.fee_terms,
                signed_on=clean.signed_on,
                valid_from=clean.valid_from,
                valid_until=clean.valid_until,
            )
            audited = ["terms", "fee_terms", "signed_on", "valid_from", "valid_until"]
            if verdict is not None:
                blob_name = vault_store(data_key_id=data_key.id, content=verdict.content)
                agreement.filename = filename_clean(
                    filename, extension=verdict.extension, fmt=verdict.format
                )
                agreement.content_type = verdict.content_type
                agreement.size = len(verdict.content)
                agreement.blob_name = blob_name
                audited += ["filename", "content"]
            agreement.save(force_insert=True)
            record(
                agency=agency,
                actor=actor,
                action="client.agreement.added",
                subject=agreement,
                fields=[name for name in audited if getattr(clean, name, True) not in ("", None)],
                now=now,
            )
            client_erase_after_refresh(agency=agency, client_id=client.id, now=now)
    except BaseException:
        # The row never committed: the blob must not outlive it.
        if blob_name:
            vault_delete(name=blob_name)
        raise
    return agreement


def agreement_file_open(
    *, agency: Agency, actor: Actor, agreement_id: uuid.UUID, now: datetime
) -> AgreementFile:
    """The signed agreement's bytes, for an authorised download; records
    `client.agreement.file_opened`. Raises NotFound for another agency's agreement or one
    without a file, and KeyDestroyed once its key is destroyed."""
    with transaction.atomic():
        agreement = Agreement.objects.filter(agency=agency, pk=agreement_id).first()
        if agreement is None:
            raise NotFound()
        if not agreement.blob_name:
            raise NotFound(MSG_NO_FILE)
        content = vault_read(name=agreement.blob_name)
        record(
            agency=agency,
            actor=actor,
            action="client.agreement.file_opened",
            subject=agreement,
            fields=["filename", "content"],
            now=now,
        )
    filename = agreement.filename
    assert isinstance(filename, str)  # EncryptedTextField reads as the decrypted text
    return AgreementFile(filename=filename, content_type=agreement.content_type, content=content)


# --- credit assessments and prepayment (P-08) -----------------------------------------


def credit_assessment_record(
    *,
    agency: Agency,
    actor: Actor,
    client_id: uuid.UUID,
    assessed_on: date,
    score: int,
    source: str,
    note: str = "",
    now: datetime,
) -> CreditAssessment:
    """Record a dated credit score from a named source (P-08), with the agency's threshold
    in force.

    A score under the threshold marks the client as requiring prepayment (and forgets an
    earlier receipt: a new prepayment is needed); a score at or above it clears the mark.
    The newest assessment decides: one dated before the client's latest assessment is kept
    in the history but does not change the mark.

    Raises NotFound and ValidationFailed (nothing stored): a score outside 0 to 100, no
    source, or a date in the future.
    """
    clean = credit_clean(
        CreditInput(assessed_on=assessed_on, score=score, source=source, note=note),
        today=_today(now),
    )
    threshold = agency.config.client_credit_threshold
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        newer_exists = CreditAssessment.objects.filter(
            agency=agency, client=client, assessed_on__gt=clean.assessed_on
        ).exists()
        assessment = CreditAssessment.objects.create(
            agency=agency,
            client=client,
            assessed_on=clean.assessed_on,
            score=clean.score,
            source=clean.source,
            note=clean.note,
            threshold=threshold,
            below_threshold=clean.score < threshold,
            recorded_by_id=_staff_user_id(actor),
        )
        changed: list[str] = []
        if not newer_exists:
            if assessment.below_threshold:
                changed = _set(
                    client,
                    prepayment_required=True,
                    prepayment_received_at=None,
                    prepayment_received_by_id=None,
                )
            else:
                changed = _set(client, prepayment_required=False)
            if changed:
                client.save(update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="client.credit.assessed",
            subject=client,
            fields=[
                "assessed_on",
                "score",
                "source",
                *(["note"] if clean.note else []),
                *[name.removesuffix("_id") for name in changed],
            ],
            now=now,
        )
    return assessment


def _set(client: Client, **values: object) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    return changed


def client_prepayment_received(
    *, agency: Agency, actor: Actor, client_id: uuid.UUID, now: datetime
) -> Client:
    """Record that the client's prepayment was received (P-08): the prepayment flag is
    cleared, and who recorded it when is kept.

    Raises NotFound, and Conflict when the client does not require prepayment.
    """
    with transaction.atomic():
        client = _locked_client(agency, client_id)
        if not client.prepayment_required:
            raise Conflict(MSG_NO_PREPAYMENT_REQUIRED, code="prepayment_not_required")
        client.prepayment_required = False
        client.prepayment_received_at = now
        client.prepayment_received_by_id = _staff_user_id(actor)
        client.save(
            update_fields=[
                "prepayment_required",
                "prepayment_received_at",
                "prepayment_received_by",
                "updated_at",
            ]
        )
        record(
            agency=agency,
            actor=actor,
            action="client.prepayment.received",
            subject=client,
            fields=["prepayment_required", "prepayment_received_at", "prepayment_received_by"],
            now=now,
        )
    return client
