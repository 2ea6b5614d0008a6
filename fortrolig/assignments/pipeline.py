"""The agency's pipeline stages: a default set, created when first needed."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from fortrolig.core.clock import require_aware
from fortrolig.core.models import Agency

from .models import PipelineStage, StageOutcome


@dataclass(frozen=True)
class DefaultStage:
    name_nb: str
    name_en: str
    outcome: str = StageOutcome.OPEN


DEFAULT_STAGES = (
    DefaultStage("Ny søknad", "New application"),
    DefaultStage("Vurdering", "Screening"),
    DefaultStage("Intervju", "Interview"),
    DefaultStage("Presentert for kunde", "Presented to client"),
    DefaultStage("Tilbud", "Offer"),
    DefaultStage("Ansatt", "Hired", StageOutcome.HIRED),
    DefaultStage("Avslått", "Not going further", StageOutcome.REJECTED),
)


def pipeline_stages_ensure(*, agency: Agency, now: datetime) -> PipelineStage:
    """Create the default stages for an agency that has none; return its first stage.

    Safe to call concurrently: the agency row is locked while the stages are created.
    """
    require_aware(now)
    with transaction.atomic():
        initial = _initial_stage(agency)
        if initial is not None:
            return initial
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        initial = _initial_stage(agency)
        if initial is not None:
            return initial
        stages = [
            PipelineStage(
                agency=agency,
                name_nb=stage.name_nb,
                name_en=stage.name_en,
                order=(index + 1) * 10,
                outcome=stage.outcome,
                is_initial=index == 0,
            )
            for index, stage in enumerate(DEFAULT_STAGES)
        ]
        PipelineStage.objects.bulk_create(stages)
        return stages[0]


def _initial_stage(agency: Agency) -> PipelineStage | None:
    return PipelineStage.objects.filter(
        agency=agency, is_initial=True, archived_at__isnull=True
    ).first()
