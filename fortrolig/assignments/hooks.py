"""What happens when an assignment ends: an explicit registry of hooks.

Ending an assignment is an event that other parts of the system act on; the first is P-07,
the destruction of background checks collected for the assignment. `assignment_end` calls
every registered hook inside its own transaction, after the assignment is marked ended and
the `assignment.ended` event is recorded. A hook that raises rolls the whole end back: the
assignment stays open, and nothing the other hooks did is kept. So a hook must do its work
in the database (or queue it with `transaction.on_commit`), and must not have effects that
cannot be undone before the commit.

A hook is a function with keyword-only arguments::

    from fortrolig.assignments.hooks import assignment_ended_hook

    @assignment_ended_hook
    def background_checks_destroy_on_end(*, agency, actor, assignment, now):
        ...

Register hooks when the app is ready, so that they are in place before any request or
task runs: import the module that defines them in the app's `AppConfig.ready`::

    class CandidatesConfig(AppConfig):
        def ready(self) -> None:
            from . import hooks  # noqa: F401  (registers the assignment-ended hooks)

Hooks run in the order they were registered. Registering the same function twice keeps
one registration.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from fortrolig.audit.services import Actor
from fortrolig.core.models import Agency

if TYPE_CHECKING:
    from .models import Assignment


class AssignmentEndedHook(Protocol):
    """A function called in the transaction that ends an assignment."""

    def __call__(
        self, *, agency: Agency, actor: Actor, assignment: "Assignment", now: datetime
    ) -> None: ...


_ended_hooks: list[AssignmentEndedHook] = []


def assignment_ended_hook(hook: AssignmentEndedHook) -> AssignmentEndedHook:
    """Register `hook` to run when an assignment ends; usable as a decorator."""
    if hook not in _ended_hooks:
        _ended_hooks.append(hook)
    return hook


def assignment_ended_hook_remove(hook: AssignmentEndedHook) -> None:
    """Take a hook out of the registry (for tests); unknown hooks are ignored."""
    if hook in _ended_hooks:
        _ended_hooks.remove(hook)


def assignment_ended_hooks() -> tuple[AssignmentEndedHook, ...]:
    """The registered hooks, in the order they run."""
    return tuple(_ended_hooks)


@contextmanager
def assignment_ended_hook_registered(hook: AssignmentEndedHook) -> Iterator[None]:
    """Register `hook` for the duration of a `with` block (for tests)."""
    already = hook in _ended_hooks
    assignment_ended_hook(hook)
    try:
        yield
    finally:
        if not already:
            assignment_ended_hook_remove(hook)


def assignment_ended_hooks_run(
    *, agency: Agency, actor: Actor, assignment: "Assignment", now: datetime
) -> None:
    """Call every registered hook, in order. Called by `assignment_end` inside its
    transaction; an exception from a hook propagates and rolls the end back."""
    for hook in tuple(_ended_hooks):
        hook(agency=agency, actor=actor, assignment=assignment, now=now)
