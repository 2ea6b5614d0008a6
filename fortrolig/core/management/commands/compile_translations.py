"""Compile every .po catalogue of the project into .mo, with polib.

Django's own `compilemessages` needs GNU gettext installed on the machine; this needs only
the virtualenv, so `make run` works on a fresh machine without system packages.
"""

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po translation catalogues into .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        count = 0
        for po_path in sorted(root.glob("fortrolig/**/locale/*/LC_MESSAGES/*.po")) + sorted(
            root.glob("locale/*/LC_MESSAGES/*.po")
        ):
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")
