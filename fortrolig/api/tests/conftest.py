from datetime import UTC, datetime

import pytest
from django.test import Client

from fortrolig.api.services import api_token_create

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api_token(agency) -> str:
    _token, plaintext = api_token_create(
        agency=agency, name="Integrasjon", created_by=None, now=NOW
    )
    return plaintext


@pytest.fixture
def api_client(client, api_token) -> Client:
    client.defaults.update(bearer(api_token))
    return client
