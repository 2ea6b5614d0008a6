from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

_clock = RetentionClock.LAST_ACTIVITY
classify(
    "documents.Document",
    {
        "id": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "updated_at": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "candidate": NOT_PERSONAL,
        "data_key": NOT_PERSONAL,
        "kind": personal(Category.DOCUMENT, _clock),
        "filename": personal(Category.DOCUMENT, _clock, Sensitivity.SENSITIVE),
        "content_type": personal(Category.DOCUMENT, _clock),
        "size": personal(Category.DOCUMENT, _clock),
        "blob_name": personal(Category.DOCUMENT, _clock),
        "content_hash": personal(Category.TECHNICAL, _clock),
        "extraction_status": NOT_PERSONAL,
        "extracted_text": personal(Category.DOCUMENT, _clock, Sensitivity.SENSITIVE),
        "uploaded_by": personal(Category.TECHNICAL, RetentionClock.MEMBERSHIP),
    },
)
