from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from yixun.accounts.roles import has_role

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Sign in first; then hold one of these roles, or see the "not allowed" page."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate
