"""Validators for Norwegian identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number_is_valid(value: str) -> bool:
    """True when `value` is a Norwegian organisation number: 9 digits, mod-11 check digit."""
    digits = value.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], ORG_NUMBER_WEIGHTS, strict=True))
    remainder = total % 11
    check = 0 if remainder == 0 else 11 - remainder
    # A remainder of 1 would need check digit 10: no valid number has it.
    return check != 10 and check == int(digits[8])


def normalise_org_number(value: str) -> str:
    return value.replace(" ", "")


def validate_org_number(value: str) -> None:
    if not org_number_is_valid(value):
        raise ValidationError(
            _("Enter a valid organisation number: nine digits with a correct check digit."),
            code="invalid_org_number",
        )
