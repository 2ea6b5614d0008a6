"""`manage.py rotate_master_key`: rewrap every data key under the first master key."""

from typing import Any

from django.core.management.base import BaseCommand

from fortrolig.core.crypto import data_keys_rewrap


class Command(BaseCommand):
    help = (
        "Rewrap every data key under the first key in FORTROLIG_MASTER_KEYS. Put the new key "
        "first, keep the old ones, run this, then remove the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = data_keys_rewrap()
        self.stdout.write(f"rewrapped {count} data key(s)")
