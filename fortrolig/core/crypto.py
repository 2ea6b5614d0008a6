"""Envelope encryption (P-27) and keyed hashes.

Each data subject has a data key (AES-256-GCM). It is stored wrapped by the agency's master
key, which is derived (HKDF) from the active key in FORTROLIG_MASTER_KEYS and the agency's
ID. A ciphertext names the data key it was made with, so that it can be decrypted without
knowing which row it came from, and so that destroying the key shreds every copy.

Ciphertext layout: MAGIC (2 bytes) | data key UUID (16) | nonce (12) | AES-GCM output.
"""

import functools
import hashlib
import hmac
import os
import threading
import uuid
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .bulk import bulk_insert
from .errors import ApplicationError
from .keys import MASTER_KEYS_HELP, MasterKey
from .models import Agency, DataKey

MAGIC = b"F1"
NONCE_BYTES = 12
_HEADER_BYTES = len(MAGIC) + 16


class KeyDestroyed(ApplicationError):
    """The data key was destroyed: the data it protected has been erased for good."""

    status = 410
    code = "erased"
    default_message = _("This information has been erased and can no longer be read.")


class CiphertextInvalid(ApplicationError):
    status = 500
    code = "ciphertext_invalid"
    default_message = _("Stored data could not be read: it is damaged or was altered.")


class Ciphertext(bytes):
    """Bytes read from an encrypted column, not yet decrypted."""


# Unwrapped data keys, per thread, cleared at every request and task boundary (see
# core.signals) and on destruction, so that a destroyed key is never used again.
_local = threading.local()


def _dek_cache() -> dict[uuid.UUID, AESGCM]:
    cache: dict[uuid.UUID, AESGCM] | None = getattr(_local, "deks", None)
    if cache is None:
        cache = {}
        _local.deks = cache
    return cache


def clear_key_cache() -> None:
    _dek_cache().clear()


def _master_keys() -> list[MasterKey]:
    keys: list[MasterKey] = settings.FORTROLIG_MASTER_KEYS
    return keys


@functools.lru_cache(maxsize=1024)
def _agency_wrapping_key(master: MasterKey, agency_id: uuid.UUID) -> AESGCM:
    # Cached: the derivation is deterministic, and bulk imports create thousands of keys.
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"fortrolig/agency-master/" + agency_id.bytes,
    ).derive(master.key)
    return AESGCM(derived)


def _master_by_id(key_id: str) -> MasterKey:
    for key in _master_keys():
        if key.key_id == key_id:
            return key
    raise ImproperlyConfigured(
        f"Master key {key_id!r} wraps stored data keys but is not in FORTROLIG_MASTER_KEYS. "
        + MASTER_KEYS_HELP
    )


def _wrap(*, agency_id: uuid.UUID, key_id: uuid.UUID, dek: bytes) -> tuple[bytes, str]:
    master = _master_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    wrapped = _agency_wrapping_key(master, agency_id).encrypt(nonce, dek, key_id.bytes)
    return nonce + wrapped, master.key_id


def _unwrap(data_key: DataKey) -> bytes:
    if data_key.wrapped_key is None:
        raise KeyDestroyed()
    blob = bytes(data_key.wrapped_key)
    master = _master_by_id(data_key.master_key_id)
    try:
        return _agency_wrapping_key(master, data_key.agency_id).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], data_key.id.bytes
        )
    except InvalidTag as exc:
        raise CiphertextInvalid() from exc


def data_key_create(*, agency: Agency) -> DataKey:
    """Create and store a new wrapped data key for one data subject."""
    key_id = uuid.uuid4()
    dek = AESGCM.generate_key(bit_length=256)
    wrapped, master_key_id = _wrap(agency_id=agency.id, key_id=key_id, dek=dek)
    # Made in this thread: keep it unwrapped, so that encrypting under it does not read it
    # back (the cache is cleared at request and task boundaries, and on destruction).
    _dek_cache()[key_id] = AESGCM(dek)
    return DataKey.objects.create(
        id=key_id, agency=agency, wrapped_key=wrapped, master_key_id=master_key_id
    )


