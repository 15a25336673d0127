import datetime as dt
import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.lib import phone as phones
from yixun.lib.text import pinyin_key


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: Any) -> "UserQuerySet":
        """Officers see everyone's account; anyone else sees only their own."""
        if user.is_authenticated and user.has_perm("accounts.view_user"):
            return self.all()
        if user.is_authenticated:
            return self.filter(pk=user.pk)
        return self.none()

    def with_role(self, role: str) -> "UserQuerySet":
        return self.filter(role_grants__role=role)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: Any) -> UserQuerySet:
        return self.get_queryset().visible_to(user)

    def with_role(self, role: str) -> UserQuerySet:
        return self.get_queryset().with_role(role)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(phone=phones.normalize_mobile(username or ""))

    def create_user(self, phone: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(phone=phones.normalize_mobile(phone), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, with a mainland mobile number as the login."""

    phone = models.CharField(_("mobile number"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Many volunteers are retired: every page in larger type, on every device they sign in on.
    large_text = models.BooleanField(_("larger text"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("manage_roles", "Can grant and revoke roles")]

    def __str__(self) -> str:
        if self.is_erased:
            return str(_("Erased person"))
        return self.name or self.masked_phone

    @property
    def is_erased(self) -> bool:
        """Erased at their request: name gone, number replaced, no longer able to sign in."""
        return self.phone.startswith("erased:")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_pinyin = pinyin_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return phones.mask(self.phone)

    @property
    def display_phone(self) -> str:
        return phones.display(self.phone)

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles held, read once per request (prefetched lists fill the same cache)."""
        if "role_grants" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(grant.role for grant in self.role_grants.all())
        return frozenset(self.role_grants.values_list("role", flat=True))

    def role_labels(self) -> list[str]:
        return [str(label) for value, label in Role.choices if value in self.roles]

    def has_role(self, role: str) -> bool:
        return has_role(self, role)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Attempt(models.Model):
    """A counted event for rate limits and lockouts (a failed login, a reset request).

    The key is stored hashed: the table needs to count a phone number or an
    address, not to know it.
    """

    kind = models.CharField(max_length=40)
    key_digest = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "key_digest", "at"], name="attempt_lookup_idx"),
            models.Index(fields=["at"], name="attempt_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


CODE_TRIES = 5  # wrong guesses a code survives: a 5 in 1,000,000 chance for a guesser


class PhoneCodeQuerySet(models.QuerySet["PhoneCode"]):
    def live(self, now: dt.datetime) -> "PhoneCodeQuerySet":
        """Codes that can still be used: not used, not expired, tries left."""
        return self.filter(used_at__isnull=True, expires_at__gt=now, tries__lt=PhoneCode.TRIES)

    def held_by(self, *, purpose: str, phone: str, holder: str) -> "PhoneCodeQuerySet":
        return self.filter(
            purpose=purpose, phone_digest=digest(phone), holder_digest=digest(holder)
        )


class PhoneCode(models.Model):
    """A one-time code sent to a mobile number, for one purpose, in the session that asked for it.

    Neither the code nor the number is stored: the code as a keyed hash (a six-digit code is
    found from a plain hash in a moment), the number and the asking session (`holder`) as
    digests, enough to find the code again. Only the session that asked can use it, so a
    stranger who asks for codes to someone else's number can neither use them nor spend their
    tries.
    """

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("signing in")
        EVENT = "event", _("registering for an event")

    LIFETIME = dt.timedelta(minutes=10)
    TRIES = CODE_TRIES

    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    phone_digest = models.CharField(max_length=64)
    holder_digest = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    code_digest = models.CharField(max_length=64)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)

    objects = PhoneCodeQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["purpose", "phone_digest", "holder_digest"], name="phonecode_lookup_idx"
            ),
            models.Index(fields=["expires_at"], name="phonecode_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tries__lte=CODE_TRIES), name="phonecode_tries_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.created_at:%Y-%m-%d %H:%M}"

    def _keyed(self, code: str) -> str:
        return salted_hmac("yixun.accounts.PhoneCode", f"{self.salt}:{code}").hexdigest()

    def set_code(self, code: str) -> None:
        self.code_digest = self._keyed(code)

    def matches(self, code: str) -> bool:
        return constant_time_compare(self.code_digest, self._keyed(code))


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def active(self) -> "AccessTokenQuerySet":
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: Any) -> "AccessTokenQuerySet":
        """A token is seen only by its owner; nobody else, officers included."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class AccessToken(models.Model):
    """A personal access token for the API. Only a digest is stored; the token is shown once."""

    PREFIX = "yx_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=80)
    token_digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("starts with"), max_length=12)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
