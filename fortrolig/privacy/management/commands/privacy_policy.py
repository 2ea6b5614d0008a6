"""`manage.py privacy_policy --agency SLUG [--lang nb|en]`: print the agency's current
privacy policy (P-01) as text, the same as its public page shows."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fortrolig.core import clock
from fortrolig.core.errors import NotFound
from fortrolig.privacy.policy import (
    DEFAULT_LANGUAGE,
    POLICY_LANGUAGES,
    policy_page_for_slug,
    policy_text,
)


class Command(BaseCommand):
    help = (
        "Print an agency's privacy policy as Markdown, rendered from its configuration. "
        "Publishes a new version first when the configuration has changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", metavar="SLUG", required=True, help="the agency")
        parser.add_argument(
            "--lang", choices=POLICY_LANGUAGES, default=DEFAULT_LANGUAGE, help="the language"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            page = policy_page_for_slug(
                slug=options["agency"], language=options["lang"], now=clock.now()
            )
        except NotFound:
            raise CommandError(f"no agency with the short name {options['agency']!r}") from None
        self.stdout.write(policy_text(page.policy, version_line=page.version_line), ending="")
