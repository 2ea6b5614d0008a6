from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

_base = {
    "id": NOT_PERSONAL,
    "created_at": NOT_PERSONAL,
    "updated_at": NOT_PERSONAL,
    "agency": NOT_PERSONAL,
}
_staff = personal(Category.TECHNICAL, RetentionClock.MEMBERSHIP)

# A client is a company: its own details are not personal data. The people at it are.
classify(
    "clients.Client",
    {
        **_base,
        "name": NOT_PERSONAL,
        "org_number": NOT_PERSONAL,
        "visiting_address": NOT_PERSONAL,
        "postal_address": NOT_PERSONAL,
        "postal_code": NOT_PERSONAL,
        "city": NOT_PERSONAL,
        "website": NOT_PERSONAL,
        "invoice_email": NOT_PERSONAL,
        "invoice_reference": NOT_PERSONAL,
        "invoice_address": NOT_PERSONAL,
        "ehf_invoicing": NOT_PERSONAL,
        "payment_terms_days": NOT_PERSONAL,
        "prepayment_required": NOT_PERSONAL,
        "prepayment_received_at": NOT_PERSONAL,
        "prepayment_received_by": _staff,
        "archived_at": NOT_PERSONAL,
    },
)
_contact = personal(Category.CONTACT, RetentionClock.AGREEMENT_END)
classify(
    "clients.ClientContact",
    {
        **_base,
        "client": NOT_PERSONAL,
        "name": personal(Category.IDENTITY, RetentionClock.AGREEMENT_END),
        "role": personal(Category.PROFESSIONAL, RetentionClock.AGREEMENT_END),
        "email": _contact,
        "email_hash": personal(Category.TECHNICAL, RetentionClock.AGREEMENT_END),
        "phone": _contact,
        "is_primary": NOT_PERSONAL,
        "ended_at": NOT_PERSONAL,
        "erase_after": personal(Category.TECHNICAL, RetentionClock.AGREEMENT_END),
    },
)
# The signed agreement names its signatories.
_agreement_file = personal(Category.DOCUMENT, RetentionClock.AGREEMENT_END)
classify(
    "clients.Agreement",
    {
        **_base,
        "client": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "terms": NOT_PERSONAL,
        "fee_terms": NOT_PERSONAL,
        "signed_on": NOT_PERSONAL,
        "valid_from": NOT_PERSONAL,
        "valid_until": NOT_PERSONAL,
        "filename": personal(
            Category.DOCUMENT, RetentionClock.AGREEMENT_END, Sensitivity.SENSITIVE
        ),
        "content_type": _agreement_file,
        "size": _agreement_file,
        "blob_name": _agreement_file,
        "erase_after": personal(Category.TECHNICAL, RetentionClock.AGREEMENT_END),
    },
)
classify(
    "clients.CreditAssessment",
    {
        **_base,
        "client": NOT_PERSONAL,
        "assessed_on": NOT_PERSONAL,
        "score": NOT_PERSONAL,
        "source": NOT_PERSONAL,
        "note": NOT_PERSONAL,
        "threshold": NOT_PERSONAL,
        "below_threshold": NOT_PERSONAL,
        "recorded_by": _staff,
    },
)
