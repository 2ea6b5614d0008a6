"""The demo agency and its staff logins, made by `manage.py seed_demo`.

Everything here is public on purpose: the password and the TOTP keys are documented in
the README, so that anyone can try the system. Only accounts with `is_demo` get these
values, and only they may have a code printed by `manage.py demo_totp`.
"""

import hashlib
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.assignments.demo import demo_business_seed
from fortrolig.audit.services import Actor, record
from fortrolig.candidates.demo import DEMO_CANDIDATES, demo_candidates_seed
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import Conflict
from fortrolig.core.models import Agency
from fortrolig.staffing.demo import demo_staffing_seed

from .models import Membership, Role, User

DEMO_PASSWORD = "demo-fortrolig-2026"  # noqa: S105 - a documented, public demo password
DEMO_AGENCY = {
    "slug": "demo",
    "name": "Demo Rekruttering AS",
    "org_number": "923609016",
    "contact_email": "personvern@demo.example.com",
    "daily_manager_name": "Kari Nordmann",
}
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("leder@demo.example.com", "Kari Nordmann", Role.MANAGER),
    ("radgiver@demo.example.com", "Ola Nordmann", Role.CONSULTANT),
)


class DemoAccountConflict(Conflict):
    code = "demo_account_conflict"
    default_message = _("A real account already uses a demo email address; it was left alone.")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: Role
    totp_secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class DemoSeed:
    agency: Agency
    password: str
    logins: list[DemoLogin]
    candidates_created: int
    clients_created: int
    candidates_total: int = len(DEMO_CANDIDATES)


def demo_totp_key(email: str) -> str:
    """A stable TOTP key (20 bytes, hex) for a demo account, so that an authenticator app
    set up once keeps working after the database is made again."""
    return hashlib.sha256(b"fortrolig-demo-totp:" + email.encode()).hexdigest()[:40]


def _demo_user(*, email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(
            email=email, password=DEMO_PASSWORD, full_name=full_name, is_demo=True
        )
    if not user.is_demo:
        raise DemoAccountConflict()
    # Put the documented password back if someone changed it, but write nothing when it
    # is already right, so that a second run changes nothing.
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _demo_device(*, user: User) -> TOTPDevice:
    key = demo_totp_key(user.email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return TOTPDevice.objects.create(user=user, name="Demo", key=key, confirmed=True)
    if device.key != key:
        device.key = key
        device.last_t = -1
        device.drift = 0
        device.save(update_fields=["key", "last_t", "drift"])
    return device


def demo_seed(*, now: datetime) -> DemoSeed:
    """Create the demo agency, a manager and a consultant with a confirmed TOTP device.

    Idempotent: a second run finds everything in place and changes nothing. Raises
    DemoAccountConflict when a non-demo account already has one of the demo emails.
    """
    require_aware(now)
    logins: list[DemoLogin] = []
    with transaction.atomic():
        agency, _created = Agency.objects.get_or_create(
            slug=DEMO_AGENCY["slug"],
            defaults={k: v for k, v in DEMO_AGENCY.items() if k != "slug"},
        )
        for email, full_name, role in DEMO_STAFF:
            user = _demo_user(email=email, full_name=full_name)
            _membership, joined = Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": role}
            )
            if joined:
                record(
                    agency=agency,
                    actor=Actor.system(),
                    action="account.membership_created",
                    subject=user,
                    fields=["email", "full_name", "role"],
                    purpose="demo_seed",
                    now=now,
                )
            device = _demo_device(user=user)
            logins.append(
                DemoLogin(
                    email=email,
                    full_name=full_name,
                    role=role,
                    totp_secret=b32encode(device.bin_key).decode("ascii"),
                    otpauth_uri=device.config_url,
                )
            )
        candidates_created = demo_candidates_seed(agency=agency, now=now)
        clients_created = demo_business_seed(agency=agency, now=now)
        demo_staffing_seed(agency=agency, actor=Actor.system(), now=now)
    return DemoSeed(
        agency=agency,
        password=DEMO_PASSWORD,
        logins=logins,
        candidates_created=candidates_created,
        clients_created=clients_created,
    )
