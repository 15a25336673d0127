from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from yixun.accounts.models import RoleGrant, User
from yixun.accounts.roles import permissions_for, roles_of
from yixun.lib import generations
from yixun.lib import phone as phones

# How long a signed-in person's record and roles are kept in the cache between page loads.
# Every save of the person or of a role grant forgets them at once (`forget_user`); this only
# bounds how long a change made around the ORM (a raw UPDATE) could go unseen.
USER_CACHE_SECONDS = 60 * 60


def user_cache_key(user_id: Any) -> str:
    return f"accounts:user:{user_id}:{generations.current('people')}"


def forget_user(user_id: Any) -> None:
    """Make the next request read this person afresh: now, and again once the change commits
    (a request between the two could otherwise cache what the transaction is replacing)."""
    cache.delete(user_cache_key(user_id))
    transaction.on_commit(lambda: cache.delete(user_cache_key(user_id)))


def on_user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_user(instance.pk)


def on_role_changed(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    forget_user(instance.user_id)


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

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in person and their roles from the cache: every page load needs them, and
        two queries before any view runs are most of what a small page costs."""
        key = user_cache_key(user_id)
        user: User | None = cache.get(key)
        if user is None:
            try:
                user = User.objects.get(pk=user_id)
            except User.DoesNotExist:
                return None
            _ = user.roles  # read now, so that the cached copy carries them
            cache.set(key, user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None:
            return set()
        return permissions_for(roles_of(user_obj))
