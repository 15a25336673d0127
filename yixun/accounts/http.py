from django.http import HttpRequest

from yixun.accounts.models import User


class SignedInRequest(HttpRequest):
    """The request of a view behind login_required: its user is a real User (for mypy)."""

    user: User
