"""Writes of assignments, positions, the pipeline and applications (P-07, P-15, P-23, P-28).

Every change runs in one transaction and records its audit event there, with field names
only. Bad input raises ValidationFailed (with the field in `field_errors`) and changes
nothing; a change that the current state does not allow raises a Conflict subclass with a
clear message. Job ads (`ads*.py`) and the public apply flow (`apply.py`) have their own
modules.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.candidates.services import candidate_activity_record
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .hooks import assignment_ended_hooks_run
from .models import (
    Application,
    ApplicationSource,
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    PipelineStage,
    Position,
    StageOutcome,
)
from .pipeline import pipeline_stages_ensure

__all__ = [
    "AssignmentEnded",
    "AssignmentInput",
    "CandidateRestricted",
    "DuplicateApplication",
    "PositionInUse",
    "PositionInput",
    "StageInUse",
    "application_add",
    "application_move",
    "assignment_client_release",
    "assignment_create",
    "assignment_end",
    "assignment_update",
    "pipeline_stage_archive",
    "pipeline_stage_create",
    "pipeline_stage_rename",
    "pipeline_stage_reorder",
    "pipeline_stage_shift",
    "position_add",
    "position_remove",
    "position_update",
]

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
LOCATION_MAX = 200
OPENINGS_MAX = 999
STAGE_NAME_MAX = 100

MSG_TITLE = _("Give the assignment a title of at most 200 characters.")
MSG_KIND = _("Choose recruitment or staffing.")
MSG_DESCRIPTION = _("The description can be at most 20,000 characters.")
MSG_START = _("Give the start date.")
MSG_END_BEFORE_START = _("The planned end date cannot be before the start date.")
MSG_CLIENT = _("Choose one of the agency's clients.")
MSG_CLIENT_ARCHIVED = _("This client is archived. Choose a client the agency works for now.")
MSG_RESPONSIBLE = _("Choose a person who works in this agency.")
MSG_POSITION_TITLE = _("Give the position a title of at most 200 characters.")
MSG_LOCATION = _("The location can be at most 200 characters.")
MSG_OPENINGS = _("The number of openings must be a whole number from 1 to 999.")
MSG_STAGE_NAME = _("Give the stage a name of at most 100 characters.")
MSG_STAGE_NAME_TAKEN = _("Another stage already has this name.")
MSG_STAGE_OUTCOME = _("Choose one of the listed outcomes.")
MSG_STAGE_UNKNOWN = _("Choose one of the stages of the pipeline.")
MSG_STAGE_ARCHIVED = _("This stage is archived. Choose another stage.")
MSG_STAGE_ORDER = _("List every active stage of the pipeline exactly once.")


class AssignmentEnded(Conflict):
    code = "assignment_ended"
    default_message = _("This assignment has ended and can no longer be changed.")


class AssignmentAlreadyEnded(Conflict):
    code = "assignment_already_ended"
    default_message = _("This assignment has already ended.")


class ClientNotConfidential(Conflict):
    code = "client_not_confidential"
    default_message = _(
        "The client of this assignment is not confidential: candidates already see its name."
    )


class ClientAlreadyReleased(Conflict):
    code = "client_already_released"
    default_message = _("The client's name has already been released to candidates.")


class PositionInUse(Conflict):
    code = "position_in_use"
    default_message = _(
        "This position has applications or job ads, so it cannot be removed. Close the ads "
        "and move the candidates first, or end the assignment."
    )


class CandidateRestricted(Conflict):
    code = "candidate_restricted"
    default_message = _(
        "Processing of this candidate is restricted, so they cannot be put in a pipeline."
    )


class DuplicateApplication(Conflict):
    code = "duplicate_application"
    default_message = _("This candidate is already in the pipeline for this position.")


class StageInUse(Conflict):
    code = "stage_in_use"
    default_message = _(
        "This stage holds applications. Move them to another stage before you archive it."
    )


class InitialStageKept(Conflict):
    code = "initial_stage"
    default_message = _("The first stage, where new applications land, cannot be archived.")


class StageArchived(Conflict):
    code = "stage_archived"
    default_message = _("This stage is already archived.")


@dataclass(frozen=True)
class PositionInput:
    title: str
    location: str = ""
    openings: int = 1
    requires_police_certificate: bool = False
    requires_security_clearance: bool = False
    requires_credit_check: bool = False


@dataclass(frozen=True)
class AssignmentInput:
    client_id: uuid.UUID | None
    title: str
    kind: str
    starts_on: date | None
    ends_on: date | None = None
    description: str = ""
    confidential_client: bool = False
    responsible_id: uuid.UUID | None = None


ASSIGNMENT_FIELDS = (
    "client",
    "title",
    "kind",
    "description",
    "responsible",
    "confidential_client",
    "starts_on",
    "ends_on",
)
POSITION_FIELDS = (
    "title",
    "location",
    "openings",
    "requires_police_certificate",
    "requires_security_clearance",
    "requires_credit_check",
)


def _refuse(errors: dict[str, list[str]]) -> None:
    """Raise ValidationFailed when there are errors; a single error is also the message."""
    if not errors:
        return
    messages = [message for field_messages in errors.values() for message in field_messages]
    message: str | Promise = messages[0] if len(messages) == 1 else ValidationFailed.default_message
    raise ValidationFailed(message, field_errors=errors)


def _add(errors: dict[str, list[str]], field: str, message: Promise) -> None:
    errors.setdefault(field, []).append(str(message))


# --- assignments ------------------------------------------------------------------------


def _assignment_errors(
    agency: Agency, data: AssignmentInput, *, current: Assignment | None
) -> dict[str, list[str]]:
    from fortrolig.clients.selectors import client_get

    errors: dict[str, list[str]] = {}
    if not data.title.strip() or len(data.title.strip()) > TITLE_MAX:
        _add(errors, "title", MSG_TITLE)
    if data.kind not in AssignmentKind.values:
        _add(errors, "kind", MSG_KIND)
    if len(data.description) > DESCRIPTION_MAX:
        _add(errors, "description", MSG_DESCRIPTION)
    if data.starts_on is None:
        _add(errors, "starts_on", MSG_START)
    elif data.ends_on is not None and data.ends_on < data.starts_on:
        _add(errors, "ends_on", MSG_END_BEFORE_START)
    if data.client_id is None:
        _add(errors, "client", MSG_CLIENT)
    else:
        try:
            client = client_get(agency=agency, client_id=data.client_id)
        except NotFound:
            _add(errors, "client", MSG_CLIENT)
        else:
            # New work is not started for an archived client; an assignment that already
            # has one keeps it.
            kept = current is not None and current.client_id == client.id
            if client.archived_at is not None and not kept:
                _add(errors, "client", MSG_CLIENT_ARCHIVED)
    if data.responsible_id is not None and not _is_member(agency, data.responsible_id):
        _add(errors, "responsible", MSG_RESPONSIBLE)
    return errors


def _is_member(agency: Agency, user_id: uuid.UUID) -> bool:
    from fortrolig.accounts.models import Membership

    return Membership.objects.filter(agency=agency, user_id=user_id).exists()


def _position_errors(data: PositionInput, *, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.title.strip() or len(data.title.strip()) > TITLE_MAX:
        _add(errors, prefix + "title", MSG_POSITION_TITLE)
    if len(data.location.strip()) > LOCATION_MAX:
        _add(errors, prefix + "location", MSG_LOCATION)
    if (
        isinstance(data.openings, bool)
        or not isinstance(data.openings, int)
        or not 1 <= data.openings <= OPENINGS_MAX
    ):
        _add(errors, prefix + "openings", MSG_OPENINGS)
    return errors


def _user_id(actor: Actor) -> uuid.UUID | None:
    # Only a staff actor names a user; the API and the system do not.
    if actor.type != ActorType.STAFF or actor.id is None:
        return None
    return actor.id if get_user_model().objects.filter(pk=actor.id).exists() else None


def _assignment_values(data: AssignmentInput) -> dict[str, object]:
    return {
        "client_id": data.client_id,
        "title": data.title.strip(),
        "kind": data.kind,
        "description": data.description.strip(),
        "responsible_id": data.responsible_id,
        "confidential_client": data.confidential_client,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
    }


def _position_values(data: PositionInput) -> dict[str, object]:
    return {
        "title": data.title.strip(),
        "location": data.location.strip(),
        "openings": data.openings,
        "requires_police_certificate": data.requires_police_certificate,
        "requires_security_clearance": data.requires_security_clearance,
        "requires_credit_check": data.requires_credit_check,
    }


def _filled(values: dict[str, object], names: Sequence[str]) -> list[str]:
    return [name for name in names if values.get(name) not in (None, "", False)]


def assignment_create(
    *,
    agency: Agency,
    actor: Actor,
    data: AssignmentInput,
    positions: Sequence[PositionInput] = (),
    now: datetime,
) -> Assignment:
    """Create an open assignment for one of the agency's clients, with its positions.

    Creates the agency's default pipeline on its first assignment. Records
    `assignment.created` and a `position.added` per position. Raises ValidationFailed
    (nothing stored) for bad input: no title, unknown kind, no start date, a planned end
    before the start, a client of another agency or an archived one, a responsible person
    outside the agency, or a bad position (fields `positions.<n>.<field>`).
    """
    require_aware(now)
    errors = _assignment_errors(agency, data, current=None)
    for index, position in enumerate(positions):
        errors.update(_position_errors(position, prefix=f"positions.{index}."))
    _refuse(errors)
    with transaction.atomic():
        values = _assignment_values(data)
        assignment = Assignment.objects.create(agency=agency, **values)
        record(
            agency=agency,
            actor=actor,
            action="assignment.created",
            subject=assignment,
            fields=_filled(
                {k.removesuffix("_id"): v for k, v in values.items()}, ASSIGNMENT_FIELDS
            ),
            now=now,
        )
        for position_data in positions:
            _position_create(
                agency=agency, actor=actor, assignment=assignment, data=position_data, now=now
            )
        pipeline_stages_ensure(agency=agency, now=now)
    return assignment


def _locked_assignment(agency: Agency, assignment_id: uuid.UUID) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().filter(agency=agency, pk=assignment_id).first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def assignment_update(
    *, agency: Agency, actor: Actor, assignment_id: uuid.UUID, data: AssignmentInput, now: datetime
) -> Assignment:
    """Replace an open assignment's details, recording the names of the changed fields in
    `assignment.updated`.

    P-15: making the client confidential again, or giving a confidential assignment another
    client, hides the client's name again until a consultant releases it.

    Raises NotFound, AssignmentEnded, and ValidationFailed (nothing changed).
    """
    require_aware(now)
    with transaction.atomic():
        assignment = _locked_assignment(agency, assignment_id)
        if assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        _refuse(_assignment_errors(agency, data, current=assignment))
        values = _assignment_values(data)
        changed = [
            name.removesuffix("_id")
            for name, value in values.items()
            if getattr(assignment, name) != value
        ]
        if not changed:
            return assignment
        client_changed = "client" in changed
        for name, value in values.items():
            setattr(assignment, name, value)
        update_fields = [*values, "updated_at"]
        released = assignment.client_name_released_at is not None
        if released and ("confidential_client" in changed or client_changed):
            # A release is about one client, under one confidential setting.
            assignment.client_name_released_at = None
            assignment.client_name_released_by = None
            update_fields += ["client_name_released_at", "client_name_released_by"]
            changed += ["client_name_released_at", "client_name_released_by"]
        assignment.save(update_fields=update_fields)
        record(
            agency=agency,
            actor=actor,
            action="assignment.updated",
            subject=assignment,
            fields=changed,
            now=now,
        )
    return assignment


def assignment_client_release(
    *, agency: Agency, actor: Actor, assignment_id: uuid.UUID, now: datetime
) -> Assignment:
    """Release a confidential client's name to candidates (P-15): from now on ads and
    candidate-facing pages may show it. Records `assignment.client_released`.

    Raises NotFound, ClientNotConfidential for an assignment whose client is not
    confidential, and ClientAlreadyReleased when the name is out already.
    """
    require_aware(now)
    with transaction.atomic():
        assignment = _locked_assignment(agency, assignment_id)
        if not assignment.confidential_client:
            raise ClientNotConfidential()
        if assignment.client_name_released_at is not None:
            raise ClientAlreadyReleased()
        assignment.client_name_released_at = now
        assignment.client_name_released_by_id = _user_id(actor)
        assignment.save(
            update_fields=["client_name_released_at", "client_name_released_by", "updated_at"]
        )
        record(
            agency=agency,
            actor=actor,
            action="assignment.client_released",
            subject=assignment,
            fields=("client_name_released_at", "client_name_released_by"),
            now=now,
        )
    return assignment


def assignment_end(
    *, agency: Agency, actor: Actor, assignment_id: uuid.UUID, now: datetime
) -> Assignment:
    """End an assignment: status ENDED, `ended_at=now`, audited `assignment.ended`.

    Then, in the same transaction, every hook registered in `hooks.py` runs (P-07: the
    destruction of background checks). A hook that raises rolls the end back with it.

    Raises NotFound, and AssignmentAlreadyEnded when it has ended before.
    """
    require_aware(now)
    with transaction.atomic():
        assignment = _locked_assignment(agency, assignment_id)
        if assignment.status == AssignmentStatus.ENDED:
            raise AssignmentAlreadyEnded()
        assignment.status = AssignmentStatus.ENDED
        assignment.ended_at = now
        assignment.save(update_fields=["status", "ended_at", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="assignment.ended",
            subject=assignment,
            fields=("status", "ended_at"),
            now=now,
        )
        assignment_ended_hooks_run(agency=agency, actor=actor, assignment=assignment, now=now)
    return assignment


# --- positions --------------------------------------------------------------------------


def _position_create(
    *, agency: Agency, actor: Actor, assignment: Assignment, data: PositionInput, now: datetime
) -> Position:
    values = _position_values(data)
    position = Position.objects.create(agency=agency, assignment=assignment, **values)
    record(
        agency=agency,
        actor=actor,
        action="position.added",
        subject=position,
        fields=_filled(values, POSITION_FIELDS),
        now=now,
    )
    return position


def position_add(
    *, agency: Agency, actor: Actor, assignment_id: uuid.UUID, data: PositionInput, now: datetime
) -> Position:
    """Add a position to an open assignment. Records `position.added`.

    Raises NotFound, AssignmentEnded, and ValidationFailed (nothing stored).
    """
    require_aware(now)
    _refuse(_position_errors(data))
    with transaction.atomic():
        assignment = _locked_assignment(agency, assignment_id)
        if assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        return _position_create(
            agency=agency, actor=actor, assignment=assignment, data=data, now=now
        )


def _locked_position(agency: Agency, position_id: uuid.UUID) -> Position:
    position = (
        Position.objects.select_for_update()
        .select_related("assignment")
        .filter(agency=agency, pk=position_id)
        .first()
    )
    if position is None:
        raise NotFound()
    return position


def position_update(
    *, agency: Agency, actor: Actor, position_id: uuid.UUID, data: PositionInput, now: datetime
) -> Position:
    """Replace a position's details (title, location, openings, and the background checks
    it requires, P-07). Records `position.updated` with the changed fields.

    Raises NotFound, AssignmentEnded, and ValidationFailed (nothing changed).
    """
    require_aware(now)
    _refuse(_position_errors(data))
    with transaction.atomic():
        position = _locked_position(agency, position_id)
        if position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        values = _position_values(data)
        changed = [name for name, value in values.items() if getattr(position, name) != value]
        if not changed:
            return position
        for name in changed:
            setattr(position, name, values[name])
        position.save(update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="position.updated",
            subject=position,
            fields=changed,
            now=now,
        )
    return position


def position_remove(*, agency: Agency, actor: Actor, position_id: uuid.UUID, now: datetime) -> None:
    """Remove a position that has no applications and no job ads. Records
    `position.removed`.

    Raises NotFound, AssignmentEnded, and PositionInUse (nothing removed).
    """
    require_aware(now)
    with transaction.atomic():
        position = _locked_position(agency, position_id)
        if position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        if position.applications.exists() or position.ads.exists():
            raise PositionInUse()
        subject = SubjectRef(type=Position._meta.label_lower, id=position.id)
        position.delete()
        record(agency=agency, actor=actor, action="position.removed", subject=subject, now=now)


# --- the pipeline -----------------------------------------------------------------------


def _stage_name_errors(
    agency: Agency, *, name_nb: str, name_en: str, exclude_id: uuid.UUID | None = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, value in (("name_nb", name_nb), ("name_en", name_en)):
        if not value.strip() or len(value.strip()) > STAGE_NAME_MAX:
            _add(errors, field, MSG_STAGE_NAME)
    if errors:
        return errors
    active = PipelineStage.objects.filter(agency=agency, archived_at__isnull=True)
    if exclude_id is not None:
        active = active.exclude(pk=exclude_id)
    for field, value in (("name_nb", name_nb), ("name_en", name_en)):
        if active.filter(**{f"{field}__iexact": value.strip()}).exists():
            _add(errors, field, MSG_STAGE_NAME_TAKEN)
    return errors


def _stage_locked(agency: Agency, stage_id: uuid.UUID) -> PipelineStage:
    stage = PipelineStage.objects.select_for_update().filter(agency=agency, pk=stage_id).first()
    if stage is None:
        raise NotFound()
    return stage


def pipeline_stage_create(
    *,
    agency: Agency,
    actor: Actor,
    name_nb: str,
    name_en: str,
    outcome: str = StageOutcome.OPEN,
    now: datetime,
) -> PipelineStage:
    """Add a stage at the end of the agency's pipeline (after the defaults are created,
    if the agency has none). Records `pipeline.stage.created`.

    Raises ValidationFailed (nothing stored) for an empty or too long name, a name another
    active stage has, or an unknown outcome.
    """
    require_aware(now)
    with transaction.atomic():
        pipeline_stages_ensure(agency=agency, now=now)
        errors = _stage_name_errors(agency, name_nb=name_nb, name_en=name_en)
        if outcome not in StageOutcome.values:
            _add(errors, "outcome", MSG_STAGE_OUTCOME)
        _refuse(errors)
        last = PipelineStage.objects.filter(agency=agency).aggregate(last=Max("order"))["last"]
        stage = PipelineStage.objects.create(
            agency=agency,
            name_nb=name_nb.strip(),
            name_en=name_en.strip(),
            outcome=outcome,
            order=(last or 0) + 10,
        )
        record(
            agency=agency,
            actor=actor,
            action="pipeline.stage.created",
            subject=stage,
            fields=("name_nb", "name_en", "outcome", "order"),
            now=now,
        )
    return stage


def pipeline_stage_rename(
    *, agency: Agency, actor: Actor, stage_id: uuid.UUID, name_nb: str, name_en: str, now: datetime
) -> PipelineStage:
    """Rename a stage in Norwegian and English. Records `pipeline.stage.renamed`.

    Raises NotFound and ValidationFailed (nothing changed).
    """
    require_aware(now)
    with transaction.atomic():
        stage = _stage_locked(agency, stage_id)
        _refuse(_stage_name_errors(agency, name_nb=name_nb, name_en=name_en, exclude_id=stage.id))
        changed = [
            field
            for field, value in (("name_nb", name_nb.strip()), ("name_en", name_en.strip()))
            if getattr(stage, field) != value
        ]
        if not changed:
            return stage
        stage.name_nb = name_nb.strip()
        stage.name_en = name_en.strip()
        stage.save(update_fields=[*changed, "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="pipeline.stage.renamed",
            subject=stage,
            fields=changed,
            now=now,
        )
    return stage


def pipeline_stage_reorder(
    *, agency: Agency, actor: Actor, stage_ids: Sequence[uuid.UUID], now: datetime
) -> list[PipelineStage]:
    """Put the agency's active stages in the given order. Records
    `pipeline.stage.reordered` for each stage whose place changed.

    Raises ValidationFailed (nothing changed) unless `stage_ids` names every active stage
    exactly once.
    """
    require_aware(now)
    with transaction.atomic():
        stages = {
            stage.id: stage
            for stage in PipelineStage.objects.select_for_update().filter(
                agency=agency, archived_at__isnull=True
            )
        }
        if len(stage_ids) != len(set(stage_ids)) or set(stage_ids) != set(stages):
            _refuse({"stage_ids": [str(MSG_STAGE_ORDER)]})
        ordered = [stages[stage_id] for stage_id in stage_ids]
        for index, stage in enumerate(ordered):
            order = (index + 1) * 10
            if stage.order == order:
                continue
            stage.order = order
            stage.save(update_fields=["order", "updated_at"])
            record(
                agency=agency,
                actor=actor,
                action="pipeline.stage.reordered",
                subject=stage,
                fields=("order",),
                now=now,
            )
    return ordered


def pipeline_stage_shift(
    *, agency: Agency, actor: Actor, stage_id: uuid.UUID, by: int, now: datetime
) -> list[PipelineStage]:
    """Move one active stage `by` places (-1 is one place earlier), as the up and down
    buttons do; a move past either end stops there. Raises NotFound."""
    require_aware(now)
    with transaction.atomic():
        ids = list(
            PipelineStage.objects.select_for_update()
            .filter(agency=agency, archived_at__isnull=True)
            .order_by("order", "created_at")
            .values_list("id", flat=True)
        )
        if stage_id not in ids:
            raise NotFound()
        index = ids.index(stage_id)
        ids.insert(max(0, min(len(ids) - 1, index + by)), ids.pop(index))
        return pipeline_stage_reorder(agency=agency, actor=actor, stage_ids=ids, now=now)


def pipeline_stage_archive(
    *, agency: Agency, actor: Actor, stage_id: uuid.UUID, now: datetime
) -> PipelineStage:
    """Archive a stage: it leaves the board and can no longer be chosen. Records
    `pipeline.stage.archived`.

    Raises NotFound, StageArchived, InitialStageKept for the stage new applications land
    in, and StageInUse while it holds applications.
    """
    require_aware(now)
    with transaction.atomic():
        stage = _stage_locked(agency, stage_id)
        if stage.archived_at is not None:
            raise StageArchived()
        if stage.is_initial:
            raise InitialStageKept()
        if Application.objects.filter(agency=agency, stage=stage).exists():
            raise StageInUse()
        stage.archived_at = now
        stage.save(update_fields=["archived_at", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="pipeline.stage.archived",
            subject=stage,
            fields=("archived_at",),
            now=now,
        )
    return stage


# --- applications -----------------------------------------------------------------------


def _candidate_touched(candidate_id: uuid.UUID, now: datetime) -> None:
    """Work on an application is activity of the candidate (the retention clock, P-18)."""
    candidate_activity_record(candidate_id=candidate_id, now=now)


def application_add(
    *,
    agency: Agency,
    actor: Actor,
    candidate_id: uuid.UUID,
    position_id: uuid.UUID,
    now: datetime,
    source: str = ApplicationSource.CONSULTANT,
) -> Application:
    """Put one of the agency's candidates in the pipeline of a position, in the initial
    stage, under the candidate's data key. Records `application.created`; counts as
    activity of the candidate.

    Raises NotFound (candidate or position of another agency), CandidateRestricted (P-23),
    AssignmentEnded, and DuplicateApplication when the candidate is in this position's
    pipeline already. Nothing is stored in any of these cases.
    """
    from fortrolig.candidates.selectors import candidate_get

    require_aware(now)
    if source not in (ApplicationSource.CONSULTANT, ApplicationSource.API):
        # Applications from the job board come through the apply flow, with the
        # candidate's acknowledgement.
        raise ValueError("application_add takes consultant or API applications")
    with transaction.atomic():
        position = _locked_position(agency, position_id)
        candidate = candidate_get(agency=agency, candidate_id=candidate_id)
        if candidate.restricted:
            raise CandidateRestricted()
        if position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        if Application.objects.filter(candidate=candidate, position=position).exists():
            raise DuplicateApplication()
        stage = pipeline_stages_ensure(agency=agency, now=now)
        try:
            # A savepoint: a concurrent add of the same pair must not break the caller's
            # transaction, only this add.
            with transaction.atomic():
                application = Application.objects.create(
                    agency=agency,
                    candidate=candidate,
                    position=position,
                    stage=stage,
                    source=source,
                    data_key_id=candidate.data_key_id,
                    stage_changed_at=now,
                )
        except IntegrityError as error:
            raise DuplicateApplication() from error
        record(
            agency=agency,
            actor=actor,
            action="application.created",
            subject=application,
            fields=("candidate", "position", "stage", "source"),
            now=now,
        )
        _candidate_touched(candidate.id, now)
    return application


def application_move(
    *, agency: Agency, actor: Actor, application_id: uuid.UUID, stage_id: uuid.UUID, now: datetime
) -> Application:
    """Move an application to another stage of the agency's pipeline. Records
    `application.stage_changed` (field `stage`), sets `stage_changed_at`, and counts as
    activity of the candidate. Moving to the stage it is in changes nothing.

    Raises NotFound (application of another agency or of a restricted candidate, P-23),
    ValidationFailed for a stage of another agency or an archived stage, and
    AssignmentEnded. Nothing changes in any of these cases.
    """
    require_aware(now)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("position__assignment", "candidate")
            .filter(agency=agency, pk=application_id, candidate__restricted=False)
            .first()
        )
        if application is None:
            raise NotFound()
        stage = PipelineStage.objects.filter(agency=agency, pk=stage_id).first()
        if stage is None:
            _refuse({"stage": [str(MSG_STAGE_UNKNOWN)]})
        assert stage is not None
        if stage.archived_at is not None:
            _refuse({"stage": [str(MSG_STAGE_ARCHIVED)]})
        if application.position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        if application.stage_id == stage.id:
            return application
        application.stage = stage
        application.stage_changed_at = now
        application.save(update_fields=["stage", "stage_changed_at", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="application.stage_changed",
            subject=application,
            fields=("stage",),
            now=now,
        )
        if stage.outcome == StageOutcome.REJECTED:
            # The candidate has left the assignment: their background checks go (P-07).
            # Imported here: the candidates app's checks module imports this app's models.
            from fortrolig.candidates.background_checks import (
                background_checks_destroy_for_application,
            )

            background_checks_destroy_for_application(
                agency=agency, actor=actor, application_id=application.id, now=now
            )
        _candidate_touched(application.candidate_id, now)
    return application
