"""Helpers for the login tests: staff with an authenticator, codes, the login steps."""

from datetime import UTC, datetime

import time_machine
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import Role, User
from fortrolig.conftest import make_staff
from fortrolig.core.models import Agency

PASSWORD = "riktig-passord-123"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def totp_code(device: TOTPDevice, when: datetime) -> str:
    """The code the person's authenticator app shows at `when`."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = when.timestamp()
    return f"{totp.token():06d}"


def add_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


def staff_with_totp(agency: Agency, email: str, role: Role = Role.CONSULTANT):
    user = make_staff(agency, email=email, role=role, password=PASSWORD)
    return user, add_totp(user)


def password_step(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, **extra)


def code_step(client: Client, code: str, **extra):
    return client.post(reverse("accounts:login_code"), {"code": code}, **extra)


def log_in(client: Client, user: User, device: TOTPDevice, when: datetime):
    """The whole two-step login through the views, at `when`."""
    with time_machine.travel(when, tick=False):
        password_step(client, user.email)
        return code_step(client, totp_code(device, when))


def verified_login(client: Client, user: User, device) -> None:
    """A logged-in, two-factor session without going through the forms."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
