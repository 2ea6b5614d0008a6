from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

classify(
    "api.ApiToken",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "prefix": NOT_PERSONAL,
        # A keyed hash of a bearer secret: not personal, but never shown or exported.
        "token_hash": NOT_PERSONAL,
        # Which staff member made the token: part of their account's trail.
        "created_by": personal(Category.ACCOUNT, RetentionClock.MEMBERSHIP, Sensitivity.NORMAL),
        "last_used_at": NOT_PERSONAL,
        "revoked_at": NOT_PERSONAL,
    },
)
