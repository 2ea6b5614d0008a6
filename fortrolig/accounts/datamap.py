"""Classification of staff accounts, memberships, login attempts and the django-otp devices
(P-03). Staff are data subjects too: their account data lives while the account exists."""

from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classify,
    personal,
)

_account = personal(Category.ACCOUNT, RetentionClock.MEMBERSHIP)
_account_secret = personal(Category.ACCOUNT, RetentionClock.MEMBERSHIP, Sensitivity.SECRET)
_security_log = personal(Category.SECURITY_LOG, RetentionClock.SECURITY_LOG)

classify(
    "accounts.User",
    {
        # The ID is a pseudonymous reference kept in audit events and login attempts.
        "id": personal(Category.TECHNICAL, RetentionClock.MEMBERSHIP),
        "email": personal(Category.CONTACT, RetentionClock.MEMBERSHIP),
        "full_name": personal(Category.IDENTITY, RetentionClock.MEMBERSHIP),
        "password": _account_secret,
        "last_login": _account,
        "is_superuser": _account,
        "is_active": _account,
        "is_staff": _account,
        "is_demo": _account,
        "session_generation": _account,
        "date_joined": _account,
        "groups": _account,
        "user_permissions": _account,
    },
)
classify(
    "accounts.Membership",
    {
        "id": NOT_PERSONAL,
        "created_at": _account,
        "updated_at": _account,
        "user": _account,
        "agency": NOT_PERSONAL,
        "role": _account,
    },
)
# Keyed hashes, never the email or the address; together with the time and the outcome
# they still describe one person's logins, so they are personal data with a short life.
classify(
    "accounts.LoginAttempt",
    {
        "id": NOT_PERSONAL,
        "at": _security_log,
        "email_hash": _security_log,
        "ip_hash": _security_log,
        "user": _security_log,
        "stage": _security_log,
        "outcome": _security_log,
    },
)

_device_common = {
    "id": NOT_PERSONAL,
    "user": _account,
    "name": _account,
    "confirmed": _account,
    "throttling_failure_timestamp": _account,
    "throttling_failure_count": _account,
    "created_at": _account,
    "last_used_at": _account,
}
classify(
    "otp_totp.TOTPDevice",
    {
        **_device_common,
        # The shared TOTP secret: whoever holds it has the second factor.
        "key": _account_secret,
        "step": NOT_PERSONAL,
        "t0": NOT_PERSONAL,
        "digits": NOT_PERSONAL,
        "tolerance": NOT_PERSONAL,
        # The time step of the last accepted code, and the phone's clock drift: they
        # tell when the person last logged in.
        "drift": _account,
        "last_t": _account,
    },
)
classify("otp_static.StaticDevice", _device_common)
classify(
    "otp_static.StaticToken",
    {
        "id": NOT_PERSONAL,
        "device": _account,
        # An unused recovery code is a password.
        "token": _account_secret,
    },
)
