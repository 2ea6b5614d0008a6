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

classify(
    "assignments.Assignment",
    {
        **_base,
        "client": NOT_PERSONAL,
        "title": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "description": NOT_PERSONAL,
        "responsible": _staff,
        "confidential_client": NOT_PERSONAL,
        "client_name_released_at": NOT_PERSONAL,
        "client_name_released_by": _staff,
        "starts_on": NOT_PERSONAL,
        "ends_on": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "ended_at": NOT_PERSONAL,
    },
)
classify(
    "assignments.Position",
    {
        **_base,
        "assignment": NOT_PERSONAL,
        "title": NOT_PERSONAL,
        "location": NOT_PERSONAL,
        "openings": NOT_PERSONAL,
        "requires_police_certificate": NOT_PERSONAL,
        "requires_security_clearance": NOT_PERSONAL,
        "requires_credit_check": NOT_PERSONAL,
    },
)
classify(
    "assignments.PipelineStage",
    {
        **_base,
        "name_nb": NOT_PERSONAL,
        "name_en": NOT_PERSONAL,
        "order": NOT_PERSONAL,
        "outcome": NOT_PERSONAL,
        "is_initial": NOT_PERSONAL,
        "archived_at": NOT_PERSONAL,
    },
)
# An application says that a person sought a job: it lives and dies with the candidate.
_clock = RetentionClock.LAST_ACTIVITY
_application = personal(Category.PROFESSIONAL, _clock)
classify(
    "assignments.Application",
    {
        **_base,
        "candidate": NOT_PERSONAL,
        "position": _application,
        "stage": _application,
        "source": _application,
        "data_key": NOT_PERSONAL,
        "cover_letter": personal(Category.DOCUMENT, _clock, Sensitivity.SENSITIVE),
        "sharing_acknowledged_at": personal(Category.CONSENT, _clock),
        "alerts_similar_jobs": personal(Category.CONSENT, _clock),
        "alerts_same_location": personal(Category.CONSENT, _clock),
        "submission_key": personal(Category.TECHNICAL, _clock),
        "stage_changed_at": _application,
    },
)
classify(
    "assignments.JobAd",
    {
        **_base,
        "position": NOT_PERSONAL,
        "title": NOT_PERSONAL,
        "body": NOT_PERSONAL,
        "location": NOT_PERSONAL,
        "employment_type": NOT_PERSONAL,
        "language": NOT_PERSONAL,
        "apply_by": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "published_at": NOT_PERSONAL,
        "closed_at": NOT_PERSONAL,
        "verification_code": NOT_PERSONAL,
    },
)
classify(
    "assignments.AdPublication",
    {
        **_base,
        "ad": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "channel_name": NOT_PERSONAL,
        "url": NOT_PERSONAL,
        "url_key": NOT_PERSONAL,
        "published_on": NOT_PERSONAL,
        "removed_on": NOT_PERSONAL,
    },
)
