from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

classify(
    "cryptoapp.SecretNote",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "label": NOT_PERSONAL,
        "body": personal(Category.NATIONAL_ID, RetentionClock.LAST_ACTIVITY, Sensitivity.SENSITIVE),
    },
)
