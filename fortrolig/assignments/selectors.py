"""Reads of assignments, positions, the pipeline and applications, always within one agency.

Restricted candidates (P-23) are left out of the board and of the application lists here,
in the selectors, so that no page or endpoint can forget it.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record_many
from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import Client
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .models import Application, Assignment, AssignmentStatus, PipelineStage, Position
from .pipeline import pipeline_stages_ensure

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
QUERY_MAX = 200
# What a board card shows of each candidate: recorded as the fields seen (P-28).
BOARD_FIELDS = ("first_name", "last_name")

MSG_STATUS = _("Choose one of the listed statuses.")
MSG_PAGE = _("The page must be a whole number from 1.")
MSG_QUERY = _("Search for at most 200 characters.")
MSG_PREPAYMENT_LABEL = _("%(name)s (prepayment required)")


def assignments_for_client(*, agency: Agency, client_id: uuid.UUID) -> list[Assignment]:
    """The agency's assignments for one client, newest first (by start date, then creation).
    Another agency's client gives an empty list."""
    return list(
        Assignment.objects.filter(agency=agency, client_id=client_id).order_by(
            "-starts_on", "-created_at"
        )
    )


def assignment_get(*, agency: Agency, assignment_id: uuid.UUID) -> Assignment:
    """One of the agency's assignments, with its client. Raises NotFound for an unknown id or
    another agency's assignment."""
    assignment = (
        Assignment.objects.select_related("client", "responsible")
        .filter(agency=agency, pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


def position_get(*, agency: Agency, position_id: uuid.UUID) -> Position:
    """One of the agency's positions, with its assignment and client. Raises NotFound for an
    unknown id or another agency's position."""
    position = (
        Position.objects.select_related("assignment", "assignment__client")
        .filter(agency=agency, pk=position_id)
        .first()
    )
    if position is None:
        raise NotFound()
    return position


# --- assignments ------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    position_count: int
    application_count: int


@dataclass(frozen=True)
class AssignmentPage:
    rows: list[AssignmentRow]
    total: int
    page: int
    pages: int
    page_size: int


def assignment_list(
    *,
    agency: Agency,
    status: str = "",
    client_id: uuid.UUID | None = None,
    query: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> AssignmentPage:
    """One page of the agency's assignments, newest start first, with their numbers of
    positions and applications. `query` matches the title or the client's name.

    Raises ValidationFailed for an unknown status, a page below 1 or a query too long.
    """
    errors: dict[str, list[str]] = {}
    if status and status not in AssignmentStatus.values:
        errors["status"] = [str(MSG_STATUS)]
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        errors["page"] = [str(MSG_PAGE)]
    if len(query) > QUERY_MAX:
        errors["query"] = [str(MSG_QUERY)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    assignments = Assignment.objects.filter(agency=agency)
    if status:
        assignments = assignments.filter(status=status)
    if client_id is not None:
        assignments = assignments.filter(client_id=client_id)
    if query.strip():
        text = query.strip()
        assignments = assignments.filter(Q(title__icontains=text) | Q(client__name__icontains=text))
    total = assignments.count()
    rows = (
        assignments.select_related("client")
        .annotate(
            position_count=Count("positions", distinct=True),
            application_count=Count("positions__applications", distinct=True),
        )
        .order_by("-starts_on", "-created_at")[(page - 1) * page_size : page * page_size]
    )
    return AssignmentPage(
        rows=[
            AssignmentRow(
                assignment=row,
                position_count=row.position_count,
                application_count=row.application_count,
            )
            for row in rows
        ],
        total=total,
        page=page,
        pages=max(1, math.ceil(total / page_size)),
        page_size=page_size,
    )


@dataclass(frozen=True)
class PositionSummary:
    position: Position
    application_count: int
    ad_count: int

    @property
    def removable(self) -> bool:
        return self.application_count == 0 and self.ad_count == 0


@dataclass(frozen=True)
class AssignmentDetail:
    assignment: Assignment
    positions: list[PositionSummary]


def assignment_detail(*, agency: Agency, assignment_id: uuid.UUID) -> AssignmentDetail:
    """An assignment with its positions, each with its numbers of applications and ads.
    Raises NotFound."""
    assignment = assignment_get(agency=agency, assignment_id=assignment_id)
    positions = (
        Position.objects.filter(agency=agency, assignment=assignment)
        .annotate(
            application_count=Count("applications", distinct=True),
            ad_count=Count("ads", distinct=True),
        )
        .order_by("created_at", "title")
    )
    return AssignmentDetail(
        assignment=assignment,
        positions=[
            PositionSummary(
                position=position,
                application_count=position.application_count,
                ad_count=position.ad_count,
            )
            for position in positions
        ],
    )


@dataclass(frozen=True)
class StaffChoice:
    user_id: uuid.UUID
    name: str


def responsible_choices(*, agency: Agency) -> list[StaffChoice]:
    """The people of the agency who can be responsible for an assignment, by name."""
    # Read here rather than through an accounts selector: there is none yet for listing
    # an agency's people.
    from fortrolig.accounts.models import Membership

    memberships = (
        Membership.objects.filter(agency=agency)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return [
        StaffChoice(user_id=m.user_id, name=m.user.full_name or m.user.email) for m in memberships
    ]


# --- the pipeline -----------------------------------------------------------------------


def pipeline_stages(*, agency: Agency) -> list[PipelineStage]:
    """The agency's active stages, in order (empty for an agency without an assignment
    yet: `pipeline_stages_ensure` creates the defaults)."""
    return list(
        PipelineStage.objects.filter(agency=agency, archived_at__isnull=True).order_by(
            "order", "created_at"
        )
    )


def pipeline_stage_get(*, agency: Agency, stage_id: uuid.UUID) -> PipelineStage:
    """One of the agency's stages, archived or not. Raises NotFound."""
    stage = PipelineStage.objects.filter(agency=agency, pk=stage_id).first()
    if stage is None:
        raise NotFound()
    return stage


@dataclass(frozen=True)
class StageRow:
    stage: PipelineStage
    application_count: int


def pipeline_config(*, agency: Agency, now: datetime) -> list[StageRow]:
    """The manager's view of the pipeline: the active stages in order with the number of
    applications in each. Creates the default stages for an agency that has none."""
    pipeline_stages_ensure(agency=agency, now=now)
    stages = (
        PipelineStage.objects.filter(agency=agency, archived_at__isnull=True)
        .annotate(application_count=Count("applications"))
        .order_by("order", "created_at")
    )
    return [StageRow(stage=stage, application_count=stage.application_count) for stage in stages]


# --- the board --------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCard:
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    applied_at: datetime
    source: str
    source_label: str
    stage_id: uuid.UUID
    stage_changed_at: datetime


@dataclass(frozen=True)
class BoardColumn:
    stage: PipelineStage
    cards: list[BoardCard]


@dataclass(frozen=True)
class Board:
    position: Position
    columns: list[BoardColumn]
    stages: list[PipelineStage]
    # Applications of restricted candidates (P-23): counted, never shown.
    hidden_count: int

    @property
    def assignment(self) -> Assignment:
        return self.position.assignment

    @property
    def card_count(self) -> int:
        return sum(len(column.cards) for column in self.columns)


def position_board(*, agency: Agency, actor: Actor, position_id: uuid.UUID, now: datetime) -> Board:
    """The pipeline board of one position: a column per active stage with the cards of its
    applications, oldest move first.

    The candidates' names are personal data shown in a list, so each shown candidate gets a
    `candidate.listed` event (P-28), in the same transaction. Applications of restricted
    candidates (P-23) are left out and only counted. Creates the default stages for an
    agency that has none. Raises NotFound for another agency's position.
    """
    with transaction.atomic():
        position = position_get(agency=agency, position_id=position_id)
        pipeline_stages_ensure(agency=agency, now=now)
        stages = pipeline_stages(agency=agency)
        applications = Application.objects.filter(agency=agency, position=position)
        hidden = applications.filter(candidate__restricted=True).count()
        shown = list(
            applications.filter(candidate__restricted=False)
            .select_related("candidate")
            .order_by("stage_changed_at", "created_at")
        )
        by_stage: dict[uuid.UUID, list[BoardCard]] = {stage.id: [] for stage in stages}
        columns_extra: list[PipelineStage] = []
        for application in shown:
            if application.stage_id not in by_stage:
                # An archived stage never holds applications; should one, it is shown
                # rather than have its cards vanish.
                columns_extra.append(application.stage)
                by_stage[application.stage_id] = []
            by_stage[application.stage_id].append(_card(application))
        record_many(
            agency=agency,
            actor=actor,
            events=[
                PendingEvent(
                    action="candidate.listed",
                    subject=SubjectRef(
                        type=Candidate._meta.label_lower, id=application.candidate_id
                    ),
                    fields=BOARD_FIELDS,
                    purpose="board",
                )
                for application in shown
            ],
            now=now,
        )
    return Board(
        position=position,
        columns=[BoardColumn(stage=stage, cards=by_stage[stage.id]) for stage in stages]
        + [BoardColumn(stage=stage, cards=by_stage[stage.id]) for stage in columns_extra],
        stages=stages,
        hidden_count=hidden,
    )


def _card(application: Application) -> BoardCard:
    return BoardCard(
        application_id=application.id,
        candidate_id=application.candidate_id,
        candidate_name=application.candidate.full_name,
        applied_at=application.created_at,
        source=application.source,
        source_label=str(application.get_source_display()),
        stage_id=application.stage_id,
        stage_changed_at=application.stage_changed_at,
    )


# --- applications -----------------------------------------------------------------------


def application_list(
    *, agency: Agency, position_id: uuid.UUID | None = None, stage_id: uuid.UUID | None = None
) -> QuerySet[Application]:
    """The agency's applications, newest first, optionally of one position and one stage.
    Applications of restricted candidates (P-23) are left out. Raises NotFound for a
    position or stage of another agency."""
    applications = Application.objects.filter(agency=agency, candidate__restricted=False)
    if position_id is not None:
        applications = applications.filter(
            position=position_get(agency=agency, position_id=position_id)
        )
    if stage_id is not None:
        applications = applications.filter(
            stage=pipeline_stage_get(agency=agency, stage_id=stage_id)
        )
    return applications.order_by("-created_at", "id")


def application_get(*, agency: Agency, application_id: uuid.UUID) -> Application:
    """One application of the agency, not of a restricted candidate (P-23). Raises
    NotFound."""
    application = (
        Application.objects.select_related("position", "stage")
        .filter(agency=agency, pk=application_id, candidate__restricted=False)
        .first()
    )
    if application is None:
        raise NotFound()
    return application


@dataclass(frozen=True)
class FormChoices:
    clients: list[tuple[str, str]]
    people: list[tuple[str, str]]
    # The clients by id (as text), to show the chosen one's prepayment flag (P-08).
    client_by_id: dict[str, Client]


def assignment_form_choices(
    *, agency: Agency, current_client_id: uuid.UUID | None = None
) -> FormChoices:
    """The choices of the assignment form: the agency's active clients (and the current
    one, archived or not) and its people."""
    from fortrolig.clients.selectors import client_choices, client_get

    clients = client_choices(agency=agency)
    if current_client_id is not None and all(c.id != current_client_id for c in clients):
        clients.append(client_get(agency=agency, client_id=current_client_id))
    return FormChoices(
        clients=[(str(client.id), _client_label(client)) for client in clients],
        people=[(str(p.user_id), p.name) for p in responsible_choices(agency=agency)],
        client_by_id={str(client.id): client for client in clients},
    )


def _client_label(client: Client) -> str:
    if client.prepayment_required:
        # P-08: the flag follows the client into the choice.
        return str(MSG_PREPAYMENT_LABEL) % {"name": client.name}
    return client.name
