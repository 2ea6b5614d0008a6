"""Field classification of the staffing app (P-03): all of it follows the employment's
clock, which runs while the employment lasts and then for the accounting period (P-19)."""

from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

_clock = RetentionClock.EMPLOYMENT_END
_identity = personal(Category.IDENTITY, _clock)
_payroll = personal(Category.PAYROLL, _clock)

classify(
    "staffing.Employment",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "candidate": NOT_PERSONAL,
        "assignment": NOT_PERSONAL,
        "employee_name": _identity,
        "email": personal(Category.CONTACT, _clock),
        "national_id": personal(Category.NATIONAL_ID, _clock, Sensitivity.SENSITIVE),
        "position_percentage": _payroll,
        "salary_basis": _payroll,
        "salary_amount": _payroll,
        "started_on": _payroll,
        "ended_on": _payroll,
        "erase_after": personal(Category.TECHNICAL, _clock),
    },
)
classify(
    "staffing.PayrollRecord",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "employment": NOT_PERSONAL,
        "period": _payroll,
        "paid_on": _payroll,
        "gross_pay": _payroll,
        "position_percentage": _payroll,
        "hours": _payroll,
        "erase_after": personal(Category.TECHNICAL, _clock),
    },
)
