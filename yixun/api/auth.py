from typing import Any, cast

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from yixun.accounts.models import User
from yixun.accounts.roles import has_role
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


def require_role(request: HttpRequest, *roles: str) -> None:
    """Refuse (403) a caller who holds none of these roles."""
    if not any(has_role(request.user, role) for role in roles):
        raise AuthorizationError


def caller(request: HttpRequest) -> User:
    """The signed-in user of an endpoint that requires authentication."""
    return cast(User, request.user)
