"""`manage.py seed_demo`: the demo agency with a manager and a consultant, and their logins.

Idempotent: run it again and nothing changes, and it prints the same thing.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fortrolig.accounts.services_demo import demo_seed
from fortrolig.core import clock
from fortrolig.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create the demo agency and its staff logins (idempotent), and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seed = demo_seed(now=clock.now())
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        # Demo accounts only: their password and TOTP keys are public by design.
        lines = [
            f"Demo agency: {seed.agency.name} (slug {seed.agency.slug})",
            "Staff login: /staff/login/ (for example http://127.0.0.1:8000/staff/login/)",
            f"Password for every demo login: {seed.password}",
            f"Demo candidates: {seed.candidates_total}, each with a CV",
            "Demo clients: 2, each with an open assignment and a published ad on /",
        ]
        for login in seed.logins:
            lines += [
                "",
                f"{login.role.label}: {login.email}",
                f"  TOTP secret: {login.totp_secret}",
                f"  otpauth URI: {login.otpauth_uri}",
                f"  Current code: python manage.py demo_totp {login.email}",
            ]
        self.stdout.write("\n".join(lines))
