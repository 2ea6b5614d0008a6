"""Writes of candidates and their references (P-05, P-06, P-27, P-28).

Every change records its audit event in the same transaction, and schedules a refresh of
the search index for after the commit. Bulk import lives in `imports.py`.
"""

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.core.crypto import data_key_create, data_key_destroy
from fortrolig.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency, DataKey
from fortrolig.privacy.retention import candidate_erase_after_refresh

from .models import Candidate, Reference
from .selectors import DuplicateMatch, candidate_duplicates
from .validation import (
    DERIVED_FIELDS,
    LIST_FIELDS,
    CandidateInput,
    CleanCandidate,
    ReferenceInput,
    candidate_clean,
    fill_empty,
    reference_clean,
)

__all__ = [
    "CandidateInput",
    "DuplicateCandidate",
    "ReferenceInput",
    "candidate_create",
    "candidate_input_from",
    "candidate_merge",
    "candidate_patch",
    "candidate_update",
    "reference_add",
    "reference_remove",
]

CANDIDATE_SUBJECT = "candidates.candidate"

# The fields that a person edits. Source and source partner are fixed when the record is
# made (P-06: the record keeps where it came from), and the hashes follow email and phone.
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "national_id",
    "address",
    "postal_code",
    "city",
    "country",
    "skills",
    "languages",
    "desired_roles",
    "availability",
    "available_from",
    "summary",
)


class DuplicateCandidate(ApplicationError):
    """The new candidate is probably someone the agency already has. `matches` holds the
    candidates and the reasons; the message names no one."""

    status = 409
    code = "duplicate_candidate"
    default_message = _(
        "This candidate may already be registered: another candidate has the same email "
        "address, phone number, or name and date of birth."
    )

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__()
        self.matches = matches

    @property
    def reasons(self) -> list[str]:
        found: list[str] = []
        for match in self.matches:
            found += [reason for reason in match.reasons if reason not in found]
        return found


class MergeNotPossible(Conflict):
    code = "merge_not_possible"
    default_message = _(
        "These candidates cannot be merged: the other candidate has records that a merge "
        "does not move."
    )


MSG_MERGE_SELF = _("Choose two different candidates to merge.")


def _schedule_search_refresh(candidate_id: uuid.UUID) -> None:
    from fortrolig.search.services import search_index_schedule

    search_index_schedule(candidate_id=candidate_id)


def candidate_activity_record(*, candidate_id: uuid.UUID, now: datetime) -> bool:
    """Count `now` as activity of the candidate: the retention clock (P-18) starts again
    from it, so the deadline is computed anew, and the search entry is refreshed after the
    commit. Returns whether the last activity moved (an older `now` changes nothing)."""
    moved = Candidate.objects.filter(pk=candidate_id, last_activity_at__lt=now).update(
        last_activity_at=now
    )
    if moved:
        candidate_erase_after_refresh(candidate_id=candidate_id, now=now)
        _schedule_search_refresh(candidate_id)
    return bool(moved)


def candidate_create(
    *,
    agency: Agency,
    actor: Actor,
    data: CandidateInput,
    now: datetime,
    allow_duplicate: bool = False,
) -> Candidate:
    """Register a candidate under a data key of its own (P-27), keeping its source (P-06).

    Raises ValidationFailed (nothing stored) for bad input, and DuplicateCandidate when
    the agency probably has the person already, unless `allow_duplicate`.
    """
    clean = candidate_clean(data, today=now.date())
    with transaction.atomic():
        if not allow_duplicate:
            matches = candidate_duplicates(agency=agency, data=data)
            if matches:
                raise DuplicateCandidate(matches)
        candidate = Candidate(
            agency=agency, data_key=data_key_create(agency=agency), last_activity_at=now
        )
        _assign(candidate, clean, CleanCandidate.STORED)
        candidate.save()
        record(
            agency=agency,
            actor=actor,
            action="candidate.created",
            subject=candidate,
            fields=clean.filled_fields(),
            now=now,
        )
        candidate.erase_after = candidate_erase_after_refresh(candidate_id=candidate.id, now=now)
        _schedule_search_refresh(candidate.id)
    return candidate


