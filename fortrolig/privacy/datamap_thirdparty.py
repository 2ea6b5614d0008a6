"""Classifications of the models that Django and its contrib apps bring."""

from .datamap import NOT_PERSONAL, Category, RetentionClock, Sensitivity, classify, personal

classify(
    "contenttypes.ContentType",
    {"id": NOT_PERSONAL, "app_label": NOT_PERSONAL, "model": NOT_PERSONAL},
)
classify(
    "auth.Permission",
    {
        "id": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "content_type": NOT_PERSONAL,
        "codename": NOT_PERSONAL,
    },
)
classify("auth.Group", {"id": NOT_PERSONAL, "name": NOT_PERSONAL, "permissions": NOT_PERSONAL})
classify(
    "sessions.Session",
    {
        # The key is a bearer secret; the data holds the user's ID and login state.
        "session_key": personal(Category.ACCOUNT, RetentionClock.SESSION, Sensitivity.SECRET),
        "session_data": personal(Category.ACCOUNT, RetentionClock.SESSION, Sensitivity.SECRET),
        "expire_date": NOT_PERSONAL,
    },
)
