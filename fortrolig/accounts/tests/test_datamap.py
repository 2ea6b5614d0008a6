"""P-03: every field of the account models and the django-otp models is classified."""

from fortrolig.privacy.datamap import (
    Sensitivity,
    classification,
    stale_classifications,
    unclassified_fields,
)

OURS = ("accounts.", "otp_totp.", "otp_static.")


def test_every_account_and_otp_field_is_classified():
    assert [f for f in unclassified_fields() if f.startswith(OURS)] == []
    assert [f for f in stale_classifications() if f.startswith(OURS)] == []


def test_secrets_are_classified_secret():
    from django.apps import apps

    for label, field in [
        ("accounts.User", "password"),
        ("otp_totp.TOTPDevice", "key"),
        ("otp_static.StaticToken", "token"),
    ]:
        found = classification(apps.get_model(label), field)
        assert found is not None
        assert found.sensitivity == Sensitivity.SECRET