def _assign(candidate: Candidate, clean: CleanCandidate, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(clean, name)
        if name == "national_id":
            value = value or None
        setattr(candidate, name, list(value) if isinstance(value, list) else value)


def _locked(
    agency: Agency, candidate_id: uuid.UUID, *, include_restricted: bool = True
) -> Candidate:
    candidates = Candidate.objects.select_for_update().filter(agency=agency)
    if not include_restricted:
        candidates = candidates.filter(restricted=False)
    candidate = candidates.filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound()
    return candidate


def candidate_update(
    *,
    agency: Agency,
    actor: Actor,
    candidate_id: uuid.UUID,
    data: CandidateInput,
    now: datetime,
    include_restricted: bool = True,
) -> Candidate:
    """Replace a candidate's editable details with `data`, and record the names of the
    fields that changed. Source and campaign partner are kept as they were registered
    (P-06); `data.source` and `data.source_partner` are not used.

    A consultant's edit is not the candidate's own activity, so it does not move the
    retention clock (last_activity_at).

    Raises NotFound (also for a restricted candidate unless `include_restricted`) and
    ValidationFailed (nothing changed).
    """
    with transaction.atomic():
        candidate = _locked(agency, candidate_id, include_restricted=include_restricted)
        return _update(agency=agency, actor=actor, candidate=candidate, data=data, now=now)


def candidate_patch(
    *,
    agency: Agency,
    actor: Actor,
    candidate_id: uuid.UUID,
    changes: Mapping[str, Any],
    now: datetime,
    include_restricted: bool = True,
) -> Candidate:
    """Change only the named editable fields of a candidate, as `candidate_update` does.

    Raises NotFound, ValidationFailed, and ValueError for a name that is not an editable
    field.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError("not editable: " + ", ".join(sorted(unknown)))
    with transaction.atomic():
        candidate = _locked(agency, candidate_id, include_restricted=include_restricted)
        current = candidate_input_from(candidate)
        values: dict[str, Any] = {
            name: tuple(value) if name in LIST_FIELDS else value for name, value in changes.items()
        }
        data = replace(current, **values)
        return _update(agency=agency, actor=actor, candidate=candidate, data=data, now=now)


def candidate_input_from(candidate: Candidate) -> CandidateInput:
    """A candidate's stored values as input, e.g. to fill an edit form. Decrypts the
    national identity number."""
    values: dict[str, Any] = {name: getattr(candidate, name) for name in EDITABLE_FIELDS}
    for name in LIST_FIELDS:
        values[name] = tuple(values[name] or ())
    values["national_id"] = values["national_id"] or ""
    return CandidateInput(
        source=candidate.source, source_partner=candidate.source_partner, **values
    )


def _update(
    *, agency: Agency, actor: Actor, candidate: Candidate, data: CandidateInput, now: datetime
) -> Candidate:
    # Checked as if it kept its source, so that the source rules hold as registered.
    data = replace(data, source=candidate.source, source_partner=candidate.source_partner)
    clean = candidate_clean(data, today=now.date())
    changed = []
    for name in EDITABLE_FIELDS:
        new = getattr(clean, name)
        old = getattr(candidate, name)
        if name == "national_id":
            new, old = new or None, old or None
        if new != old:
            changed.append(name)
    if not changed:
        return candidate
    names = tuple(changed) + tuple(DERIVED_FIELDS[n] for n in changed if n in DERIVED_FIELDS)
    _assign(candidate, clean, names)
    candidate.save(update_fields=[*names, "updated_at"])
    record(
        agency=agency,
        actor=actor,
        action="candidate.updated",
        subject=candidate,
        fields=changed,
        now=now,
    )
    _schedule_search_refresh(candidate.id)
    return candidate


def candidate_merge(
    *, agency: Agency, actor: Actor, keep_id: uuid.UUID, merge_id: uuid.UUID, now: datetime
) -> Candidate:
    """Merge two records of the same person into `keep_id`, in one transaction.

    The merged candidate's references and documents move to the kept one (documents are
    re-encrypted under the kept candidate's key), the kept candidate's empty fields are
    filled from the merged one (lists are joined), the merged candidate's data key is
    destroyed and its row deleted. Both get a `candidate.merged` event. The kept record
    keeps its own source (P-06); a restriction on either carries over (P-23), and the later
    activity of the two counts for retention.

    Raises NotFound, ValidationFailed for the same candidate twice, and MergeNotPossible
    when the merged candidate has records that this merge does not know how to move (so
    that nothing is deleted with its row).
    """
    from fortrolig.documents.services import documents_move
    from fortrolig.search.services import search_index_remove

    if keep_id == merge_id:
        raise ValidationFailed(MSG_MERGE_SELF, field_errors={"merge_id": [str(MSG_MERGE_SELF)]})
    with transaction.atomic():
        # Lock in a fixed order, so that two merges of the same pair cannot deadlock.
        first, second = sorted([keep_id, merge_id])
        locked = {first: _locked(agency, first), second: _locked(agency, second)}
        keep, merged = locked[keep_id], locked[merge_id]

        Reference.objects.filter(agency=agency, candidate=merged).update(candidate=keep)
        documents_move(
            agency=agency,
            from_candidate_id=merged.id,
            to_candidate_id=keep.id,
            now=now,
            actor=actor,
        )
        _refuse_unmoved_records(merged)

        changed = fill_empty(keep, merged)
        if merged.last_activity_at > keep.last_activity_at:
            keep.last_activity_at = merged.last_activity_at
            changed.append("last_activity_at")
        if merged.restricted and not keep.restricted:
            keep.restricted = True
            changed.append("restricted")
        if changed:
            keep.save(update_fields=[*changed, "updated_at"])

        record(
            agency=agency,
            actor=actor,
            action="candidate.merged",
            subject=keep,
            fields=changed,
            purpose="merge_kept",
            now=now,
        )
        record(
            agency=agency,
            actor=actor,
            action="candidate.merged",
            subject=SubjectRef(type=CANDIDATE_SUBJECT, id=merged.id),
            purpose="merge_removed",
            now=now,
        )
        merged_key = DataKey.objects.get(pk=merged.data_key_id)
        merged.delete()
        data_key_destroy(data_key=merged_key, now=now)

        _schedule_search_refresh(keep.id)
        transaction.on_commit(lambda: search_index_remove(candidate_id=merge_id))
    return keep


_MOVED_RELATIONS = {"references", "documents"}
# Apps whose rows about a candidate are derived from it and rebuilt after a merge.
_DERIVED_APPS = {"search"}


def _refuse_unmoved_records(merged: Candidate) -> None:
    # Deleting the merged row would cascade to any other table that points at it. Refuse
    # rather than lose data that a later feature added without teaching merge about it.
    for relation in Candidate._meta.related_objects:
        related_model = relation.related_model
        if relation.get_accessor_name() in _MOVED_RELATIONS or relation.many_to_many:
            continue
        if related_model._meta.app_label in _DERIVED_APPS:
            continue
        if related_model._default_manager.filter(**{relation.field.name: merged}).exists():
            raise MergeNotPossible()


def reference_add(
    *, agency: Agency, actor: Actor, candidate_id: uuid.UUID, data: ReferenceInput, now: datetime
) -> Reference:
    """Add a reference to a candidate. Raises NotFound and ValidationFailed."""
    clean = reference_clean(data)
    with transaction.atomic():
        candidate = _locked(agency, candidate_id)
        reference = Reference.objects.create(
            agency=agency,
            candidate=candidate,
            name=clean.name,
            relation=clean.relation,
            organisation=clean.organisation,
            phone=clean.phone,
            email=clean.email,
            may_ask_about=clean.may_ask_about,
        )
        record(
            agency=agency,
            actor=actor,
            action="candidate.reference.added",
            subject=candidate,
            fields=[name for name, value in vars(clean).items() if value],
            now=now,
        )
    return reference


def reference_remove(
    *, agency: Agency, actor: Actor, reference_id: uuid.UUID, now: datetime
) -> None:
    """Remove a reference. Raises NotFound for another agency's or an unknown reference."""
    with transaction.atomic():
        reference = (
            Reference.objects.select_for_update().filter(agency=agency, pk=reference_id).first()
        )
        if reference is None:
            raise NotFound()
        candidate_id = reference.candidate_id
        reference.delete()
        record(
            agency=agency,
            actor=actor,
            action="candidate.reference.removed",
            subject=SubjectRef(type=CANDIDATE_SUBJECT, id=candidate_id),
            now=now,
        )
