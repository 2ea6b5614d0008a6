from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

# The outbox keeps what was sent to whom. Bodies never carry sensitive information (P-10:
# the template registry refuses it), but they can greet the recipient by name.
_sent = personal(Category.COMMUNICATION, RetentionClock.OUTBOX, Sensitivity.NORMAL)

classify(
    "messaging.OutboundEmail",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "recipient": personal(Category.CONTACT, RetentionClock.OUTBOX, Sensitivity.NORMAL),
        # The system's own sender address.
        "from_email": NOT_PERSONAL,
        "template": NOT_PERSONAL,
        "language": NOT_PERSONAL,
        "subject": _sent,
        "body_text": _sent,
        "body_html": _sent,
        "status": NOT_PERSONAL,
        "attempts": NOT_PERSONAL,
        "sent_at": NOT_PERSONAL,
        # A code such as "smtp_451", never the server's reply text.
        "last_error": NOT_PERSONAL,
        "sending_until": NOT_PERSONAL,
    },
)
classify(
    "messaging.Suppression",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        # Keyed hash of the address: kept after erasure on purpose, so the opt-out holds.
        "email_hash": personal(Category.TECHNICAL, RetentionClock.AUDIT_TRAIL),
        "reason": personal(Category.CONSENT, RetentionClock.AUDIT_TRAIL),
        "suppressed_at": personal(Category.CONSENT, RetentionClock.AUDIT_TRAIL),
    },
)
