"""Fixtures for the login tests."""

import pytest
import time_machine

from .helpers import START, staff_with_totp


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def consultant(agency):
    return staff_with_totp(agency, "radgiver@nordlys.example.com")


@pytest.fixture
def throttle_settings(settings):
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 3
    settings.LOGIN_THROTTLE_IP_FAILURES = 5
    return settings
