from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.core.models import Agency
from fortrolig.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the candidate search index, for one agency or for all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", help="only this agency")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = Agency.objects.order_by("slug")
        if options["agency"]:
            agencies = agencies.filter(slug=options["agency"])
            if not agencies.exists():
                raise CommandError(f"No agency with the short name {options['agency']!r}.")
        for agency in agencies:
            count = search_index_rebuild(agency=agency)
            self.stdout.write(f"{agency.slug}: {count} candidates indexed")
