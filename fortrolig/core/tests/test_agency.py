import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from fortrolig.conftest import make_agency
from fortrolig.core.models import Agency, AgencySettings
from fortrolig.core.validators import org_number_is_valid, validate_org_number


@pytest.mark.parametrize("number", ["923609016", "974760673", "985 399 077"])
def test_valid_org_numbers_pass(number):
    assert org_number_is_valid(number)


@pytest.mark.parametrize(
    "number",
    ["923609017", "12345678", "1234567890", "abcdefghi", "", "92360901x", "000000001"],
)
def test_invalid_org_numbers_are_refused_with_a_clear_message(number):
    assert not org_number_is_valid(number)
    with pytest.raises(ValidationError) as exc:
        validate_org_number(number)
    with translation.override("en"):
        assert "organisation number" in str(exc.value.messages[0])
    with translation.override("nb"):
        assert "organisasjonsnummer" in str(exc.value.messages[0])


def test_org_number_check_digit_ten_is_never_valid():
    # 1+... weights giving remainder 1 would need a check digit of 10.
    for first8 in ("00000002", "10000000"):
        total = sum(int(d) * w for d, w in zip(first8, (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
        if total % 11 == 1:
            assert not any(org_number_is_valid(first8 + str(d)) for d in range(10))


def test_database_refuses_a_malformed_org_number(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(
            name="X",
            slug="x",
            org_number="12ab",
            contact_email="a@example.com",
            daily_manager_name="Test",
        )


def test_agency_settings_default_to_the_promised_values(db):
    agency = make_agency()
    assert agency.config == AgencySettings()
    assert agency.config.candidate_retention_months == 24
    assert agency.config.renewal_notice_days == (30, 7)
    assert agency.config.share_link_days == 14


def test_agency_settings_override_and_round_trip(db):
    agency = make_agency(settings={"candidate_retention_months": 12, "unknown": 1})
    assert agency.config.candidate_retention_months == 12
    assert AgencySettings.from_json(agency.config.to_json()) == agency.config
