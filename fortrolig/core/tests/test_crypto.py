"""Envelope encryption (P-27)."""

import base64
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from fortrolig.core import crypto
from fortrolig.core.keys import MasterKey, parse_lookup_key, parse_master_keys
from fortrolig.core.models import DataKey
from fortrolig.core.tests.cryptoapp.models import SecretNote
from fortrolig.core.vault import vault_read, vault_store

MARKER = "CANARY-12345678901-P27"


def _new_master(key_id: str) -> MasterKey:
    return MasterKey(key_id=key_id, key=os.urandom(32))


def _note(agency, body=MARKER) -> SecretNote:
    key = crypto.data_key_create(agency=agency)
    return SecretNote.objects.create(agency=agency, data_key=key, label="n", body=body)


def test_p27_round_trip(agency):
    note = _note(agency)
    fresh = SecretNote.objects.get(pk=note.pk)
    assert fresh.body == MARKER


def test_p27_ciphertext_in_the_column_not_plaintext(agency):
    note = _note(agency)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body FROM cryptoapp_secretnote WHERE id = %s",
            [note.pk.hex if connection.vendor == "sqlite" else note.pk],
        )
        raw = bytes(cursor.fetchone()[0])
    assert MARKER.encode() not in raw
    assert raw.startswith(crypto.MAGIC)


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="reads the SQLite file"
)
def test_p27_plaintext_never_appears_in_the_database_file(transactional_db, agency):
    _note(agency)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    db_path = Path(connection.settings_dict["NAME"])
    files = [p for p in db_path.parent.glob(db_path.name + "*") if p.is_file()]
    assert files
    for path in files:
        assert MARKER.encode() not in path.read_bytes(), path.name


def test_p27_each_subject_has_its_own_key(agency):
    a, b = _note(agency), _note(agency)
    assert a.data_key_id != b.data_key_id
    assert (
        crypto.ciphertext_key_id(SecretNote.objects.get(pk=a.pk).__dict__["body"]) == a.data_key_id
    )


def test_p27_data_is_gone_after_shredding(agency):
    note = _note(agency)
    crypto.data_key_destroy(data_key=note.data_key, now=note.created_at)
    crypto.clear_key_cache()
    fresh = SecretNote.objects.get(pk=note.pk)  # the row still loads
    assert fresh.label == "n"
    with pytest.raises(crypto.KeyDestroyed) as exc:
        _ = fresh.body
    with translation.override("en"):
        assert "erased" in str(exc.value)
    assert DataKey.objects.get(pk=note.data_key_id).wrapped_key is None


def test_p27_shredding_takes_effect_in_the_same_process_at_once(agency):
    note = _note(agency)
    assert SecretNote.objects.get(pk=note.pk).body == MARKER  # key now cached
    crypto.data_key_destroy(data_key=note.data_key, now=note.created_at)
    with pytest.raises(crypto.KeyDestroyed):
        _ = SecretNote.objects.get(pk=note.pk).body


def test_p27_a_saved_row_keeps_its_ciphertext_when_other_fields_change(agency):
    note = _note(agency)
    fresh = SecretNote.objects.get(pk=note.pk)
    before = fresh.__dict__["body"]
    fresh.label = "changed"
    fresh.save()
    assert SecretNote.objects.get(pk=note.pk).__dict__["body"] == before


def test_p27_survives_master_key_rotation(agency):
    note = _note(agency)
    old = list(settings.FORTROLIG_MASTER_KEYS)
    new = _new_master("rotated")
    with override_settings(FORTROLIG_MASTER_KEYS=[new, *old]):
        call_command("rotate_master_key", stdout=io.StringIO())
        assert DataKey.objects.get(pk=note.data_key_id).master_key_id == "rotated"
        crypto.clear_key_cache()
        # The old master key can now be removed: everything reads with the new one alone.
        with override_settings(FORTROLIG_MASTER_KEYS=[new]):
            assert SecretNote.objects.get(pk=note.pk).body == MARKER


def test_p27_a_missing_master_key_says_what_to_set(agency):
    note = _note(agency)
    crypto.clear_key_cache()
    with (
        override_settings(FORTROLIG_MASTER_KEYS=[_new_master("other")]),
        pytest.raises(ImproperlyConfigured) as exc,
    ):
        _ = SecretNote.objects.get(pk=note.pk).body
    assert "FORTROLIG_MASTER_KEYS" in str(exc.value)


def test_p27_tampered_ciphertext_is_refused(agency):
    note = _note(agency)
    blob = bytearray(SecretNote.objects.get(pk=note.pk).__dict__["body"])
    blob[-1] ^= 0x01
    with pytest.raises(crypto.CiphertextInvalid):
        crypto.decrypt(bytes(blob))


def test_p27_encrypted_fields_cannot_be_bulk_updated_or_filtered_in_plaintext(agency):
    _note(agency)
    with pytest.raises(TypeError):
        SecretNote.objects.update(body="plain")
    with pytest.raises(TypeError):
        list(SecretNote.objects.filter(body=MARKER))


def test_p27_files_are_encrypted_at_rest_and_shredded_with_the_key(agency, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        key = crypto.data_key_create(agency=agency)
        name = vault_store(data_key_id=key.id, content=MARKER.encode())
        stored = next(tmp_path.rglob("*.bin")).read_bytes()
        assert MARKER.encode() not in stored
        assert vault_read(name=name) == MARKER.encode()
        crypto.data_key_destroy(data_key=key, now=key.created_at)
        with pytest.raises(crypto.KeyDestroyed):
            vault_read(name=name)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "is missing"),
        ("k1", "without an ID"),
        ("k1:not-base64!!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "must decode to 32 bytes"),
        ("k1:{k},k1:{k}", "repeats an ID"),
    ],
)
def test_p27_invalid_master_keys_stop_start_up_with_a_message(value, fragment):
    value = value.replace("{k}", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ImproperlyConfigured) as exc:
        parse_master_keys(value)
    assert fragment in str(exc.value)
    assert "FORTROLIG_MASTER_KEYS" in str(exc.value)


def test_p27_invalid_lookup_key_stops_start_up():
    with pytest.raises(ImproperlyConfigured, match="FORTROLIG_LOOKUP_KEY"):
        parse_lookup_key("")


def test_keyed_hash_normalises_and_separates_purposes():
    a = crypto.keyed_hash(" Ola@Example.com ", purpose="email")
    assert a == crypto.keyed_hash("ola@example.com", purpose="email")
    assert a != crypto.keyed_hash("ola@example.com", purpose="phone")
    assert "ola" not in a
