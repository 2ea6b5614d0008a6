"""`manage.py retention_sweep [--now ISO8601] [--dry-run] [--json]` (P-18)."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from fortrolig.candidates.models import Candidate
from fortrolig.privacy import retention
from fortrolig.privacy.management.commands.retention_sweep import parse_moment

from .test_retention_support import OSLO, make_candidate

ACTIVITY = datetime(2024, 2, 29, 14, 0, tzinfo=OSLO)
DEADLINE = datetime(2026, 2, 28, 14, 0, tzinfo=OSLO)
TODAY = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def run(*args):
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("retention_sweep", *args, stdout=out)
    return out.getvalue()


def test_p18_command_sweeps_as_of_now_and_prints_a_summary(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    output = run()
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert "candidates.Candidate: erased 1" in output
    assert "Kari" not in output and "example.com" not in output


def test_p18_command_dry_run_lists_what_and_why_without_names(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    output = run("--dry-run", "--now", "2026-02-28T14:00:00+01:00")
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert f"candidates.Candidate {candidate.id}" in output
    assert "clock=last_activity" in output
    assert "deadline=2026-02-28T13:00:00+00:00" in output
    assert "would erase 1" in output
    assert "Kari" not in output and "example.com" not in output


def test_p18_command_json_is_machine_readable(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    data = json.loads(run("--dry-run", "--json", "--now", "2026-03-01"))
    assert data["dry_run"] is True
    assert data["erased"]["candidates.Candidate"] == 1
    assert data["items"] == [
        {
            "kind": "candidates.Candidate",
            "id": str(candidate.id),
            "agency": str(agency.id),
            "clock": "last_activity",
            "deadline": "2026-02-28T13:00:00+00:00",
        }
    ]
    assert data["as_of"] == "2026-03-01T00:00:00+01:00"


def test_p18_command_now_before_the_deadline_keeps_the_data(agency):
    candidate = make_candidate(agency, last_activity_at=ACTIVITY)
    run("--now", "2026-02-28T13:59:59+01:00")
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    run("--now", "2026-02-28T13:00:00Z")
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_p18_after_the_command_no_deadline_is_before_its_now(agency):
    for index in range(6):
        make_candidate(
            agency,
            last_activity_at=datetime(2024 + index % 3, 1 + 2 * index, 28, 23, tzinfo=OSLO),
            email=f"k{index}@example.com",
        )
    for moment in ("2026-01-15", "2026-06-30T23:59:59+02:00", "2027-12-31"):
        run("--now", moment)
        now = parse_moment(moment)
        assert not Candidate.objects.filter(erase_after__lt=now).exists()


def test_p18_naive_now_is_read_in_oslo_and_a_date_means_midnight():
    assert parse_moment("2026-02-28") == datetime(2026, 2, 28, tzinfo=OSLO)
    assert parse_moment("2026-07-01T12:00") == datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert parse_moment("2026-07-01T12:00Z") == datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("args", [["--now", "yesterday"], ["--batch-size", "0"]])
def test_p18_command_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        run(*args)


def test_p18_command_exits_non_zero_when_a_row_fails(agency, monkeypatch):
    make_candidate(agency, last_activity_at=ACTIVITY)

    def broken(items, *, now):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retention, "_candidates_erase", broken)
    out = StringIO()
    with pytest.raises(CommandError, match="1 row"), time_machine.travel(TODAY, tick=False):
        call_command("retention_sweep", stdout=out)
    assert "failed: candidates.Candidate RuntimeError x1" in out.getvalue()
    assert "disk on fire" not in out.getvalue()
