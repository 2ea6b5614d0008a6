"""P-26: a first login without an authenticator sets one up, with a QR code made on the
server, and hands out ten one-time recovery codes."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import LoginAttempt
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import make_staff

from .helpers import PASSWORD, START, code_step, password_step, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(agency):
    return make_staff(agency, email="ny.radgiver@nordlys.example.com", password=PASSWORD)


def secret_on_page(html: str) -> str:
    match = re.search(r'data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html)
    assert match, "the secret is shown for typing by hand"
    return match.group(1).replace(" ", "")


def test_p26_enrolment_shows_an_inline_qr_code_and_the_secret(client, newcomer, frozen):
    password_step(client, newcomer.email)

    page = client.get(reverse("accounts:enrol"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    # No outside request: nothing on the page is loaded from another host.
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    assert b32decode(secret_on_page(html)) == device.bin_key
    assert 'autocomplete="one-time-code"' in html
    # Showing the page again keeps the same secret, so a scanned code still works.
    again = client.get(reverse("accounts:enrol")).content.decode()
    assert secret_on_page(again) == secret_on_page(html)
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_p26_enrolment_confirms_logs_in_and_shows_ten_recovery_codes_once(client, newcomer, frozen):
    password_step(client, newcomer.email)
    key_before = client.session.session_key
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)

    response = client.post(reverse("accounts:enrol"), {"code": totp_code(device, START)})

    html = response.content.decode()
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    tokens = set(StaticToken.objects.filter(device__user=newcomer).values_list("token", flat=True))
    assert len(tokens) == 10
    for token in tokens:
        assert f"<code>{token}</code>" in html
    assert client.session[SESSION_KEY] == str(newcomer.pk)
    assert client.session.session_key != key_before
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(
        action="account.totp_enrolled", subject_id=newcomer.pk
    ).exists()
    # The codes are not kept anywhere the pages can show them again.
    security = client.get(reverse("accounts:security")).content.decode()
    assert not any(token in security for token in tokens)


def test_p26_enrolment_with_a_wrong_code_confirms_nothing(client, newcomer, frozen):
    password_step(client, newcomer.email)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    wrong = f"{(int(totp_code(device, START)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:enrol"), {"code": wrong}, follow=True)

    assert "Koden er feil" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert SESSION_KEY not in client.session
    assert not StaticToken.objects.filter(device__user=newcomer).exists()
    assert LoginAttempt.objects.latest("id").outcome == "failed"


def test_p26_after_enrolment_the_next_login_asks_for_a_code(client, newcomer):
    with time_machine.travel(START, tick=False):
        password_step(client, newcomer.email)
        client.get(reverse("accounts:enrol"))
        device = TOTPDevice.objects.get(user=newcomer)
        client.post(reverse("accounts:enrol"), {"code": totp_code(device, START)})

    later = START + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        other = Client()
        assert password_step(other, newcomer.email)["Location"] == reverse("accounts:login_code")
        # An authenticator, once set up, is never replaced through the login.
        assert other.get(reverse("accounts:enrol"))["Location"] == reverse("accounts:login_code")
        assert code_step(other, totp_code(device, later))["Location"] == reverse("core:dashboard")


def test_p26_enrolment_needs_the_password_step(client, newcomer, frozen):
    assert client.get(reverse("accounts:enrol"))["Location"] == reverse("accounts:login")
    assert not TOTPDevice.objects.exists()
