from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fortrolig.api.models import ApiToken
from fortrolig.api.services import (
    NotAuthenticated,
    TokenRevoked,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import make_staff
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import NotFound, ValidationFailed

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_only_a_keyed_hash_of_the_token_is_stored(agency):
    user = make_staff(agency, email="leder@nordlys.example.com")
    token, plaintext = api_token_create(agency=agency, name="Lønn", created_by=user, now=NOW)
    token.refresh_from_db()
    assert len(plaintext) == 64
    assert token.prefix == plaintext[:8]
    assert token.token_hash == keyed_hash(plaintext, purpose="api-token")
    assert plaintext not in token.token_hash
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in str(stored)
    assert token.created_by == user
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.subject_id == token.id and event.actor_id == user.id


@pytest.mark.django_db
def test_tokens_are_unique(agency):
    tokens = {
        api_token_create(agency=agency, name="x", created_by=None, now=NOW)[1] for _ in range(5)
    }
    assert len(tokens) == 5


@pytest.mark.django_db
def test_a_token_needs_a_name(agency):
    with pytest.raises(ValidationFailed):
        api_token_create(agency=agency, name="  ", created_by=None, now=NOW)
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_authenticate_finds_the_agency_and_notes_use(agency):
    token, plaintext = api_token_create(agency=agency, name="x", created_by=None, now=NOW)
    found = api_token_authenticate(token=plaintext, now=NOW)
    assert found.pk == token.pk and found.agency == agency
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW
    # Within the resolution, using the token does not write again.
    api_token_authenticate(token=plaintext, now=NOW + timedelta(seconds=30))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW
    api_token_authenticate(token=plaintext, now=NOW + timedelta(minutes=2))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(minutes=2)


@pytest.mark.django_db
def test_unknown_and_revoked_tokens_are_refused(agency):
    token, plaintext = api_token_create(agency=agency, name="x", created_by=None, now=NOW)
    with pytest.raises(NotAuthenticated):
        api_token_authenticate(token="0" * 64, now=NOW)
    with pytest.raises(NotAuthenticated):
        api_token_authenticate(token="", now=NOW)
    api_token_revoke(agency=agency, token_id=token.id, revoked_by=None, now=NOW)
    with pytest.raises(TokenRevoked):
        api_token_authenticate(token=plaintext, now=NOW)
    # Revoking again changes nothing.
    again = api_token_revoke(
        agency=agency, token_id=token.id, revoked_by=None, now=NOW + timedelta(days=1)
    )
    assert again.revoked_at == NOW
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1


@pytest.mark.django_db
def test_another_agency_cannot_revoke_a_token(agency, other_agency):
    token, plaintext = api_token_create(agency=agency, name="x", created_by=None, now=NOW)
    with pytest.raises(NotFound):
        api_token_revoke(agency=other_agency, token_id=token.id, revoked_by=None, now=NOW)
    assert api_token_authenticate(token=plaintext, now=NOW).pk == token.pk


@pytest.mark.django_db
def test_command_prints_the_token_once(agency):
    out, err = StringIO(), StringIO()
    call_command(
        "api_token_create",
        "--agency",
        agency.slug,
        "--name",
        "Lønnseksport",
        stdout=out,
        stderr=err,
    )
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get(agency=agency)
    assert token.name == "Lønnseksport"
    assert token.token_hash == keyed_hash(plaintext, purpose="api-token")
    assert token.prefix in err.getvalue()
    assert plaintext not in err.getvalue()
    assert api_token_authenticate(token=plaintext, now=NOW).agency == agency


@pytest.mark.django_db
def test_command_refuses_an_unknown_agency():
    with pytest.raises(CommandError):
        call_command("api_token_create", "--agency", "finnes-ikke", "--name", "x")
    assert ApiToken.objects.count() == 0
