"""Who is calling, and whether their roles let them call this operation at all.

Ninja runs an operation's auth before it reads the parameters and the body, so a caller whose
roles can never call the operation is answered 403 at once, before their body is validated
(and without learning what it would have to look like). No credentials at all is still 401.
Finer rights (a leader's own squad, a station's own tips) stay with each service and
`visible_to`; the roles here are only the widest set that could ever be allowed.

A read has no body to protect. Where the page decides who may read by something a role does
not say (leading or deputising for a squad, a permission a superuser holds without any role),
the operation takes no roles here and lets that same rule decide, so that the two never differ.
"""

from collections.abc import Iterable
from typing import Any, cast

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yixun import navigation
from yixun.accounts.models import User
from yixun.accounts.roles import roles_of
from yixun.accounts.services import user_for_token


def _allowed(user: Any, roles: frozenset[str]) -> Any:
    """The user, if their roles may call the operation; 403 if they can never."""
    if roles and not roles & roles_of(user):
        raise AuthorizationError
    return user


class BearerToken(HttpBearer):
    """A personal access token: `Authorization: Bearer yx_…`."""

    def __init__(self, roles: Iterable[str] = ()) -> None:
        super().__init__()
        self.roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return _allowed(user, self.roles)


class SessionAuth(NinjaSessionAuth):
    """The session of a signed-in browser (Yixun's own pages), whose writes need the CSRF token.
    Named as Ninja's, so that the document has one session scheme whatever the roles."""

    def __init__(self, roles: Iterable[str] = (), csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return None if user is None else _allowed(user, self.roles)


def signed_in(*roles: str) -> list[Any]:
    """The auth of an operation: any signed-in caller, or only one holding one of `roles`."""
    return [BearerToken(roles), SessionAuth(roles)]


# Pages' own scripts call the API with the session cookie, and then need the CSRF token.
api_auth = signed_in()
# The same sets of roles as the navigation's: the officers of the association, and whoever may
# hold a place in it (every role but a police liaison who is nothing else).
OFFICERS = signed_in(*navigation.OFFICERS)
MEMBERS = signed_in(*navigation.MEMBERS)


def caller(request: HttpRequest) -> User:
    """The signed-in user of an endpoint that requires authentication."""
    return cast(User, request.user)
