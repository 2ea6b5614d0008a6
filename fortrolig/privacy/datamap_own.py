"""Classification of the privacy app's own models."""

from .datamap import NOT_PERSONAL, Category, RetentionClock, classify, personal

_base = {
    "id": NOT_PERSONAL,
    "created_at": NOT_PERSONAL,
    "updated_at": NOT_PERSONAL,
}
_agency = {**_base, "agency": NOT_PERSONAL}
_staff = personal(Category.TECHNICAL, RetentionClock.MEMBERSHIP)

classify(
    "privacy.ProcessingActivity",
    {
        **_agency,
        **dict.fromkeys(
            (
                "key",
                "name_nb",
                "name_en",
                "purpose_nb",
                "purpose_en",
                "legal_basis",
                "legal_basis_note_nb",
                "legal_basis_note_en",
                "data_categories",
                "data_subjects",
                "recipients_nb",
                "recipients_en",
                "retention_clock",
                "security_measures_nb",
                "security_measures_en",
                "order",
            ),
            NOT_PERSONAL,
        ),
        # The named responsible person is a staff member acting in their role.
        "responsible_name": _staff,
        "responsible_role": NOT_PERSONAL,
    },
)
classify(
    "privacy.PolicyVersion",
    {
        **_agency,
        "number": NOT_PERSONAL,
        "published_at": NOT_PERSONAL,
        "content_hash": NOT_PERSONAL,
        "text_nb": NOT_PERSONAL,
        "text_en": NOT_PERSONAL,
    },
)
_consent = personal(Category.CONSENT, RetentionClock.CONSENT_EXPIRY)
classify(
    "privacy.Consent",
    {
        **_agency,
        "candidate": NOT_PERSONAL,
        "client_contact": NOT_PERSONAL,
        "purpose": _consent,
        "client": _consent,
        "scope": _consent,
        "policy_version": _consent,
        "channel": _consent,
        "given_at": _consent,
        "expires_at": _consent,
        "withdrawn_at": _consent,
    },
)
_hold = personal(Category.CONSENT, RetentionClock.LAST_ACTIVITY)
classify(
    "privacy.LegalHold",
    {
        **_agency,
        "candidate": NOT_PERSONAL,
        "client": NOT_PERSONAL,
        "reason": _hold,
        "set_at": _hold,
        "set_by": _staff,
        "released_at": _hold,
        "released_by": _staff,
    },
)
classify(
    "privacy.RetentionSweep",
    {
        **_base,
        "as_of": NOT_PERSONAL,
        "started_at": NOT_PERSONAL,
        "finished_at": NOT_PERSONAL,
        "dry_run": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "erased": NOT_PERSONAL,
        "failures": NOT_PERSONAL,
    },
)
_paper = personal(Category.DOCUMENT, RetentionClock.LAST_ACTIVITY)
classify(
    "privacy.PaperDocument",
    {
        **_agency,
        "candidate": NOT_PERSONAL,
        "kind": _paper,
        "received_on": _paper,
        "storage_location": _paper,
        "scanned_at": _paper,
        "scan": NOT_PERSONAL,
        "shredded_at": _paper,
        "shredded_by": _staff,
        "registered_by": _staff,
    },
)

# A request and its history outlive the subject: they hold IDs, dates and codes, and the
# person's own words (details, response), which go with the request's record.
_request_text = personal(Category.COMMUNICATION, RetentionClock.AUDIT_TRAIL)
classify(
    "privacy.DataSubjectRequest",
    {
        **_agency,
        "kind": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "subject_type": NOT_PERSONAL,
        "subject_id": personal(Category.TECHNICAL, RetentionClock.AUDIT_TRAIL),
        "candidate": NOT_PERSONAL,
        "client_contact": NOT_PERSONAL,
        "received_at": NOT_PERSONAL,
        "due_on": NOT_PERSONAL,
        "extended_due_on": NOT_PERSONAL,
        "extension_reason": NOT_PERSONAL,
        "extension_notice_at": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "identity_method": NOT_PERSONAL,
        "identity_verified_at": NOT_PERSONAL,
        "identity_verified_by": _staff,
        "verification_code_hash": NOT_PERSONAL,
        "verification_code_expires_at": NOT_PERSONAL,
        "verification_attempts": NOT_PERSONAL,
        "details": _request_text,
        "response": _request_text,
        "responded_at": NOT_PERSONAL,
        "handled_by": _staff,
    },
)
classify(
    "privacy.RequestEvent",
    {**_base, "request": NOT_PERSONAL, "at": NOT_PERSONAL, "action": NOT_PERSONAL, "actor": _staff},
)
classify(
    "privacy.ErasureReceipt",
    {
        **_agency,
        "request": NOT_PERSONAL,
        "subject_type": NOT_PERSONAL,
        "subject_id": personal(Category.TECHNICAL, RetentionClock.AUDIT_TRAIL),
        "erased_at": NOT_PERSONAL,
        "erased": NOT_PERSONAL,
        "kept": NOT_PERSONAL,
    },
)
classify(
    "privacy.ErasedIdentity",
    {
        **_agency,
        # Keyed hash: kept after erasure on purpose (opt-outs, no re-import).
        "email_hash": personal(Category.TECHNICAL, RetentionClock.AUDIT_TRAIL),
        "erased_at": NOT_PERSONAL,
    },
)
