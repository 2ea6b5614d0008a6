"""Helpers for the candidate tests. Names are made up; addresses are example.com."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from stdnum.no import fodselsnummer

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor
from fortrolig.candidates.services import CandidateInput, candidate_create

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_national_id(birth: date, individual: int = 123, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-number) for `birth`: the individual number is moved on
    until both check digits exist."""
    day = birth.day + (40 if d_number else 0)
    for serial in range(individual, 1000):
        if birth.year >= 2000 and serial < 500:
            continue
        if birth.year < 2000 and serial >= 500:
            break
        base = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:03d}"
        check1 = fodselsnummer.calc_check_digit1(base)
        if len(check1) != 1:
            continue
        check2 = fodselsnummer.calc_check_digit2(base + check1)
        if len(check2) != 1:
            continue
        number = base + check1 + check2
        assert fodselsnummer.is_valid(number)
        return number
    raise AssertionError("no valid number for this date")


def person(**overrides) -> CandidateInput:
    values: dict[str, Any] = {
        "first_name": "Kari",
        "last_name": "Testesen",
        "email": "kari.testesen@example.com",
        "phone": "912 34 567",
        "birth_date": date(1990, 5, 17),
        "city": "Bergen",
        "skills": ("Python", "Django"),
    }
    values.update(overrides)
    return CandidateInput(**values)


@pytest.fixture
def staff_actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


@pytest.fixture
def create(agency, staff_actor):
    """Create a candidate in `agency` (or another agency given as `agency=`)."""

    def _create(data: CandidateInput | None = None, *, in_agency=None, **kwargs):
        return candidate_create(
            agency=in_agency or agency,
            actor=staff_actor,
            data=data or person(),
            now=NOW,
            **kwargs,
        )

    return _create
