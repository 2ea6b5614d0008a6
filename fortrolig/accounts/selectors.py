"""Reads for login throttling, memberships, recovery codes and demo codes."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.core.errors import ApplicationError, PermissionDenied

from .models import LoginAttempt, Membership, User


class NotDemoAccount(ApplicationError):
    status = 403
    code = "not_demo_account"
    default_message = _("Codes can only be shown for demo accounts made by seed_demo.")


def login_is_throttled(*, email_hash: str, ip_hash: str, now: datetime) -> bool:
    """True when the account or the client address has too many failed attempts within
    the throttle window.

    Only failures count: counting refused (throttled) attempts as well would let someone
    who keeps hammering an account keep its owner locked out for ever.
    """
    since = now - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    failures = LoginAttempt.objects.filter(at__gt=since, outcome=LoginAttempt.Outcome.FAILED)
    if failures.filter(email_hash=email_hash).count() >= settings.LOGIN_THROTTLE_ACCOUNT_FAILURES:
        return True
    return failures.filter(ip_hash=ip_hash).count() >= settings.LOGIN_THROTTLE_IP_FAILURES


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's own memberships, for the agency switcher."""
    return (
        Membership.objects.filter(user_id=user.pk).select_related("agency").order_by("agency__name")
    )


def membership_get(*, user: User, agency_id: uuid.UUID) -> Membership:
    """The user's membership in one agency. Raises PermissionDenied when they have none,
    whether or not the agency exists."""
    membership = memberships_for_user(user=user).filter(agency_id=agency_id).first()
    if membership is None:
        raise PermissionDenied()
    return membership


def recovery_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def demo_totp_code(*, email: str, now: datetime) -> str:
    """The current TOTP code of a demo account (made by seed_demo), for trying the system.

    Raises NotDemoAccount for any other account, and for an unknown email, with the same
    message, so the command reveals nothing about real accounts.
    """
    device = (
        TOTPDevice.objects.filter(
            user__email=email.strip().lower(), user__is_demo=True, confirmed=True
        )
        .order_by("id")
        .first()
    )
    if device is None:
        raise NotDemoAccount()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    return f"{totp.token():0{device.digits}d}"
