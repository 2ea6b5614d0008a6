"""Browser fixtures: Playwright's sync API driving Debian's Chromium (never a downloaded
browser)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# the database calls that the tests make to set up their data.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        # CI installs it, so there a missing browser is a failure, never a silent skip.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page with its own cookies, in Norwegian bokmål unless the test switches."""
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def totp_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


@pytest.fixture
def staff_login(page):
    """Log a staff member in through the real login pages; returns the page."""

    def login(live_server_url: str, *, email: str, password: str, device) -> object:
        page.goto(f"{live_server_url}/staff/login/")
        page.get_by_label("E-post:", exact=True).fill(email)
        page.get_by_label("Passord:", exact=True).fill(password)
        page.get_by_role("button", name="Fortsett").click()
        page.get_by_label("Kode:", exact=True).fill(totp_code(device))
        page.get_by_label("Kode:", exact=True).press("Enter")
        page.get_by_role("heading", name="Oversikt", level=1).wait_for()
        return page

    return login
