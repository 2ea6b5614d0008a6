"""`manage.py api_token_create --agency SLUG --name NAME`: make an API token and print it
once. Only its keyed hash is stored, so it cannot be shown again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.api.services import api_token_create
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError
from fortrolig.core.models import Agency


class Command(BaseCommand):
    help = "Create an API token for an agency and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", required=True, help="the agency")
        parser.add_argument(
            "--name", required=True, help="what the token is for, e.g. 'payroll export'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency with the short name {options['agency']!r}")
        try:
            token, plaintext = api_token_create(
                agency=agency, name=options["name"], created_by=None, now=clock.now()
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc} {exc.field_errors}") from exc
        self.stderr.write(
            f"Created API token {token.prefix}… ({token.id}) for {agency.slug}. "
            "It is shown once, below; store it now."
        )
        self.stdout.write(plaintext)
