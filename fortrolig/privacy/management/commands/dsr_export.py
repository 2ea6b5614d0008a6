"""`manage.py dsr_export --agency SLUG --subject ID --out PATH [--lang nb|en]`: write a
person's access export (P-20) as a zip of export.json, export.pdf and their documents."""

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.audit.services import Actor
from fortrolig.core import clock
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency
from fortrolig.privacy.access_export import subject_export
from fortrolig.privacy.policy import DEFAULT_LANGUAGE, POLICY_LANGUAGES


class Command(BaseCommand):
    help = "Write the access export of a candidate or client contact to a zip file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", required=True, help="the agency")
        parser.add_argument(
            "--subject", metavar="ID", required=True, help="a candidate or client contact ID"
        )
        parser.add_argument("--out", metavar="PATH", required=True, help="the zip to write")
        parser.add_argument(
            "--lang", choices=POLICY_LANGUAGES, default=DEFAULT_LANGUAGE, help="the language"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            subject_id = uuid.UUID(options["subject"])
        except ValueError:
            raise CommandError("--subject must be an ID (a UUID)") from None
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency with the short name {options['agency']!r}")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError("the folder of --out does not exist")
        try:
            result = subject_export(
                agency=agency,
                actor=Actor.system(),
                subject_type=None,
                subject_id=subject_id,
                language=options["lang"],
                now=clock.now(),
            )
        except NotFound:
            raise CommandError(
                "no candidate or client contact with that ID in this agency"
            ) from None
        out.write_bytes(result.zip_bytes)
        self.stdout.write(
            f"Wrote {out}: {len(result.field_names)} fields, {result.file_count} documents."
        )
