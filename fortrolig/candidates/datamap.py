from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

_clock = RetentionClock.LAST_ACTIVITY
_identity = personal(Category.IDENTITY, _clock)
_contact = personal(Category.CONTACT, _clock)
_professional = personal(Category.PROFESSIONAL, _clock)
# Keyed hashes of the email and phone: they identify the person as well as the values.
_lookup = personal(Category.TECHNICAL, _clock)

classify(
    "candidates.Candidate",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "first_name": _identity,
        "last_name": _identity,
        "email": _contact,
        "email_hash": _lookup,
        "phone": _contact,
        "phone_hash": _lookup,
        "birth_date": _identity,
        "national_id": personal(Category.NATIONAL_ID, _clock, Sensitivity.SENSITIVE),
        "address": _contact,
        "postal_code": _contact,
        "city": _contact,
        "country": _contact,
        "skills": _professional,
        "languages": _professional,
        "desired_roles": _professional,
        "availability": _professional,
        "available_from": _professional,
        "summary": _professional,
        "source": personal(Category.IDENTITY, _clock),
        "source_partner": personal(Category.IDENTITY, _clock),
        "restricted": personal(Category.CONSENT, _clock),
        "last_activity_at": personal(Category.TECHNICAL, _clock),
        "erase_after": personal(Category.TECHNICAL, _clock),
    },
)
# A reference is another person: their details are kept only as long as the candidate's.
_reference = personal(Category.CONTACT, _clock)
classify(
    "candidates.Reference",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "candidate": NOT_PERSONAL,
        "name": _reference,
        "relation": _reference,
        "organisation": _reference,
        "phone": _reference,
        "email": _reference,
        "may_ask_about": _reference,
    },
)
# A background check (P-07) lives until the assignment ends; then only the dated outcome
# remains, which follows the candidate's own clock.
_check = personal(Category.BACKGROUND_CHECK, RetentionClock.ASSIGNMENT_END)
_check_secret = personal(
    Category.BACKGROUND_CHECK, RetentionClock.ASSIGNMENT_END, Sensitivity.SENSITIVE
)
_check_note = personal(Category.BACKGROUND_CHECK, _clock)
classify(
    "candidates.BackgroundCheck",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "candidate": NOT_PERSONAL,
        "application": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "kind": _check_note,
        "status": _check_note,
        "requested_at": _check_note,
        "notice_sent_at": _check_note,
        "requested_by": personal(Category.TECHNICAL, RetentionClock.MEMBERSHIP),
        "received_at": _check,
        "filename": _check_secret,
        "content_type": _check,
        "size": _check,
        "blob_name": _check,
        "details": _check_secret,
        "outcome": _check_note,
        "outcome_on": _check_note,
        "destroyed_at": _check_note,
        "erase_after": _check_note,
    },
)
