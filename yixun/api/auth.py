"""Who is calling, and whether their roles let them call this operation at all.

Ninja runs an operation's auth before it reads the parameters and the body, so a caller whose
roles can never call the operation is answered 403 at once, before their body is validated
(and without learning what it would have to look like). No credentials at all is still 401.
Finer rights (a leader's own squad, a station's own tips) stay with each service and
`visible_to`; the roles here are only the widest set that could ever be allowed.
"""

from collections.abc import Iterable
from typing import Any, cast

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yixun.accounts.models import User
from yixun.accounts.roles import Role, has_role, roles_of
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
OFFICERS = signed_in(Role.OFFICER)
# Whoever may hold a place in the association: every role but a police liaison who is nothing
# else. Leaders' rights go with leading a squad (deputies are volunteers), so they are here too.
MEMBERS = signed_in(Role.VOLUNTEER, Role.SQUAD_LEADER, Role.MODERATOR, Role.OFFICER)
# Who watches the work done: officers, police liaisons and squad leaders (and their deputies).
WATCHERS = signed_in(Role.OFFICER, Role.POLICE, Role.SQUAD_LEADER, Role.VOLUNTEER)


def require_role(request: HttpRequest, *roles: str) -> None:
    """Refuse (403) a caller who holds none of these roles. Prefer `signed_in(*roles)` as the
    operation's auth, which refuses before the body is read."""
    if not any(has_role(request.user, role) for role in roles):
        raise AuthorizationError


def caller(request: HttpRequest) -> User:
    """The signed-in user of an endpoint that requires authentication."""
    return cast(User, request.user)
