"""Factories shared by the apps' tests."""

import pytest

from fortrolig.accounts.models import Membership, Role, User
from fortrolig.core.models import Agency

# Valid organisation numbers (mod-11) for made-up test agencies.
ORG_NUMBERS = [
    "923609016",
    "974760673",
    "985399077",
    "914778271",
    "991825827",
    "926018159",
    "908301668",
    "931860917",
]


def make_agency(slug: str = "nordlys", index: int = 0, **extra) -> Agency:
    defaults = {
        "name": f"{slug.title()} Rekruttering AS",
        "slug": slug,
        "org_number": ORG_NUMBERS[index],
        "contact_email": f"personvern@{slug}.example.com",
        "daily_manager_name": "Kari Testleder",
    }
    defaults.update(extra)
    return Agency.objects.create(**defaults)


def make_staff(
    agency: Agency,
    *,
    email: str,
    role: Role = Role.CONSULTANT,
    password: str = "riktig-passord-123",  # noqa: S107
) -> User:
    user = User.objects.create_user(email=email, password=password, full_name="Test Person")
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def agency(db) -> Agency:
    return make_agency()


@pytest.fixture
def other_agency(db) -> Agency:
    return make_agency("fjellet", index=1)


def login_verified(client, user) -> None:
    """Log `user` in on the test client as if they had passed both factors."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def manager_client(client, agency):
    login_verified(client, make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER))
    return client


@pytest.fixture
def consultant_client(client, agency):
    login_verified(client, make_staff(agency, email="radgiver@nordlys.example.com"))
    return client
