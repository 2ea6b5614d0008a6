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


# Valid organisation numbers (mod-11) for made-up client companies.
CLIENT_ORG_NUMBERS = ["889640782", "912345688", "912345696", "912345718", "912345726"]


def make_client(agency: Agency, *, name: str = "Fjordkraft Testkunde AS", index: int = 0, **extra):
    """A client company row, created directly (tests of other apps need one to hang on)."""
    from fortrolig.clients.models import Client

    values = {"name": name, "org_number": CLIENT_ORG_NUMBERS[index]}
    values.update(extra)
    return Client.objects.create(agency=agency, **values)


def make_position(agency: Agency, *, client=None, confidential: bool = False, **extra):
    """An open assignment with one position, created directly; returns the position."""
    import datetime as dt

    from fortrolig.assignments.models import Assignment, AssignmentKind, Position

    client = client or make_client(agency)
    assignment = Assignment.objects.create(
        agency=agency,
        client=client,
        title=extra.pop("assignment_title", "Rekruttering av lagermedarbeidere"),
        kind=AssignmentKind.RECRUITMENT,
        confidential_client=confidential,
        starts_on=dt.date(2026, 1, 5),
    )
    values = {"title": "Lagermedarbeider", "location": "Bergen"}
    values.update(extra)
    return Position.objects.create(agency=agency, assignment=assignment, **values)


def make_published_ad(agency: Agency, *, position=None, code: str = "", **extra):
    """A published job ad for `position` (or a new one), created directly."""
    import datetime as dt
    import secrets

    from fortrolig.assignments.models import AdStatus, JobAd

    position = position or make_position(agency)
    values = {
        "title": position.title,
        "body": "Vi søker en strukturert lagermedarbeider til et fast team.",
        "location": position.location,
        "status": AdStatus.PUBLISHED,
        "published_at": dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC),
        "verification_code": code or secrets.token_hex(4).upper(),
    }
    values.update(extra)
    return JobAd.objects.create(agency=agency, position=position, **values)
