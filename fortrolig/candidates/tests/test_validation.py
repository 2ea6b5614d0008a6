"""Normalising and comparing candidate values."""

from datetime import date

import pytest

from fortrolig.candidates.masking import national_id_masked
from fortrolig.candidates.validation import (
    name_key,
    names_similar,
    normalise_list,
    parse_national_id,
    parse_phone,
)

from .conftest import make_national_id


def test_lists_are_trimmed_deduplicated_and_keep_their_case():
    assert normalise_list([" Python", "python ", "", "  ", "SQL   Server", "Django"]) == [
        "Python",
        "SQL Server",
        "Django",
    ]


def test_masking_shows_only_the_last_three_digits():
    assert national_id_masked("17059012345") == "••••••••345"
    assert national_id_masked("170590 12345") == "••••••••345"
    assert national_id_masked("") == ""
    assert national_id_masked(None) == ""


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("91234567", "+4791234567"),
        ("912 34 567", "+4791234567"),
        ("+47 912 34 567", "+4791234567"),
        ("0047 91234567", "+4791234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("1234", None),
        ("telefon", None),
    ],
)
def test_phone_numbers_are_parsed_to_e164(raw, e164):
    assert parse_phone(raw) == e164


def test_national_id_parsing():
    number = make_national_id(date(2001, 12, 24))
    assert parse_national_id(number) == (number, date(2001, 12, 24))
    assert parse_national_id(number[:-1] + str((int(number[-1]) + 1) % 10)) is None
    assert parse_national_id("abc") is None


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (("Kari", "Testesen"), ("kari", "TESTESEN"), True),
        (("Anne-Lise", "Ødegård"), ("Anne Lise", "Odegard"), True),
        (("Kari", "Nordmann"), ("Kari", "Nordman"), True),
        (("Kristoffer", "Johannessen"), ("Kristofer", "Johanessen"), True),
        (("Kari", "Testesen"), ("Testesen", "Kari"), True),
        (("Kari", "Testesen"), ("Kåre", "Testesen"), False),
        (("Ola", "Hansen"), ("Ole", "Jensen"), False),
        (("Ida", "Li"), ("Ada", "Lu"), False),
    ],
)
def test_name_similarity(a, b, similar):
    assert names_similar(name_key(*a), name_key(*b)) is similar


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (("Kari", "Testesen"), ("Kari Marie", "Testesen"), True),
        (("Ola", "Testesen"), ("Ole", "Testesen"), False),
        (("Kari", "Testesen"), ("Kari", "Testesen-Berg"), False),
    ],
)
def test_name_similarity_of_middle_names_and_twins(a, b, similar):
    assert names_similar(name_key(*a), name_key(*b)) is similar
