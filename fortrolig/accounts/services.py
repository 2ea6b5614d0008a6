"""Staff login with two factors (P-26): password, then a TOTP code or a recovery code.

Every attempt, at either stage, writes a LoginAttempt row and a log line. Both hold keyed
hashes and the user's ID only, never the email, the password or the client address
(house rule 8). Failures are throttled per account and per client address.

A throttled or failed attempt must still be recorded, so each check commits its attempt
row first and raises its error afterwards, outside the transaction.
"""

import logging
import uuid
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.audit.services import actor_for_user, record
from fortrolig.core.clock import require_aware
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import ApplicationError, Conflict, Throttled
from fortrolig.core.models import Agency
from fortrolig.messaging.services import email_queue

from .models import LoginAttempt, Membership, User
from .selectors import login_is_throttled

logger = logging.getLogger("fortrolig.accounts.login")

DeviceT = TypeVar("DeviceT", bound=Device)

# How long a password step stays valid while the user finds their second factor.
PENDING_LOGIN_SECONDS = 10 * 60
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator"
RECOVERY_DEVICE_NAME = "Recovery codes"

Stage = LoginAttempt.Stage
Outcome = LoginAttempt.Outcome


class LoginFailed(ApplicationError):
    # The same message whether the email exists or not: no hint for an attacker.
    status = 400
    code = "login_failed"
    default_message = _("Wrong email or password.")


class CodeRejected(ApplicationError):
    status = 400
    code = "code_rejected"
    default_message = _("The code is wrong, has expired or has already been used.")


class LoginThrottled(Throttled):
    code = "login_throttled"
    default_message = _("Too many failed attempts. Wait a few minutes and try again.")


class LoginExpired(ApplicationError):
    status = 400
    code = "login_expired"
    default_message = _("The login took too long. Start again with your email and password.")


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    default_message = _("Two-step verification is already set up for this account.")


@dataclass(frozen=True)
class PendingLogin:
    """A password step that succeeded, waiting for the second factor."""

    user_id: uuid.UUID
    started_at: datetime


@dataclass(frozen=True)
class PasswordCheckResult:
    user_id: uuid.UUID
    needs_enrolment: bool


@dataclass(frozen=True)
class SecondFactorResult:
    user: User
    device: Device


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str


@dataclass(frozen=True)
class EnrolmentConfirmed:
    user: User
    device: TOTPDevice
    recovery_codes: list[str]


def email_hash_for(email: str) -> str:
    return keyed_hash(email, purpose="login-email")


def ip_hash_for(ip: str) -> str:
    return keyed_hash(ip, purpose="login-ip")


def _attempt_record(
    *,
    email_hash: str,
    ip_hash: str,
    user: User | None,
    stage: str,
    outcome: str,
    now: datetime,
) -> None:
    LoginAttempt.objects.create(
        at=now,
        email_hash=email_hash,
        ip_hash=ip_hash,
        user=user,
        stage=stage,
        outcome=outcome,
    )


def _attempt_log(
    *, email_hash: str, ip_hash: str, user: User | None, stage: str, outcome: str
) -> None:
    # Hash prefixes let an operator follow one account or address through the log
    # without the log ever holding the email or the address.
    logger.log(
        logging.INFO if outcome == Outcome.SUCCEEDED else logging.WARNING,
        "login attempt stage=%s outcome=%s user=%s account=%s client=%s",
        stage,
        outcome,
        user.pk if user is not None else "-",
        email_hash[:12],
        ip_hash[:12],
    )


def _pending_user(*, pending: PendingLogin, now: datetime) -> User:
    if now - pending.started_at > timedelta(seconds=PENDING_LOGIN_SECONDS):
        raise LoginExpired()
    user = User.objects.filter(pk=pending.user_id, is_active=True).first()
    if user is None:
        raise LoginExpired()
    return user


def _totp_accept(*, device: TOTPDevice, code: str, now: datetime) -> bool:
    """Verify a TOTP code at `now`, refusing any code at or before the last one accepted.

    django-otp's own `verify_token` reads the wall clock and adds an exponential delay per
    device; both are replaced here: time is a parameter (house rule 7) and failures are
    throttled by LoginAttempt, per account and per address.
    """
    if not code.isdigit() or len(code) != device.digits:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    if not totp.verify(int(code), device.tolerance, device.last_t + 1):
        return False
    device.last_t = totp.t()
    device.drift = totp.drift
    device.last_used_at = now
    device.save(update_fields=["last_t", "drift", "last_used_at"])
    return True


