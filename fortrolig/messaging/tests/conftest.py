import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from fortrolig.accounts.models import Role, User
from fortrolig.conftest import make_staff


def login_verified(client: Client, user: User) -> Client:
    """Log `user` in with both factors: a password session and a confirmed TOTP device."""
    device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def manager(agency) -> User:
    return make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER)


@pytest.fixture
def manager_client(client, manager) -> Client:
    return login_verified(client, manager)


class _Recorder:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port, recording what it receives."""
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    controller, recorder = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return recorder


@pytest.fixture
def celery_retries():
    """Let eager tasks retry as a worker would.

    The test settings make eager tasks propagate exceptions, and Celery then raises its Retry
    signal to the caller instead of running the retry. Turned off here, an eager retry runs
    at once (the countdown is ignored), so a test sees the whole sequence of attempts.
    """
    from config.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous
