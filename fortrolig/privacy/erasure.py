"""Erasure on request (P-22, P-25): one service erases a data subject completely and leaves a
receipt.

`subject_erase` reuses the retention engine's erasure (`retention._cascade_erase`): set-based
deletes that follow every relation that cascades from the subject (documents, background
checks, references, applications, consents, released legal holds, the search entry and
whatever a later app ties to it), SET_NULL references cleared, blobs deleted after the
commit, and the data keys destroyed, which crypto-shreds every copy, backups included. On
top of the sweep it erases what no foreign key ties to the subject: emails in the outbox
addressed to the person, and the person's own words in their data-subject requests.

What remains, on purpose:
- audit events, which hold IDs and codes only;
- an `ErasedIdentity`: a keyed hash of the email, which keeps opt-outs and makes an import
  refuse the person (P-22); applying again on the job board is a new, explicit act and is
  allowed;
- the `ErasureReceipt`: counts per table, when, and under which request; no personal data.

Limits (P-25).
- Employments (the staffing app, P-19) are kept, each on its own clock, and named in the
  receipt's `kept` with their rule: while the employment lasts, as data for an ongoing
  agreement (rule `ongoing_agreement`); and its payroll records until five years after the
  end of the financial year (rule `bokforingsloven_13`, with the date). The employment holds
  its own copy of the identity the employer needs, under its own data key, so everything
  else about the person is erased now and the candidate's key destroyed; the sweep erases
  the employment when its clock runs out.
- Nothing is erased while an active legal hold covers the candidate (rule `legal_claims`,
  GDPR Art. 17(3)(e)): `ErasureLimited` names the rule.

Share links (the sharing app) do not exist yet; when they do, their revocation belongs in
`_links_revoke`.

On SQLite, deleted rows are overwritten (`PRAGMA secure_delete`) and the FTS5 index of the
search is merged so that no token of the erased entry survives in the file.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.validation import email_hash as candidate_email_hash
from fortrolig.clients.models import ClientContact
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.messaging.models import OutboundEmail
from fortrolig.staffing.models import Employment
from fortrolig.staffing.selectors import employments_kept

from .datamap import RetentionClock
from .models import (
    DataSubjectRequest,
    ErasedIdentity,
    ErasureReceipt,
    LegalHold,
    RequestKind,
    RequestSubjectType,
)
from .retention import (
    CANDIDATE_SUBJECT,
    _blobs_delete,
    _cascade_erase,
    _data_keys_destroy,
    _Erasure,
    _in,
    _qn,
)

__all__ = [
    "ERASED_ACTION",
    "RULE_LEGAL_CLAIMS",
    "RULE_ONGOING_AGREEMENT",
    "RULE_PAYROLL",
    "ErasureLimited",
    "KeptItem",
    "subject_erase",
]

ERASED_ACTION = "privacy.subject.erased"
PURPOSE = "data_subject_request"
CONTACT_SUBJECT = "clients.clientcontact"
EMPLOYEE_SUBJECT = "staffing.employment"
PAYROLL_KEPT = "staffing.payrollrecord"

# Rule codes named in an answer and in `ErasureReceipt.kept` (P-25).
RULE_ONGOING_AGREEMENT = "ongoing_agreement"
RULE_LEGAL_CLAIMS = "legal_claims"
# Bokføringsloven § 13: payroll records are kept five years after the financial year.
RULE_PAYROLL = "bokforingsloven_13"

OSLO = ZoneInfo("Europe/Oslo")
RECEIPT_BLOBS = "blobs"
RECEIPT_KEYS = "data_keys"


@dataclass(frozen=True)
class KeptItem:
    """Data that must be kept, the rule that requires it, and the clock that ends it."""

    what: str
    rule: str
    clock: str
    ref: str = ""
    # The date the clock runs out, when it is known (ISO 8601); empty while it runs.
    until: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "what": self.what,
            "rule": self.rule,
            "clock": self.clock,
            "ref": self.ref,
            "until": self.until,
        }


class ErasureLimited(ApplicationError):
    """The subject cannot be erased now: `kept` names what must be kept and under which
    rule (P-25). Nothing was changed."""

    status = 409
    code = "erasure_limited"
    default_message = _(
        "The person cannot be erased now: the law or an ongoing agreement requires that "
        "some of the data is kept. The answer names the rule."
    )

    def __init__(self, kept: list[KeptItem]) -> None:
        super().__init__()
        self.kept = kept

    @property
    def rules(self) -> list[str]:
        return sorted({item.rule for item in self.kept})


def _request_for(
    agency: Agency, request_id: uuid.UUID | None, subject_type: str, subject_id: uuid.UUID
) -> DataSubjectRequest | None:
    if request_id is None:
        return None
    request = (
        DataSubjectRequest.objects.select_for_update().filter(agency=agency, pk=request_id).first()
    )
    if request is None:
        raise NotFound()
    if (
        request.kind != RequestKind.ERASURE
        or request.subject_type != subject_type
        or request.subject_id != subject_id
    ):
        raise ValidationFailed(_("The request is not an erasure request about this person."))
    return request


def _candidate_kept(candidate: Candidate) -> list[KeptItem]:
    """What must be kept of the candidate's data, and why (P-25); empty when nothing is.
    Only a legal hold stops the erasure; employments stay on their own clocks."""
    kept: list[KeptItem] = []
    if LegalHold.objects.filter(candidate=candidate, released_at__isnull=True).exists():
        kept.append(KeptItem(what=CANDIDATE_SUBJECT, rule=RULE_LEGAL_CLAIMS, clock="legal_hold"))
    kept += _employments_kept(candidate.agency_id, candidate_id=candidate.id)
    return kept


def _employments_kept(
    agency_id: uuid.UUID,
    *,
    candidate_id: uuid.UUID | None = None,
    employment_id: uuid.UUID | None = None,
) -> list[KeptItem]:
    """Employments (P-19) named with their rules: an ongoing one as an agreement whose end
    starts the clock, and what has ended, or has payroll records, until its accounting
    period ends."""
    kept: list[KeptItem] = []
    for employment in employments_kept(
        agency_id=agency_id, candidate_id=candidate_id, employment_id=employment_id
    ):
        ref = str(employment.employment_id)
        if employment.ongoing:
            kept.append(
                KeptItem(
                    what=EMPLOYEE_SUBJECT,
                    rule=RULE_ONGOING_AGREEMENT,
                    clock=RetentionClock.EMPLOYMENT_END.value,
                    ref=ref,
                )
            )
        if employment.payroll_records or not employment.ongoing:
            until = employment.erase_after
            kept.append(
                KeptItem(
                    what=PAYROLL_KEPT if employment.payroll_records else EMPLOYEE_SUBJECT,
                    rule=RULE_PAYROLL,
                    clock=RetentionClock.EMPLOYMENT_END.value,
                    ref=ref,
                    until=until.astimezone(OSLO).date().isoformat() if until else "",
                )
            )
    return kept


def _links_revoke(_subject_id: uuid.UUID) -> int:
    """Revoke every share link that showed the subject. No share links exist yet (the
    sharing app); this returns 0 until they do."""
    return 0


def _secure_delete_on() -> Any:
    """On SQLite, make deleted content be overwritten with zeros instead of left in free
    pages. Returns the previous setting, or None elsewhere."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        row = cursor.fetchone()
        cursor.execute("PRAGMA secure_delete = ON")
    return row[0] if row else 0


def _secure_delete_restore(previous: Any) -> None:
    if previous is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA secure_delete = {int(previous)}")


def _search_index_purge() -> None:
    """SQLite's FTS5 keeps a deleted entry's tokens in older index segments until they are
    merged; 'optimize' merges them all, so that no token of the erased entry remains."""
    if connection.vendor != "sqlite":
        return
    from fortrolig.search.schema import FTS_TABLE, NAME_TABLE

    with connection.cursor() as cursor:
        for table in (FTS_TABLE, NAME_TABLE):
            name = _qn(table)
            cursor.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")  # noqa: S608


def _outbox_erase(agency: Agency, address: str) -> int:
    """Emails to the person: the outbox keeps the address, subject and body of each."""
    if not address:
        return 0
    deleted, _by_model = OutboundEmail.objects.filter(
        agency=agency, recipient__iexact=address.strip()
    ).delete()
    return deleted


def _requests_text_erase(agency: Agency, subject_id: uuid.UUID) -> int:
    """The person's own words in their requests; the requests stay (dates, codes, IDs)."""
    return (
        DataSubjectRequest.objects.filter(agency=agency, subject_id=subject_id)
        .exclude(details="", response="")
        .update(details="", response="")
    )


def _identity_keep(agency: Agency, hashed: str, now: datetime) -> None:
    if hashed:
        ErasedIdentity.objects.get_or_create(
            agency=agency, email_hash=hashed, defaults={"erased_at": now}
        )


def _candidate_erase(
    agency: Agency, subject_id: uuid.UUID, now: datetime
) -> tuple[dict[str, int], list[KeptItem]]:
    candidate = (
        Candidate.objects.select_for_update()
        .filter(agency=agency, pk=subject_id)
        .only("id", "agency_id", "email", "email_hash")
        .first()
    )
    if candidate is None:
        raise NotFound()
    kept = _candidate_kept(candidate)
    blocking = [item for item in kept if item.rule == RULE_LEGAL_CLAIMS]
    if blocking:
        raise ErasureLimited(blocking)
    hashed = candidate.email_hash or candidate_email_hash(candidate.email)
    address = candidate.email
    pk = Candidate._meta.pk
    assert pk is not None
    where, params = _in(_qn(pk.column), pk, [candidate.id])
    erasure = _Erasure()
    _cascade_erase(Candidate, where, params, erasure)
    counts = dict(erasure.counts)
    _links_revoke(candidate.id)
    outbox = _outbox_erase(agency, address)
    if outbox:
        counts[OutboundEmail._meta.label] = outbox
    _finish(erasure, counts, agency=agency, subject_id=candidate.id, now=now)
    _identity_keep(agency, hashed, now)
    return counts, kept


