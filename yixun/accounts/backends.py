from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from yixun.accounts.models import User
from yixun.accounts.roles import permissions_for, roles_of
from yixun.lib import phone as phones


class PhoneRoleBackend(ModelBackend):
    """Sign in with a mobile number typed any usual way; rights come from roles, not groups."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        raw = kwargs.get("phone", username)
        if raw is None or password is None:
            return None
        try:
            number = phones.normalize_mobile(raw)
        except phones.InvalidPhone:
            return None
        try:
            user = User.objects.get(phone=number)
        except User.DoesNotExist:
            # Hash anyway, so that timing does not tell which numbers are registered.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None:
            return set()
        return permissions_for(roles_of(user_obj))
