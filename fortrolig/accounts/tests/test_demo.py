"""seed_demo and demo_totp: demo logins that anyone may try, and nothing more."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import Membership, Role, User
from fortrolig.accounts.services_demo import DEMO_PASSWORD
from fortrolig.audit.models import AuditEvent
from fortrolig.core.models import Agency

from .helpers import add_totp, code_step, password_step, totp_code

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> list:
    return [
        list(Agency.objects.values_list().order_by("id")),
        list(User.objects.values_list().order_by("id")),
        list(Membership.objects.values_list().order_by("id")),
        list(TOTPDevice.objects.values_list().order_by("id")),
        AuditEvent.objects.count(),
    ]


def test_seed_demo_twice_changes_nothing_and_prints_the_same():
    with time_machine.travel(MOMENT, tick=False):
        first = seed()
        after_first = snapshot()
        second = seed()

    assert second == first
    assert snapshot() == after_first
    agency = Agency.objects.get(slug="demo")
    assert agency.name == "Demo Rekruttering AS"
    assert agency.org_number == "923609016"
    assert agency.contact_email == "personvern@demo.example.com"
    assert agency.daily_manager_name == "Kari Nordmann"
    roles = dict(Membership.objects.filter(agency=agency).values_list("user__email", "role"))
    assert roles == {
        "leder@demo.example.com": Role.MANAGER,
        "radgiver@demo.example.com": Role.CONSULTANT,
    }
    for email in roles:
        user = User.objects.get(email=email)
        assert user.is_demo
        assert user.check_password(DEMO_PASSWORD)
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        assert email in first
    assert DEMO_PASSWORD in first
    assert "otpauth://totp/" in first
    assert "demo_totp" in first


def test_seed_demo_keys_are_stable_across_databases():
    seed()
    keys = dict(TOTPDevice.objects.values_list("user__email", "key"))
    TOTPDevice.objects.all().delete()
    seed()
    assert dict(TOTPDevice.objects.values_list("user__email", "key")) == keys


def test_demo_consultant_logs_in_with_the_printed_password_and_demo_totp_code(client):
    seed()
    email = "radgiver@demo.example.com"
    with time_machine.travel(MOMENT, tick=False):
        out = StringIO()
        call_command("demo_totp", email, stdout=out)
        code = out.getvalue().strip()
        assert code == totp_code(TOTPDevice.objects.get(user__email=email), MOMENT)
        password_step(client, email, DEMO_PASSWORD)
        assert code_step(client, code)["Location"] == reverse("core:dashboard")


def test_demo_totp_refuses_a_real_account(agency):
    from fortrolig.conftest import make_staff

    user = make_staff(agency, email="ekte@nordlys.example.com")
    add_totp(user)
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("demo_totp", user.email, stderr=err)
    assert "demo" in str(refused.value)
    assert user.email not in str(refused.value)


def test_demo_totp_exits_non_zero_for_a_real_account(other_agency, capsys):
    """Through the command line: a clear message on stderr and exit status 1."""
    from fortrolig.conftest import make_staff

    user = make_staff(other_agency, email="ekte@fjellet.example.com")
    add_totp(user)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "demo_totp", user.email]).execute()
    assert exited.value.code == 1
    stderr = capsys.readouterr().err
    assert "demokontoer laget av seed_demo" in stderr
    assert user.email not in stderr


def test_seed_demo_leaves_a_real_account_with_a_demo_email_alone(other_agency):
    from fortrolig.conftest import make_staff

    real = make_staff(other_agency, email="leder@demo.example.com")
    with pytest.raises(CommandError):
        seed()
    real.refresh_from_db()
    assert not real.is_demo
    assert not Agency.objects.filter(slug="demo").exists()