def _normalise_code(code: str) -> str:
    # People copy recovery codes with spaces or dashes, and in either case.
    return "".join(code.split()).replace("-", "").lower()


def _device_for_code(*, user: User, code: str, now: datetime) -> Device | None:
    """The device that accepts `code`, consuming it, or None. Locks the user's devices so
    that two concurrent requests cannot both use one code."""
    cleaned = _normalise_code(code)
    if not cleaned:
        return None
    if cleaned.isdigit():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if _totp_accept(device=device, code=cleaned, now=now):
                return device
    token = (
        StaticToken.objects.select_for_update()
        .select_related("device")
        .filter(device__user=user, device__confirmed=True, token=cleaned)
        .first()
    )
    if token is None:
        return None
    static_device: StaticDevice = token.device
    token.delete()
    static_device.last_used_at = now
    static_device.save(update_fields=["last_used_at"])
    return static_device


def _audit_account_change(*, user: User, action: str, fields: list[str], now: datetime) -> None:
    """Record a change to a staff account in every agency the account works in: each of
    those controllers answers for the account. A user without a membership has no agency
    to hold the event, and cannot open any staff page either."""
    agency_ids = Membership.objects.filter(user=user).values_list("agency_id", flat=True)
    for agency_id in agency_ids:
        record(
            agency=agency_id,
            actor=actor_for_user(user),
            action=action,
            subject=user,
            fields=fields,
            purpose="account_security",
            now=now,
        )


def _recovery_codes_replace(*, user: User, now: datetime) -> list[str]:
    # The device is kept and only its tokens replaced: a session verified with a recovery
    # code points at this device, and deleting it would end that session.
    device = StaticDevice.objects.filter(user=user).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    ordered = sorted(codes)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in ordered])
    return ordered


def _second_factor_outcome(
    *, email_hash: str, ip_hash: str, user: User, outcome: str, device: DeviceT | None
) -> DeviceT:
    """Log a second-factor attempt (already recorded and committed) and return the device
    that accepted the code; raises LoginThrottled or CodeRejected otherwise."""
    _attempt_log(
        email_hash=email_hash,
        ip_hash=ip_hash,
        user=user,
        stage=Stage.SECOND_FACTOR,
        outcome=outcome,
    )
    if outcome == Outcome.THROTTLED:
        raise LoginThrottled()
    if device is None:
        raise CodeRejected()
    return device


def login_password_check(
    *, email: str, password: str, ip: str, now: datetime
) -> PasswordCheckResult:
    """Check the first factor. Does not log the user in.

    Raises LoginThrottled when the account or the address has too many recent failures
    (even when the password is right), and LoginFailed for a wrong email or password.
    """
    require_aware(now)
    email_hash = email_hash_for(email)
    ip_hash = ip_hash_for(ip)
    user: User | None = None
    with transaction.atomic():
        if login_is_throttled(email_hash=email_hash, ip_hash=ip_hash, now=now):
            outcome = Outcome.THROTTLED
        else:
            authenticated = authenticate(None, email=email.strip().lower(), password=password)
            user = authenticated if isinstance(authenticated, User) else None
            outcome = Outcome.SUCCEEDED if user is not None else Outcome.FAILED
        _attempt_record(
            email_hash=email_hash,
            ip_hash=ip_hash,
            user=user,
            stage=Stage.PASSWORD,
            outcome=outcome,
            now=now,
        )
    _attempt_log(
        email_hash=email_hash, ip_hash=ip_hash, user=user, stage=Stage.PASSWORD, outcome=outcome
    )
    if outcome == Outcome.THROTTLED:
        raise LoginThrottled()
    if user is None:
        raise LoginFailed()
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return PasswordCheckResult(user_id=user.pk, needs_enrolment=not enrolled)


