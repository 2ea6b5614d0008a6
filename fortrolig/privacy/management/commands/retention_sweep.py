"""`manage.py retention_sweep [--now ISO8601] [--dry-run] [--json]`: erase what is due."""

import json
from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fortrolig.core import clock
from fortrolig.privacy.retention import DEFAULT_BATCH_SIZE, SweepReport, retention_sweep


def parse_moment(value: str) -> datetime:
    """An ISO 8601 date or date-time. Without an offset it is read in the site's time zone
    (Europe/Oslo); a date alone means its midnight there."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now must be an ISO 8601 date or time, like 2026-03-01T03:00+01:00; got {value!r}"
        ) from None
    if len(value) == 10:
        moment = datetime.combine(moment.date(), time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = (
        "Erase every candidate (and other retained row) whose retention deadline has passed "
        "(P-18). Idempotent and resumable; exits non-zero when a row could not be erased."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            metavar="ISO8601",
            help="sweep as of this moment instead of the current time (no offset: Europe/Oslo)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing; list what would be erased and why",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_moment(options["now"]) if options["now"] else clock.now()
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = retention_sweep(
            now=now, dry_run=options["dry_run"], batch_size=options["batch_size"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.to_json(), indent=2))
        else:
            self._print(report)
        if report.failures:
            raise CommandError(f"{report.failed_total} row(s) could not be erased; see the report")

    def _print(self, report: SweepReport) -> None:
        verb = "would erase" if report.dry_run else "erased"
        if report.dry_run:
            for item in report.items:
                deadline = item.deadline.isoformat() if item.deadline else "-"
                self.stdout.write(
                    f"{item.kind} {item.id} agency={item.agency_id} clock={item.clock} "
                    f"deadline={deadline}"
                )
        mode = "dry run" if report.dry_run else "sweep"
        self.stdout.write(f"Retention {mode} as of {report.as_of.isoformat()}:")
        for kind in report.due:
            self.stdout.write(
                f"  {kind}: {verb} {report.erased.get(kind, 0)}, "
                f"deadline moved {report.rescheduled.get(kind, 0)}, "
                f"paused by a legal hold {report.paused.get(kind, 0)}, "
                f"locked elsewhere {report.skipped.get(kind, 0)}"
            )
        for failure in report.failures:
            self.stdout.write(
                f"  failed: {failure['kind'] or 'sweep'} {failure['code']} x{failure['count']}"
            )
        self.stdout.write(f"  in {report.seconds:.2f} s")
