"""Parsing of the key material in settings. No Django imports: settings import this."""

import base64
import binascii
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32  # AES-256

MASTER_KEYS_HELP = (
    "Set FORTROLIG_MASTER_KEYS to a comma-separated list of ID:KEY pairs, where KEY is 32 "
    "random bytes in base64 (for example: python -c \"import os,base64;"
    "print('k1:'+base64.b64encode(os.urandom(32)).decode())\"). The first key wraps new "
    "data keys; keep older keys in the list until `manage.py rotate_master_key` has run."
)
LOOKUP_KEY_HELP = (
    "Set FORTROLIG_LOOKUP_KEY to 32 random bytes in base64. It keys the hashes used to "
    "match emails and phone numbers; it must never change once data exists."
)


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    key: bytes


def _decode_key(encoded: str, *, help_text: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64. {help_text}") from exc
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must decode to {KEY_BYTES} bytes, not {len(raw)}. {help_text}"
        )
    return raw


def parse_master_keys(value: str) -> list[MasterKey]:
    """Parse `ID:BASE64,ID:BASE64`. Raises ImproperlyConfigured, saying what to set."""
    if not value.strip():
        raise ImproperlyConfigured(f"FORTROLIG_MASTER_KEYS is missing. {MASTER_KEYS_HELP}")
    keys: list[MasterKey] = []
    for item in value.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured(
                f"FORTROLIG_MASTER_KEYS has an entry without an ID. {MASTER_KEYS_HELP}"
            )
        keys.append(
            MasterKey(
                key_id=key_id,
                key=_decode_key(
                    encoded, help_text=MASTER_KEYS_HELP, name=f"Master key {key_id!r}"
                ),
            )
        )
    if len({k.key_id for k in keys}) != len(keys):
        raise ImproperlyConfigured(f"FORTROLIG_MASTER_KEYS repeats an ID. {MASTER_KEYS_HELP}")
    return keys


def parse_lookup_key(value: str) -> bytes:
    """Parse the base64 lookup key. Raises ImproperlyConfigured, saying what to set."""
    if not value.strip():
        raise ImproperlyConfigured(f"FORTROLIG_LOOKUP_KEY is missing. {LOOKUP_KEY_HELP}")
    return _decode_key(value, help_text=LOOKUP_KEY_HELP, name="FORTROLIG_LOOKUP_KEY")