def login_second_factor_check(
    *, pending: PendingLogin, code: str, ip: str, now: datetime
) -> SecondFactorResult:
    """Check the second factor: a TOTP code or a one-time recovery code (used up here).

    The caller logs the user in with the returned user and device. Raises LoginExpired
    when the password step is too old, LoginThrottled and CodeRejected.
    """
    require_aware(now)
    user = _pending_user(pending=pending, now=now)
    email_hash = email_hash_for(user.email)
    ip_hash = ip_hash_for(ip)
    device: Device | None = None
    with transaction.atomic():
        if login_is_throttled(email_hash=email_hash, ip_hash=ip_hash, now=now):
            outcome = Outcome.THROTTLED
        else:
            device = _device_for_code(user=user, code=code, now=now)
            outcome = Outcome.SUCCEEDED if device is not None else Outcome.FAILED
        _attempt_record(
            email_hash=email_hash,
            ip_hash=ip_hash,
            user=user,
            stage=Stage.SECOND_FACTOR,
            outcome=outcome,
            now=now,
        )
    return SecondFactorResult(
        user=user,
        device=_second_factor_outcome(
            email_hash=email_hash, ip_hash=ip_hash, user=user, outcome=outcome, device=device
        ),
    )


def totp_enrolment_start(*, pending: PendingLogin, now: datetime) -> TotpEnrolment:
    """Give a user without a confirmed TOTP device a new, unconfirmed one, and return its
    secret and otpauth URI. Showing the page again shows the same secret.

    Raises LoginExpired and AlreadyEnrolled.
    """
    require_aware(now)
    user = _pending_user(pending=pending, now=now)
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise AlreadyEnrolled()
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return TotpEnrolment(secret=b32encode(device.bin_key).decode("ascii"), uri=device.config_url)


def totp_enrolment_confirm(
    *, pending: PendingLogin, code: str, ip: str, now: datetime
) -> EnrolmentConfirmed:
    """Confirm the new TOTP device with a code from it, and make 10 recovery codes.

    The code proves the second factor, so the caller logs the user in. The recovery codes
    are returned once and never shown again. Counts as a second-factor attempt for
    throttling. Raises LoginExpired, AlreadyEnrolled, LoginThrottled and CodeRejected.
    """
    require_aware(now)
    user = _pending_user(pending=pending, now=now)
    email_hash = email_hash_for(user.email)
    ip_hash = ip_hash_for(ip)
    device: TOTPDevice | None = None
    codes: list[str] = []
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise AlreadyEnrolled()
        if login_is_throttled(email_hash=email_hash, ip_hash=ip_hash, now=now):
            outcome = Outcome.THROTTLED
        else:
            candidate = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=False)
                .order_by("id")
                .first()
            )
            if candidate is not None and _totp_accept(
                device=candidate, code=_normalise_code(code), now=now
            ):
                device = candidate
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = _recovery_codes_replace(user=user, now=now)
                _audit_account_change(
                    user=user,
                    action="account.totp_enrolled",
                    fields=["totp_device", "recovery_codes"],
                    now=now,
                )
            outcome = Outcome.SUCCEEDED if device is not None else Outcome.FAILED
        _attempt_record(
            email_hash=email_hash,
            ip_hash=ip_hash,
            user=user,
            stage=Stage.SECOND_FACTOR,
            outcome=outcome,
            now=now,
        )
    return EnrolmentConfirmed(
        user=user,
        device=_second_factor_outcome(
            email_hash=email_hash, ip_hash=ip_hash, user=user, outcome=outcome, device=device
        ),
        recovery_codes=codes,
    )


def recovery_codes_regenerate(
    *, user: User, agency: Agency, security_url: str, language: str, now: datetime
) -> list[str]:
    """Replace the user's recovery codes with 10 new ones, returned once. The old codes
    stop working, and the user is told by email, so that a stranger who did it is noticed.
    The email holds no codes (P-10), only the time and a link to the security page."""
    require_aware(now)
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user, now=now)
        _audit_account_change(
            user=user, action="account.recovery_codes_replaced", fields=["recovery_codes"], now=now
        )
        email_queue(
            agency=agency,
            to=user.email,
            template="account.recovery_codes_regenerated",
            context={"link": security_url, "occurred_at": now},
            language=language,
            now=now,
            actor=actor_for_user(user),
        )
    return codes


def sessions_end_all(*, user: User, now: datetime) -> None:
    """End every session of the user, everywhere, including the caller's own.

    The session generation is part of the session hash (User.get_session_auth_hash), so
    raising it makes every stored session fail its hash check on the next request.
    """
    require_aware(now)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
        _audit_account_change(
            user=user, action="account.sessions_ended", fields=["session_generation"], now=now
        )
