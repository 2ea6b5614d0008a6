"""The candidates app's reactions to events elsewhere, registered when the app is ready.

P-07: when an assignment ends, the background checks collected for it are destroyed in the
transaction of the end (see `fortrolig.assignments.hooks`).
"""

from datetime import datetime
from typing import TYPE_CHECKING

from fortrolig.assignments.hooks import assignment_ended_hook
from fortrolig.audit.services import Actor
from fortrolig.core.models import Agency

from .background_checks import background_checks_destroy_for_assignment

if TYPE_CHECKING:
    from fortrolig.assignments.models import Assignment


@assignment_ended_hook
def background_checks_destroy_on_end(
    *, agency: Agency, actor: Actor, assignment: "Assignment", now: datetime
) -> None:
    """Destroy the documents and details of the assignment's background checks (P-07)."""
    background_checks_destroy_for_assignment(
        agency=agency, actor=actor, assignment=assignment, now=now
    )
