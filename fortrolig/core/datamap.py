from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

# An agency is a company; its daily manager's name is published in the privacy policy on
# purpose (P-01), as the controller's representative, and so it is not classified as the
# personal data of a data subject that the system processes.
classify(
    "core.Agency",
    dict.fromkeys(
        (
            "id",
            "created_at",
            "updated_at",
            "name",
            "slug",
            "org_number",
            "contact_email",
            "daily_manager_name",
            "settings",
        ),
        NOT_PERSONAL,
    ),
)
classify(
    "core.DataKey",
    dict.fromkeys(
        ("id", "created_at", "updated_at", "agency", "master_key_id", "destroyed_at"), NOT_PERSONAL
    ),
)
classify(
    "core.DataKey",
    {
        # The wrapped key is what makes a subject's ciphertexts readable: destroying it is
        # the erasure (crypto-shredding).
        "wrapped_key": personal(
            Category.TECHNICAL, RetentionClock.KEY_LIFETIME, Sensitivity.SECRET
        ),
    },
)
classify(
    "core.JobRun",
    dict.fromkeys(
        ("id", "created_at", "updated_at", "job", "started_at", "finished_at", "status", "summary"),
        NOT_PERSONAL,
    ),
)
