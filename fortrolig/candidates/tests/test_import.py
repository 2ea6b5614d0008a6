"""The CSV import: `candidates_import` and `manage.py import_candidates`."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor, chain_check
from fortrolig.candidates.imports import IMPORT_COLUMNS, OnDuplicate, candidates_import
from fortrolig.candidates.models import Availability, Candidate, Source
from fortrolig.core.models import DataKey

from .conftest import NOW, make_national_id, person

pytestmark = pytest.mark.django_db

KARI_ID = make_national_id(date(1990, 5, 17))

ROWS = [
    {
        "first_name": "Kari",
        "last_name": "Testesen",
        "email": "Kari.Testesen@example.com",
        "phone": "912 34 567",
        "birth_date": "17.05.1990",
        "national_id": KARI_ID,
        "address": "Testveien 1",
        "postal_code": "5003",
        "city": "Bergen",
        "skills": "Python; Django ;python",
        "languages": "Norsk;Engelsk",
        "desired_roles": "Utvikler",
        "availability": "",
        "available_from": "2026-04-01",
        "summary": "Utvikler med ti års erfaring.\nLiker å lære.",
        "source_partner": "",
    },
    {
        "first_name": "Ola",
        "last_name": "Prøvesen",
        "email": "ola@example.com",
        "phone": "+46 70 123 45 67",
        "birth_date": "1985-01-02",
        "source_partner": "Sosialt Byrå AS",
    },
    {"first_name": "Per", "last_name": "Eksempel", "birth_date": "1970-12-31"},
]


def _import(agency, rows, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("actor", Actor.system())
    return candidates_import(agency=agency, rows=rows, **kwargs)


def _write_csv(path: Path, rows: list[dict], columns=IMPORT_COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_p06_import_creates_candidates_with_their_source(agency):
    result = _import(agency, ROWS)
    assert (result.rows, result.created, result.rejected, result.duplicates) == (3, 3, 0, 0)
    kari = Candidate.objects.get(last_name="Testesen")
    assert kari.source == Source.IMPORT
    assert kari.email == "kari.testesen@example.com"
    assert kari.phone == "+4791234567"
    assert kari.birth_date == date(1990, 5, 17)
    assert kari.skills == ["Python", "Django"]
    assert kari.availability == Availability.FROM_DATE
    assert kari.available_from == date(2026, 4, 1)
    assert kari.summary == "Utvikler med ti års erfaring.\nLiker å lære."
    assert kari.last_activity_at == NOW
    ola = Candidate.objects.get(last_name="Prøvesen")
    assert (ola.source, ola.source_partner) == (Source.CAMPAIGN, "Sosialt Byrå AS")
    assert Candidate.objects.get(last_name="Eksempel").source == Source.IMPORT


def test_p27_each_imported_candidate_has_its_own_key_and_encrypted_id(agency):
    _import(agency, ROWS)
    candidates = list(Candidate.objects.filter(agency=agency))
    assert len({c.data_key_id for c in candidates}) == 3
    assert DataKey.objects.filter(agency=agency).count() == 3
    kari = Candidate.objects.get(last_name="Testesen")
    assert kari.national_id == KARI_ID
    stored = Candidate.objects.filter(pk=kari.pk).values_list("national_id", flat=True).get()
    assert isinstance(stored, bytes)
    raw = bytes(stored)
    assert KARI_ID.encode() not in raw


def test_p28_every_imported_row_gets_an_event_with_field_names_only(agency):
    result = _import(agency, ROWS, batch_size=2)
    events = AuditEvent.objects.filter(action="candidate.imported")
    assert sorted(str(e.subject_id) for e in events) == sorted(map(str, result.created_ids))
    assert {e.actor_type for e in events} == {ActorType.SYSTEM}
    kari = Candidate.objects.get(last_name="Testesen")
    event = events.get(subject_id=kari.id)
    assert "national_id" in event.fields and "email" in event.fields
    text = repr(list(events.values()))
    for value in (KARI_ID, "Kari", "example.com", "Bergen", "Utvikler"):
        assert value not in text
    assert chain_check(agency_id=agency.id).ok


def test_import_in_batches_commits_each_batch(agency):
    progress: list[int] = []
    result = _import(agency, ROWS, batch_size=2, progress=progress.append)
    assert progress == [2, 1]
    assert result.created == 3


def test_p05_bad_rows_are_rejected_and_reported_without_values(agency):
    rows = [
        {"first_name": "Kari", "last_name": "Testesen", "email": "kari@", "phone": "12"},
        {"first_name": "", "last_name": "Testesen", "national_id": "12345678901"},
        {"first_name": "Ola", "last_name": "Prøvesen", "birth_date": "31.02.1990"},
        {"first_name": "Per", "last_name": "Eksempel", "availability": "soon", "phone": "91234567"},
        {"first_name": "Siv", "last_name": "Gyldig", "email": "siv@example.com"},
    ]
    with translation.override("en"):
        result = _import(agency, rows)
    assert (result.created, result.rejected) == (1, 4)
    found = {(p.row, p.column, p.code) for p in result.problems}
    assert found == {
        (2, "email", "invalid_email"),
        (2, "phone", "invalid_phone"),
        (3, "first_name", "required"),
        (3, "national_id", "invalid_national_id"),
        (4, "birth_date", "invalid_date"),
        (5, "availability", "invalid_choice"),
    }
    text = " ".join(str(p.reason) for p in result.problems)
    for value in ("kari@", "12345678901", "31.02.1990", "soon", "Testesen"):
        assert value not in text
    assert list(Candidate.objects.values_list("first_name", flat=True)) == ["Siv"]


def test_importing_twice_creates_nothing_new(agency):
    first = _import(agency, ROWS)
    keys = DataKey.objects.count()
    second = _import(agency, ROWS)
    assert first.created == 3
    assert (second.created, second.duplicates, second.rejected) == (0, 3, 0)
    assert Candidate.objects.count() == 3
    assert DataKey.objects.count() == keys
    codes = {(p.row, p.code) for p in second.problems}
    assert (2, "duplicate_email") in codes
    assert (3, "duplicate_email") in codes
    assert (4, "duplicate_name_and_birth_date") in codes
    assert {p.row for p in second.problems} == {2, 3, 4}


def test_a_row_that_cannot_be_matched_is_rejected(agency):
    result = _import(agency, [{"first_name": "Per", "last_name": "Eksempel", "city": "Oslo"}])
    assert (result.created, result.rejected) == (0, 1)
    (problem,) = result.problems
    assert problem.code == "no_identifier"


def test_duplicates_within_the_file_are_skipped(agency):
    rows = [
        {"first_name": "Kari", "last_name": "Testesen", "email": "kari@example.com"},
        {"first_name": "Kari", "last_name": "T.", "email": "KARI@example.com"},
        {"first_name": "Ola", "last_name": "Prøvesen", "phone": "91234567"},
        {"first_name": "Ola", "last_name": "Annen", "phone": "+47 912 34 567"},
        {"first_name": "Siv", "last_name": "Dato", "birth_date": "2000-01-01"},
        {"first_name": "SIV", "last_name": "dato", "birth_date": "01.01.2000"},
    ]
    result = _import(agency, rows, batch_size=4)
    assert (result.created, result.duplicates) == (3, 3)
    problems = {(p.row, p.column, p.code) for p in result.problems}
    assert problems == {
        (3, "email", "duplicate_email"),
        (5, "phone", "duplicate_phone"),
        (7, "birth_date", "duplicate_name_and_birth_date"),
    }
    with translation.override("en"):
        reasons = [str(p.reason) for p in _import(agency, rows[:2]).problems]
    assert reasons


def test_in_file_duplicate_names_the_earlier_row(agency):
    rows = [
        {"first_name": "Kari", "last_name": "Testesen", "email": "kari@example.com"},
        {"first_name": "Kari", "last_name": "T.", "email": "kari@example.com"},
    ]
    with translation.override("en"):
        result = _import(agency, rows)
    (problem,) = result.problems
    assert str(problem.reason) == "Row 2 of this file has the same email address."


def test_merge_fills_the_existing_candidates_empty_fields(agency, create):
    existing = create(person(phone="", city="", skills=("Python",), summary=""))
    rows = [
        {
            "first_name": "Kari",
            "last_name": "Testesen",
            "email": "kari.testesen@example.com",
            "phone": "99 88 77 66",
            "city": "Tromsø",
            "skills": "Rust",
        },
        {"first_name": "Kari", "last_name": "Testesen", "phone": "99887766", "summary": "Ny."},
        # Matches by name and birth date only.
        {"first_name": "kari", "last_name": "testesen", "birth_date": "1990-05-17"},
    ]
    result = _import(agency, rows, on_duplicate=OnDuplicate.MERGE)
    assert (result.created, result.merged, result.duplicates) == (0, 3, 0)
    existing.refresh_from_db()
    assert existing.phone == "+4799887766"
    assert existing.city == "Tromsø"
    assert existing.skills == ["Python", "Rust"]
    assert existing.summary == "Ny."
    assert existing.source == Source.CONSULTANT  # P-06: it keeps its own source
    (event,) = AuditEvent.objects.filter(action="candidate.updated", subject_id=existing.id)
    assert {"phone", "city", "skills", "summary"} <= set(event.fields)
    assert event.purpose == "import_merge"


def test_merge_within_the_file_makes_one_candidate(agency):
    rows = [
        {"first_name": "Kari", "last_name": "Testesen", "email": "kari@example.com"},
        {
            "first_name": "Kari",
            "last_name": "Testesen",
            "email": "kari@example.com",
            "phone": "91234567",
        },
        # Matches only through the phone number that the row before added.
        {"first_name": "K.", "last_name": "Testesen", "phone": "912 34 567", "city": "Oslo"},
    ]
    result = _import(agency, rows, on_duplicate=OnDuplicate.MERGE)
    assert (result.created, result.merged) == (1, 2)
    (kari,) = Candidate.objects.all()
    assert (kari.email, kari.phone, kari.city) == ("kari@example.com", "+4791234567", "Oslo")


def test_p23_restricted_candidates_are_not_matched_by_the_import(agency, create):
    existing = create()
    Candidate.objects.filter(pk=existing.id).update(restricted=True)
    result = _import(
        agency,
        [{"first_name": "Kari", "last_name": "Testesen", "email": "kari.testesen@example.com"}],
        on_duplicate=OnDuplicate.MERGE,
    )
    assert (result.created, result.merged, result.duplicates) == (1, 0, 0)
    existing.refresh_from_db()
    assert existing.restricted
    assert not AuditEvent.objects.filter(subject_id=existing.id, action="candidate.updated")


def test_import_never_matches_another_agencys_candidates(agency, other_agency, create):
    create(in_agency=other_agency)
    result = _import(
        agency,
        [{"first_name": "Kari", "last_name": "Testesen", "email": "kari.testesen@example.com"}],
    )
    assert result.created == 1
    assert Candidate.objects.filter(agency=agency).count() == 1


def test_import_schedules_a_search_refresh_for_every_new_candidate(agency, monkeypatch):
    from fortrolig.search import services as search_services

    scheduled = []
    monkeypatch.setattr(
        search_services,
        "search_index_schedule",
        lambda *, candidate_id: scheduled.append(candidate_id),
    )
    result = _import(agency, ROWS)
    assert sorted(scheduled) == sorted(result.created_ids)


# The command


def test_command_imports_and_writes_a_report_without_personal_values(agency, tmp_path):
    rows = [
        *ROWS,
        {"first_name": "Kari", "last_name": "Feilsen", "email": "feil@", "phone": "12"},
    ]
    source = _write_csv(tmp_path / "kandidater.csv", rows)
    report = tmp_path / "rapport.csv"
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(
            "import_candidates",
            str(source),
            "--agency",
            agency.slug,
            "--report",
            str(report),
            stdout=out,
            stderr=err,
        )
    assert "4 rows: 3 created, 0 merged, 0 duplicates skipped, 1 rejected." in out.getvalue()
    lines = list(csv.reader(report.open(encoding="utf-8")))
    assert lines[0] == ["row", "column", "code", "reason"]
    assert sorted((line[0], line[1], line[2]) for line in lines[1:]) == [
        ("5", "email", "invalid_email"),
        ("5", "phone", "invalid_phone"),
    ]
    text = report.read_text(encoding="utf-8")
    for value in ("Kari", "Feilsen", "feil@", "example.com"):
        assert value not in text

    # Twice: nothing new, every row reported as a duplicate or rejected.
    out = io.StringIO()
    call_command(
        "import_candidates",
        str(source),
        "--agency",
        agency.slug,
        "--report",
        str(report),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "4 rows: 0 created, 0 merged, 3 duplicates skipped, 1 rejected." in out.getvalue()
    assert Candidate.objects.count() == 3
    text = report.read_text(encoding="utf-8")
    assert "duplicate_email" in text
    for value in ("Kari", "Testesen", KARI_ID, "example.com", "Bergen"):
        assert value not in text


def test_command_merge_option(agency, create, tmp_path):
    create(person(city=""))
    source = _write_csv(tmp_path / "k.csv", ROWS[:1])
    out = io.StringIO()
    call_command(
        "import_candidates",
        str(source),
        "--agency",
        agency.slug,
        "--on-duplicate",
        "merge",
        "--batch-size",
        "1",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "1 rows: 0 created, 1 merged" in out.getvalue()
    assert Candidate.objects.get().city == "Bergen"


def test_command_accepts_a_file_with_only_some_columns_and_a_bom(agency, tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes("\ufefffirst_name,last_name,email\nÅse,Ærlig,ase@example.com\n".encode())
    call_command(
        "import_candidates",
        str(path),
        "--agency",
        agency.slug,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Candidate.objects.get().first_name == "Åse"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("first_name,surname\nKari,Testesen\n", "unknown columns: surname"),
        ("email\nkari@example.com\n", "missing columns: first_name, last_name"),
    ],
)
def test_command_refuses_a_header_that_does_not_fit(agency, tmp_path, content, message):
    path = tmp_path / "k.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_candidates", str(path), "--agency", agency.slug)
    assert Candidate.objects.count() == 0


def test_command_refuses_an_unknown_agency_and_a_missing_file(agency, tmp_path):
    path = _write_csv(tmp_path / "k.csv", ROWS)
    with pytest.raises(CommandError, match="No agency"):
        call_command("import_candidates", str(path), "--agency", "finnes-ikke")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_candidates", str(tmp_path / "nei.csv"), "--agency", agency.slug)


def test_command_refuses_a_file_that_is_not_utf8(agency, tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes("first_name,last_name,email\nÅse,Ærlig,a@example.com\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_candidates", str(path), "--agency", agency.slug, stderr=io.StringIO())
    assert Candidate.objects.count() == 0


def test_a_large_import_rebuilds_search_once_in_the_background(
    agency, monkeypatch, django_capture_on_commit_callbacks
):
    from fortrolig.candidates import imports
    from fortrolig.search import services as search_services

    monkeypatch.setattr(imports, "SEARCH_SCHEDULE_LIMIT", 2)
    scheduled: list = []
    monkeypatch.setattr(
        search_services,
        "search_index_schedule",
        lambda *, candidate_id: scheduled.append(candidate_id),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _import(agency, ROWS)
    assert result.created == 3
    assert scheduled == []
    assert len(callbacks) == 1
    from fortrolig.search.models import CandidateSearchEntry

    # The task ran eagerly (test settings): every new candidate is searchable.
    assert set(
        CandidateSearchEntry.objects.filter(agency=agency).values_list("candidate_id", flat=True)
    ) == set(result.created_ids)
