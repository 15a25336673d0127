from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from yixun.accounts.services import user_for_token


class BearerToken(HttpBearer):
    """A personal access token: `Authorization: Bearer yx_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


# Pages' own scripts call the API with the session cookie, and then need the CSRF token.
api_auth = [BearerToken(), SessionAuth()]
