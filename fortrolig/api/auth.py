"""Bearer authentication: a token resolves to its agency, and to nothing else."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from fortrolig.core import clock

from .models import ApiToken
from .services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        """Resolve the token and scope the request to its agency.

        Raises NotAuthenticated or TokenRevoked, which the API answers with a 401.
        """
        api_token = api_token_authenticate(token=token, now=clock.now())
        request.agency = api_token.agency  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token
