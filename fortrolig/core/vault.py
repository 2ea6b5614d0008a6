"""Encrypted files through Django's storage API (P-27, P-29).

Blobs are stored under random names that say nothing about their content or owner, and
are never served from a public path: only authorised views read them through here.
"""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from . import crypto


def vault_store(*, data_key_id: uuid.UUID, content: bytes, storage: Storage | None = None) -> str:
    """Encrypt `content` under the data key and store it. Returns the storage name."""
    storage = storage or default_storage
    name = f"vault/{uuid.uuid4().hex}.bin"
    return storage.save(
        name, ContentFile(crypto.encrypt(data_key_id=data_key_id, plaintext=content))
    )


def vault_read(*, name: str, storage: Storage | None = None) -> bytes:
    """Read and decrypt a stored blob. Raises KeyDestroyed once its key is destroyed."""
    storage = storage or default_storage
    with storage.open(name, "rb") as handle:
        return crypto.decrypt(handle.read())


def vault_delete(*, name: str, storage: Storage | None = None) -> None:
    (storage or default_storage).delete(name)