def data_keys_create(*, agency: Agency, count: int) -> list[DataKey]:
    """Create `count` data keys in one statement, for bulk imports. The new keys stay
    unwrapped in this thread's cache, as with `data_key_create`."""
    keys: list[DataKey] = []
    cache = _dek_cache()
    for _index in range(count):
        key_id = uuid.uuid4()
        dek = AESGCM.generate_key(bit_length=256)
        wrapped, master_key_id = _wrap(agency_id=agency.id, key_id=key_id, dek=dek)
        cache[key_id] = AESGCM(dek)
        keys.append(
            DataKey(id=key_id, agency=agency, wrapped_key=wrapped, master_key_id=master_key_id)
        )
    bulk_insert(DataKey, keys)
    return keys


def data_key_destroy(*, data_key: DataKey, now: datetime) -> None:
    """Crypto-shred: forget the data key, so nothing encrypted under it can be read again."""
    DataKey.objects.filter(pk=data_key.pk, destroyed_at__isnull=True).update(
        wrapped_key=None, destroyed_at=now
    )
    data_key.wrapped_key = None
    data_key.destroyed_at = now
    _dek_cache().pop(data_key.id, None)


def _aead_for(key_id: uuid.UUID) -> AESGCM:
    cache = _dek_cache()
    aead = cache.get(key_id)
    if aead is None:
        try:
            data_key = DataKey.objects.get(pk=key_id)
        except DataKey.DoesNotExist as exc:
            raise KeyDestroyed() from exc
        aead = AESGCM(_unwrap(data_key))
        cache[key_id] = aead
    return aead


def encrypt(*, data_key_id: uuid.UUID, plaintext: bytes) -> bytes:
    """Encrypt under a subject's data key. Raises KeyDestroyed if the key is gone."""
    header = MAGIC + data_key_id.bytes
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + _aead_for(data_key_id).encrypt(nonce, plaintext, header)


def ciphertext_key_id(blob: bytes) -> uuid.UUID:
    if len(blob) < _HEADER_BYTES + NONCE_BYTES or not blob.startswith(MAGIC):
        raise CiphertextInvalid()
    return uuid.UUID(bytes=bytes(blob[len(MAGIC) : _HEADER_BYTES]))


def decrypt(blob: bytes) -> bytes:
    """Decrypt a ciphertext made by `encrypt`.

    Raises KeyDestroyed when its data key was destroyed, and CiphertextInvalid when the
    bytes were damaged or altered.
    """
    blob = bytes(blob)
    key_id = ciphertext_key_id(blob)
    header = blob[:_HEADER_BYTES]
    nonce = blob[_HEADER_BYTES : _HEADER_BYTES + NONCE_BYTES]
    try:
        return _aead_for(key_id).decrypt(nonce, blob[_HEADER_BYTES + NONCE_BYTES :], header)
    except InvalidTag as exc:
        raise CiphertextInvalid() from exc


def data_keys_rewrap(*, batch_size: int = 500) -> int:
    """Rewrap every live data key under the first (active) master key. Returns the count.

    Each batch commits on its own, so a rotation can be stopped and resumed, and runs while
    the system serves: a key is readable under its old master until it is rewrapped.
    """
    active_id = _master_keys()[0].key_id
    rewrapped = 0
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.select_for_update()
                .filter(wrapped_key__isnull=False)
                .exclude(master_key_id=active_id)
                .order_by("id")[:batch_size]
            )
            if not batch:
                return rewrapped
            for data_key in batch:
                dek = _unwrap(data_key)
                data_key.wrapped_key, data_key.master_key_id = _wrap(
                    agency_id=data_key.agency_id, key_id=data_key.id, dek=dek
                )
            DataKey.objects.bulk_update(batch, ["wrapped_key", "master_key_id"])
            rewrapped += len(batch)


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, for exact-match lookups without plaintext."""
    message = purpose.encode() + b"\x00" + value.strip().lower().encode()
    return hmac.new(settings.FORTROLIG_LOOKUP_KEY, message, hashlib.sha256).hexdigest()
