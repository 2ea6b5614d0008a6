"""Factories shared by the apps' tests."""

import pytest

from fortrolig.accounts.models import Membership, Role, User
from fortrolig.core.models import Agency

# Valid organisation numbers (mod-11) for made-up test agencies.
ORG_NUMBERS = ["923609016", "974760673", "985399077", "914778271", "991825827"]


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


def make_staff(agency: Agency, *, email: str, role: Role = Role.CONSULTANT, password: str = "riktig-passord-123") -> User:
    user = User.objects.create_user(email=email, password=password, full_name="Test Person")
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def agency(db) -> Agency:
    return make_agency()


@pytest.fixture
def other_agency(db) -> Agency:
    return make_agency("fjellet", index=1)
