"""The one source of the current time. Services take `now` as a parameter (house rule 7);
only the outermost layer (a view, a command, a task) calls `now()`."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return timezone.now()


def require_aware(value: datetime, *, name: str = "now") -> datetime:
    """Return `value`, or raise ValueError when it is naive: naive datetimes are a bug here."""
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be timezone-aware")
    return value