def _contact_erase(
    agency: Agency, subject_id: uuid.UUID, now: datetime
) -> tuple[dict[str, int], list[KeptItem]]:
    contact = (
        ClientContact.objects.select_for_update()
        .filter(agency=agency, pk=subject_id)
        .only("id", "agency_id", "email", "email_hash")
        .first()
    )
    if contact is None:
        raise NotFound()
    hashed, address = contact.email_hash, contact.email
    pk = ClientContact._meta.pk
    assert pk is not None
    where, params = _in(_qn(pk.column), pk, [contact.id])
    erasure = _Erasure()
    _cascade_erase(ClientContact, where, params, erasure)
    counts = dict(erasure.counts)
    outbox = _outbox_erase(agency, address)
    if outbox:
        counts[OutboundEmail._meta.label] = outbox
    _finish(erasure, counts, agency=agency, subject_id=contact.id, now=now)
    _identity_keep(agency, hashed, now)
    return counts, []


def _employee_erase(
    agency: Agency, subject_id: uuid.UUID, now: datetime
) -> tuple[dict[str, int], list[KeptItem]]:
    """An employee is the person behind the employment: their candidate record is erased
    whole, and every employment of theirs stays on its own clock. When the candidate record
    is already gone, only kept data remains, and the answer names it."""
    employment = (
        Employment.objects.select_for_update()
        .filter(agency=agency, pk=subject_id)
        .only("id", "agency_id", "candidate_id", "email")
        .first()
    )
    if employment is None:
        raise NotFound()
    if employment.candidate_id is not None:
        return _candidate_erase(agency, employment.candidate_id, now)
    counts: dict[str, int] = {}
    outbox = _outbox_erase(agency, employment.email)
    if outbox:
        counts[OutboundEmail._meta.label] = outbox
    return counts, _employments_kept(agency.id, employment_id=employment.id)


def _finish(
    erasure: _Erasure,
    counts: dict[str, int],
    *,
    agency: Agency,
    subject_id: uuid.UUID,
    now: datetime,
) -> None:
    requests = _requests_text_erase(agency, subject_id)
    if requests:
        counts["privacy.DataSubjectRequest.text"] = requests
    _data_keys_destroy(erasure.key_ids, now=now)
    counts[RECEIPT_KEYS] = len(erasure.key_ids)
    counts[RECEIPT_BLOBS] = len(erasure.blobs)
    if erasure.blobs:
        # After the commit only: a rollback must find the blobs still there. Should the
        # process die before this runs, the blobs are unreadable anyway (key destroyed).
        transaction.on_commit(partial(_blobs_delete, list(erasure.blobs)))


_SUBJECT_TYPES = {
    RequestSubjectType.CANDIDATE.value: (CANDIDATE_SUBJECT, _candidate_erase),
    RequestSubjectType.CLIENT_CONTACT.value: (CONTACT_SUBJECT, _contact_erase),
    RequestSubjectType.EMPLOYEE.value: (EMPLOYEE_SUBJECT, _employee_erase),
}


def subject_erase(
    *,
    agency: Agency,
    actor: Actor,
    subject_type: str,
    subject_id: uuid.UUID,
    request_id: uuid.UUID | None,
    now: datetime,
) -> ErasureReceipt:
    """Erase a candidate or a client contact of `agency` completely (P-22) and return the
    receipt: counts per table, the request, and what was kept under which rule.

    Raises NotFound for a subject or request that is not the agency's (or no longer
    exists), ValidationFailed for an unknown subject type or a request that is not an
    erasure request about this subject, and ErasureLimited (nothing changed) when the law
    or an ongoing agreement requires the data (P-25). Records `privacy.subject.erased`:
    the subject's ID and the purpose, no values (the receipt holds the counts).
    """
    require_aware(now)
    entry = _SUBJECT_TYPES.get(subject_type)
    if entry is None:
        raise ValidationFailed(_("Only candidates, client contacts and employees can be erased."))
    audit_type, erase = entry
    previous = _secure_delete_on()
    try:
        with transaction.atomic():
            request = _request_for(agency, request_id, subject_type, subject_id)
            counts, kept = erase(agency, subject_id, now)
            if connection.vendor == "sqlite" and counts.get("search.CandidateSearchEntry"):
                _search_index_purge()
            receipt = ErasureReceipt.objects.create(
                agency=agency,
                request=request,
                subject_type=subject_type,
                subject_id=subject_id,
                erased_at=now,
                erased=counts,
                kept=[item.to_json() for item in kept],
            )
            record(
                agency=agency,
                actor=actor,
                action=ERASED_ACTION,
                subject=SubjectRef(type=audit_type, id=subject_id),
                purpose=PURPOSE,
                now=now,
            )
    finally:
        _secure_delete_restore(previous)
    return receipt
