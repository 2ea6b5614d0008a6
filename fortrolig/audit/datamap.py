from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

# Events hold IDs and field names, never values (P-28). The actor and subject IDs are
# pseudonymous references to people, kept as the tamper-evident trail.
_trail_id = personal(Category.TECHNICAL, RetentionClock.AUDIT_TRAIL, Sensitivity.NORMAL)

classify(
    "audit.AuditEvent",
    {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "seq": NOT_PERSONAL,
        "occurred_at": NOT_PERSONAL,
        "actor_type": NOT_PERSONAL,
        "actor_id": _trail_id,
        "action": NOT_PERSONAL,
        "subject_type": NOT_PERSONAL,
        "subject_id": _trail_id,
        "fields": NOT_PERSONAL,
        "purpose": NOT_PERSONAL,
        "prev_hash": NOT_PERSONAL,
        "hash": NOT_PERSONAL,
    },
)
classify(
    "audit.AuditChainHead",
    {"agency": NOT_PERSONAL, "seq": NOT_PERSONAL, "hash": NOT_PERSONAL},
)
classify(
    "audit.AuditVerification",
    dict.fromkeys(
        (
            "id",
            "agency",
            "ran_at",
            "ok",
            "events_checked",
            "last_seq",
            "last_hash",
            "first_bad_event_id",
            "first_bad_seq",
            "problem",
        ),
        NOT_PERSONAL,
    ),
)
