"""P-26 in a real browser: a consultant logs in with password and TOTP code, in Norwegian
and in English."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import Role
from fortrolig.conftest import make_agency, make_staff

pytestmark = pytest.mark.browser

PASSWORD = "riktig-passord-123"
EMAIL = "radgiver@nordlys.example.com"


@pytest.fixture
def consultant_device(transactional_db) -> TOTPDevice:
    user = make_staff(make_agency(), email=EMAIL, role=Role.CONSULTANT, password=PASSWORD)
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def test_p26_consultant_logs_in_with_password_and_code_in_norwegian(
    live_server, page, consultant_device
):
    page.goto(f"{live_server.url}/staff/")
    # Not logged in: the staff side sends the browser to the login page.
    assert "/staff/login/" in page.url
    page.get_by_role("heading", name="Logg inn").wait_for()

    page.get_by_label("E-post:", exact=True).fill(EMAIL)
    page.get_by_label("Passord:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Fortsett").click()
    page.get_by_role("heading", name="Totrinnsbekreftelse").wait_for()
    code_input = page.get_by_label("Kode:", exact=True)
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    code_input.fill(current_code(consultant_device))
    code_input.press("Enter")

    page.get_by_role("heading", name="Oversikt", level=1).wait_for()
    assert page.url == f"{live_server.url}/staff/"


def test_p26_consultant_logs_in_in_english_after_switching_language(
    live_server, page, consultant_device
):
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Bytt").click()
    page.get_by_role("heading", name="Log in").wait_for()

    page.get_by_label("Email:", exact=True).fill(EMAIL)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Two-step verification").wait_for()
    page.get_by_label("Code:", exact=True).fill(current_code(consultant_device))
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Dashboard", level=1).wait_for()
    assert page.url == f"{live_server.url}/staff/"
