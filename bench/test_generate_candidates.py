"""The candidate generator writes rows that the import takes whole."""

import csv

import pytest

from bench.generate_candidates import COLUMNS, generate
from fortrolig.audit.services import Actor
from fortrolig.candidates.imports import IMPORT_COLUMNS, candidates_import
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_agency
from fortrolig.core import clock


def test_columns_are_the_imports_columns():
    assert COLUMNS == IMPORT_COLUMNS


def test_same_seed_same_file(tmp_path):
    generate(50, tmp_path / "a.csv", seed=7)
    generate(50, tmp_path / "b.csv", seed=7)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.django_db
def test_every_generated_row_imports(tmp_path):
    agency = make_agency()
    path = tmp_path / "candidates.csv"
    generate(300, path, seed=3)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert any(row["national_id"] for row in rows)
    assert any(row["source_partner"] for row in rows)
    result = candidates_import(agency=agency, rows=rows, actor=Actor.system(), now=clock.now())
    assert result.problems == []
    assert result.created == 300
    assert Candidate.objects.filter(agency=agency).exclude(national_id=None).count() > 0
