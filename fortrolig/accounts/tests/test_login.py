"""P-26: staff always log in with two factors; failed logins are throttled and logged."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import LoginAttempt
from fortrolig.accounts.views import SESSION_PENDING_KEY
from fortrolig.core.crypto import keyed_hash

from .helpers import PASSWORD, START, code_step, log_in, password_step, totp_code

pytestmark = pytest.mark.django_db

WRONG_LOGIN_NB = "Feil e-post eller passord."
THROTTLED_NB = "For mange mislykkede forsøk"


def dashboard(client: Client):
    return client.get(reverse("core:dashboard"))


def test_p26_wrong_password_is_refused_in_norwegian_with_no_hint(client, consultant, frozen):
    user, _device = consultant

    wrong_password = password_step(client, user.email, "feil-passord-999")
    unknown_email = password_step(client, "finnes.ikke@nordlys.example.com", PASSWORD)

    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert WRONG_LOGIN_NB in response.content.decode()
        assert SESSION_PENDING_KEY not in client.session
    # The same error whether the email exists or not.
    assert wrong_password.content.decode().count(WRONG_LOGIN_NB) == 1
    assert unknown_email.content.decode().count(WRONG_LOGIN_NB) == 1
    outcomes = list(LoginAttempt.objects.values_list("stage", "outcome", "user_id"))
    assert outcomes == [("password", "failed", None), ("password", "failed", None)]


def test_p26_wrong_password_message_in_english(client, consultant, frozen):
    user, _device = consultant
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = password_step(client, user.email, "feil-passord-999")
    assert "Wrong email or password." in response.content.decode()


def test_p26_password_alone_does_not_log_in(client, consultant, frozen):
    user, _device = consultant

    response = password_step(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login_code")
    assert SESSION_KEY not in client.session
    assert str(user.pk) == client.session[SESSION_PENDING_KEY]["user_id"]
    assert dashboard(client)["Location"].startswith(reverse("accounts:login"))


def test_p26_login_with_totp_reaches_dashboard_and_rotates_session_key(client, consultant, frozen):
    user, device = consultant
    password_step(client, user.email)
    key_before_login = client.session.session_key

    response = code_step(client, totp_code(device, START))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.session.session_key != key_before_login
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert SESSION_PENDING_KEY not in client.session
    page = dashboard(client)
    assert page.status_code == 200
    assert "<h1>Oversikt</h1>" in page.content.decode()
    assert list(LoginAttempt.objects.order_by("id").values_list("stage", "outcome")) == [
        ("password", "succeeded"),
        ("second_factor", "succeeded"),
    ]


def test_p26_login_keeps_a_safe_next_and_drops_a_foreign_one(client, consultant):
    user, device = consultant
    with time_machine.travel(START, tick=False):
        client.post(
            reverse("accounts:login") + "?next=/staff/security/",
            {"email": user.email, "password": PASSWORD},
        )
        assert code_step(client, totp_code(device, START))["Location"] == "/staff/security/"

    other = Client()
    later = START + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        other.post(
            reverse("accounts:login") + "?next=https://angriper.example.com/",
            {"email": user.email, "password": PASSWORD},
        )
        response = code_step(other, totp_code(device, later))
    assert response["Location"] == reverse("core:dashboard")


def test_p26_wrong_code_is_refused(client, consultant, frozen):
    user, device = consultant
    password_step(client, user.email)
    right = totp_code(device, START)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = code_step(client, wrong)

    assert response.status_code == 400
    assert "Koden er feil" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert dashboard(client).status_code == 302
    last = LoginAttempt.objects.latest("id")
    assert (last.stage, last.outcome, last.user_id) == ("second_factor", "failed", user.pk)


def test_p26_a_totp_code_works_only_once(client, consultant, frozen):
    user, device = consultant
    code = totp_code(device, START)
    password_step(client, user.email)
    assert code_step(client, code).status_code == 302

    second = Client()
    password_step(second, user.email)
    assert code_step(second, code).status_code == 400


def test_p26_code_step_needs_the_password_step(client, consultant, frozen):
    _user, device = consultant
    response = code_step(client, totp_code(device, START))
    assert response["Location"] == reverse("accounts:login")
    assert not LoginAttempt.objects.exists()


def test_p26_a_stale_password_step_must_be_done_again(client, consultant):
    user, device = consultant
    with time_machine.travel(START, tick=False):
        password_step(client, user.email)
    later = START + timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        response = code_step(client, totp_code(device, later))
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert SESSION_PENDING_KEY not in client.session


def test_p26_recovery_code_works_once(client, consultant, frozen):
    user, _device = consultant
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=static, token="abcd2345")

    password_step(client, user.email)
    # Typed with a space and in capitals, as people copy them.
    response = code_step(client, "ABCD 2345")
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == static.persistent_id
    assert dashboard(client).status_code == 200
    assert not StaticToken.objects.filter(device=static).exists()

    again = Client()
    password_step(again, user.email)
    assert code_step(again, "abcd2345").status_code == 400
    assert SESSION_KEY not in again.session


def test_p26_throttle_per_account_even_with_the_right_password(
    client, consultant, throttle_settings, frozen
):
    user, _device = consultant
    # From different addresses, so that only the per-account limit applies.
    for i in range(3):
        password_step(client, user.email, "feil-passord-999", REMOTE_ADDR=f"192.0.2.{i + 1}")

    response = password_step(client, user.email, PASSWORD, REMOTE_ADDR="192.0.2.50")

    assert response.status_code == 429
    assert THROTTLED_NB in response.content.decode()
    assert SESSION_PENDING_KEY not in client.session
    last = LoginAttempt.objects.latest("id")
    assert (last.stage, last.outcome) == ("password", "throttled")
    assert last.email_hash == keyed_hash(user.email, purpose="login-email")


def test_p26_throttle_per_ip(client, agency, consultant, throttle_settings, frozen):
    user, _device = consultant
    attacker = "203.0.113.9"
    for i in range(5):
        password_step(
            client, f"gjetning{i}@nordlys.example.com", "feil-passord-999", REMOTE_ADDR=attacker
        )

    from_attacker = password_step(client, user.email, PASSWORD, REMOTE_ADDR=attacker)
    assert from_attacker.status_code == 429
    assert THROTTLED_NB in from_attacker.content.decode()

    from_elsewhere = password_step(Client(), user.email, PASSWORD, REMOTE_ADDR="198.51.100.4")
    assert from_elsewhere.status_code == 302


def test_p26_wrong_codes_count_toward_the_throttle(client, consultant, throttle_settings, frozen):
    user, device = consultant
    password_step(client, user.email)
    right = totp_code(device, START)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert code_step(client, wrong).status_code == 400

    response = code_step(client, right)

    assert response.status_code == 429
    assert THROTTLED_NB in response.content.decode()
    assert SESSION_KEY not in client.session
    assert LoginAttempt.objects.latest("id").outcome == "throttled"
    # The account is throttled at the password step too.
    assert password_step(Client(), user.email).status_code == 429


def test_p26_throttle_ends_after_the_window(client, consultant, throttle_settings):
    user, _device = consultant
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            password_step(client, user.email, "feil-passord-999")
        assert password_step(client, user.email).status_code == 429
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        assert password_step(client, user.email).status_code == 302


def test_p26_no_email_password_or_ip_in_logs_or_login_attempts(client, consultant, caplog, frozen):
    user, device = consultant
    address = "198.51.100.77"
    caplog.set_level(logging.INFO)

    password_step(client, user.email, "hemmelig-feil-777", REMOTE_ADDR=address)
    password_step(client, user.email, PASSWORD, REMOTE_ADDR=address)
    code_step(client, totp_code(device, START), REMOTE_ADDR=address)

    login_lines = [r for r in caplog.records if r.name == "fortrolig.accounts.login"]
    assert len(login_lines) == 3
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (user.email, "radgiver", PASSWORD, "hemmelig-feil-777", address):
        assert secret not in logged
    assert f"user={user.pk}" in logged

    stored = "\n".join(str(value) for row in LoginAttempt.objects.values_list() for value in row)
    for secret in (user.email, "radgiver", PASSWORD, "hemmelig-feil-777", address):
        assert secret not in stored
    assert LoginAttempt.objects.filter(ip_hash=keyed_hash(address, purpose="login-ip")).count() == 3


def test_p26_logout_is_post_only(client, consultant, frozen):
    user, device = consultant
    log_in(client, user, device, START)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert dashboard(client).status_code == 302


def test_login_page_is_labelled_and_keyboard_usable(client, consultant, frozen):
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<label for="id_email">' in page
    assert '<label for="id_password">' in page
    assert 'autocomplete="current-password"' in page

    user, _device = consultant
    password_step(client, user.email)
    code_page = client.get(reverse("accounts:login_code")).content.decode()
    assert '<label for="id_code">' in code_page
    assert 'autocomplete="one-time-code"' in code_page


def test_p26_user_without_authenticator_is_sent_to_enrolment(client, agency, frozen):
    from fortrolig.conftest import make_staff

    user = make_staff(agency, email="ny@nordlys.example.com", password=PASSWORD)
    response = password_step(client, user.email)
    assert response["Location"] == reverse("accounts:enrol")
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
