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
