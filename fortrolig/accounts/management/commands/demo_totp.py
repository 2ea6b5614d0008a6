"""`manage.py demo_totp EMAIL`: print the current TOTP code of a demo account.

Refuses (exit status 1) for any account that seed_demo did not make.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.accounts.selectors import demo_totp_code
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Print the current two-step login code of a demo account made by seed_demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The demo account's email.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = demo_totp_code(email=options["email"], now=clock.now())
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(code)
