"""Making, checking and revoking API tokens."""

import secrets
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fortrolig.accounts.models import User
from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor, actor_for_user, record
from fortrolig.core.crypto import keyed_hash
from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .models import ApiToken

HASH_PURPOSE = "api-token"
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100
# last_used_at is refreshed at most this often, so that a busy client does not turn every
# read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    default_message = _("A valid API token is required: send it as 'Authorization: Bearer …'.")


class TokenRevoked(NotAuthenticated):
    code = "token_revoked"
    default_message = _("This API token has been revoked.")


def _hash(token: str) -> str:
    return keyed_hash(token, purpose=HASH_PURPOSE)


def api_token_create(
    *, agency: Agency, name: str, created_by: User | None, now: datetime
) -> tuple[ApiToken, str]:
    """Make a token for `agency`. Returns the stored token and the plaintext token, which is
    not stored and cannot be shown again.

    Raises ValidationFailed for an empty or too long name.
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            field_errors={"name": [str(_("Give the token a name of at most 100 characters."))]}
        )
    # Hex, because keyed_hash normalises its input to lower case: a mixed-case alphabet
    # would make tokens that differ only in case collide.
    plaintext = secrets.token_hex(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            agency=agency,
            name=name,
            prefix=plaintext[:PREFIX_LENGTH],
            token_hash=_hash(plaintext),
            created_by=created_by,
        )
        record(
            agency=agency,
            actor=actor_for_user(created_by) if created_by else Actor.system(),
            action="api.token.created",
            subject=token,
            now=now,
        )
    return token, plaintext


def api_token_revoke(
    *, agency: Agency, token_id: uuid.UUID, revoked_by: User | None, now: datetime
) -> ApiToken:
    """Revoke one of the agency's tokens, at once. Revoking a revoked token changes nothing.

    Raises NotFound when the agency has no such token.
    """
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(agency=agency, pk=token_id).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = now
            token.save(update_fields=["revoked_at", "updated_at"])
            record(
                agency=agency,
                actor=actor_for_user(revoked_by) if revoked_by else Actor.system(),
                action="api.token.revoked",
                subject=token,
                now=now,
            )
    return token


def api_token_authenticate(*, token: str, now: datetime) -> ApiToken:
    """The active token matching `token`, with its agency loaded.

    Raises NotAuthenticated for an unknown token and TokenRevoked for a revoked one.
    """
    token = token.strip()
    if not token:
        raise NotAuthenticated()
    found = ApiToken.objects.select_related("agency").filter(token_hash=_hash(token)).first()
    if found is None:
        raise NotAuthenticated()
    if found.revoked_at is not None:
        raise TokenRevoked()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        with transaction.atomic():
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def api_actor(token: ApiToken) -> Actor:
    """The audit actor for requests made with `token`."""
    return Actor(type=ActorType.API, id=token.id)
