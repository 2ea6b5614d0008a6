"""Start-up refuses to run without valid keys, and says what to set (P-27)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _check(env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORTROLIG_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "x" * 60,
            "FORTROLIG_LOOKUP_KEY": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
            "FORTROLIG_MASTER_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        }
    )
    env.update(env_overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_valid_keys_start():
    result = _check({})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FORTROLIG_MASTER_KEYS": None}, "FORTROLIG_MASTER_KEYS is missing"),
        ({"FORTROLIG_MASTER_KEYS": "k1:short"}, "not valid base64"),
        ({"FORTROLIG_MASTER_KEYS": "k1:c2hvcnQ="}, "must decode to 32 bytes"),
        ({"FORTROLIG_LOOKUP_KEY": None}, "FORTROLIG_LOOKUP_KEY is missing"),
    ],
)
def test_p27_missing_or_invalid_keys_stop_start_up_saying_what_to_set(overrides, message):
    result = _check(overrides)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Set FORTROLIG_" in result.stderr


def test_daily_audit_verification_is_scheduled():
    from config.celery import app
    from fortrolig.audit.tasks import audit_verify_all_task

    entries = {e["task"] for e in app.conf.beat_schedule.values()}
    assert audit_verify_all_task.name in entries
