"""`manage.py audit_verify [--agency SLUG]`: recompute the hash chains; exit 1 on a break."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.audit.services import chains_verify_all
from fortrolig.core import clock
from fortrolig.core.models import Agency


class Command(BaseCommand):
    help = "Verify the audit hash chain of every agency, or of one. Exits non-zero on a break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", help="verify only this agency")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = Agency.objects.order_by("slug")
        if options["agency"]:
            agencies = agencies.filter(slug=options["agency"])
            if not agencies.exists():
                raise CommandError(f"no agency with the short name {options['agency']!r}")
        reports = chains_verify_all(now=clock.now(), agencies=list(agencies))
        slugs = {a.id: a.slug for a in agencies}
        for report in reports:
            self.stdout.write(f"{slugs[report.agency_id]}: {report.describe()}")
        broken = [r for r in reports if not r.ok]
        if broken:
            raise CommandError(f"{len(broken)} of {len(reports)} audit chain(s) are broken")
