"""`manage.py import_candidates PATH --agency SLUG`: candidates from a CSV file.

The command reads the file and the arguments and writes the report; the import itself is
`candidates.imports.candidates_import`. Columns and rules: docs/import.md.
"""

import codecs
import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from fortrolig.audit.services import Actor
from fortrolig.candidates.imports import (
    DEFAULT_BATCH_SIZE,
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    ImportResult,
    OnDuplicate,
    candidates_import,
)
from fortrolig.core import clock
from fortrolig.core.models import Agency

REPORT_HEADER = ("row", "column", "code", "reason")
# A CV summary can be long; the csv module's default limit (128 KiB) is kept well above it.
csv.field_size_limit(1024 * 1024)


class Command(BaseCommand):
    help = "Import candidates from a CSV file (UTF-8, header row). See docs/import.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file.")
        parser.add_argument("--agency", required=True, help="The agency's short name (slug).")
        parser.add_argument(
            "--on-duplicate",
            choices=OnDuplicate.values,
            default=OnDuplicate.SKIP,
            help="What to do with a row that duplicates a candidate (default: skip).",
        )
        parser.add_argument(
            "--report",
            type=Path,
            help="Write every rejected or skipped row here as CSV (row, column, code, "
            "reason); it holds no value from the file.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency with the short name {options['agency']!r}.")
        # Read once before importing: a file that is not UTF-8 is refused before any row
        # is stored, rather than halfway through.
        total = self._count_lines(path) - 1
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            try:
                self._check_header(reader.fieldnames)
            except csv.Error as exc:
                raise CommandError(f"{path} is not valid CSV: {exc}") from exc
            with tqdm(total=total, unit="rows", file=sys.stderr, disable=None) as bar:
                try:
                    result = candidates_import(
                        agency=agency,
                        rows=reader,
                        actor=Actor.system(),
                        now=clock.now(),
                        on_duplicate=options["on_duplicate"],
                        batch_size=options["batch_size"],
                        progress=bar.update,
                    )
                except csv.Error as exc:
                    raise CommandError(f"{path} is not valid CSV: {exc}") from exc
        if options["report"]:
            self._write_report(options["report"], result)
        self.stdout.write(
            f"{result.rows} rows: {result.created} created, {result.merged} merged, "
            f"{result.duplicates} duplicates skipped, {result.rejected} rejected."
        )

    def _check_header(self, fieldnames: Any) -> None:
        if not fieldnames:
            raise CommandError("The file is empty: it needs a header row.")
        names = [str(name).strip() for name in fieldnames]
        unknown = sorted(set(names) - set(IMPORT_COLUMNS))
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if unknown or missing:
            parts = []
            if missing:
                parts.append("missing columns: " + ", ".join(missing))
            if unknown:
                parts.append("unknown columns: " + ", ".join(unknown))
            raise CommandError(
                "The header row does not fit the import (" + "; ".join(parts) + "). "
                "Known columns: " + ", ".join(IMPORT_COLUMNS) + "."
            )

    def _count_lines(self, path: Path) -> int:
        """The number of lines (for the progress bar; exact unless a quoted value holds a
        line break). Raises CommandError for a file that cannot be read or is not UTF-8."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        lines = 0
        offset = 0
        try:
            with path.open("rb") as raw:
                while chunk := raw.read(1 << 20):
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        raise CommandError(
                            f"{path} is not UTF-8 text (at byte {offset + exc.start}); "
                            "save it as CSV UTF-8."
                        ) from exc
                    lines += chunk.count(b"\n")
                    offset += len(chunk)
                    last = chunk
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        if offset and not last.endswith(b"\n"):
            lines += 1
        return lines

    def _write_report(self, report: Path, result: ImportResult) -> None:
        with report.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(REPORT_HEADER)
            for problem in result.problems:
                writer.writerow([problem.row, problem.column, problem.code, str(problem.reason)])
        self.stdout.write(f"Report of {len(result.problems)} problem(s): {report}")
