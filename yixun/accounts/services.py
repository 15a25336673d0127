"""Every write to accounts, roles and tokens. Each audits; messages go out through the worker.

Signing in is in signin.py, one-time codes in codes.py.
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from yixun.accounts import throttle
from yixun.accounts.models import AccessToken, RoleGrant, User, digest
from yixun.accounts.roles import Role
from yixun.accounts.tasks import deliver_message
from yixun.audit import services as audit
from yixun.lib import phone as phones
from yixun.lib.errors import Conflict, DomainError
from yixun.lib.http import client_address
from yixun.lib.links import absolute


class AccountError(DomainError):
    pass


class AccountConflict(AccountError, Conflict):
    pass


def send_message(*, phone: str, subject: str, body: str) -> None:
    """Queue a message to a mobile number. Compose it in the recipient's language
    (translation.override(user.language)).

    With the database task backend the queued row joins the caller's
    transaction: the message goes out only if the change that caused it commits.
    """
    deliver_message.enqueue(to=phone, subject=subject, body=body)


def set_password_link(user: User) -> str:
    """An absolute link with which a person chooses a password (a new member, a reset)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute(path)


def create_user(
    *,
    phone: str,
    name: str,
    password: str | None,
    actor: Any,
    roles: Iterable[str] = (),
    language: str | None = None,
) -> User:
    number = phones.normalize_mobile(phone)
    with transaction.atomic():
        if User.objects.filter(phone=number).exists():
            raise AccountConflict(
                _("An account with this mobile number already exists."), code="phone_taken"
            )
        user = User(phone=number, name=name, language=language or settings.LANGUAGE_CODE)
        user.set_password(password)
        user.save()
        granted = sorted(set(roles))
        RoleGrant.objects.bulk_create(
            RoleGrant(
                user=user, role=role, granted_by=actor if getattr(actor, "pk", None) else None
            )
            for role in granted
        )
        audit.record(
            actor=actor, action="accounts.user.created", target=user, data={"roles": granted}
        )
    return user


def grant_role(*, user: User, role: str, actor: Any) -> RoleGrant:
    if role not in Role.values:
        raise AccountError(_("There is no such role."), code="unknown_role")
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(
            user=user, role=role, defaults={"granted_by": actor}
        )
        if created:
            audit.record(
                actor=actor, action="accounts.user.role_granted", target=user, data={"role": role}
            )
    user.__dict__.pop("roles", None)
    return grant


def revoke_role(*, user: User, role: str, actor: Any) -> None:
    with transaction.atomic():
        # Lock the officers' grants so two officers cannot revoke each other at once.
        officers = list(
            RoleGrant.objects.select_for_update()
            .filter(role=Role.OFFICER)
            .values_list("user_id", flat=True)
        )
        if role == Role.OFFICER and officers == [user.pk]:
            raise AccountError(
                _(
                    "The association must keep at least one officer. "
                    "Grant the role to someone else first."
                ),
                code="last_officer",
            )
        deleted, _rows = RoleGrant.objects.filter(user=user, role=role).delete()
        if deleted:
            audit.record(
                actor=actor, action="accounts.user.role_revoked", target=user, data={"role": role}
            )
    user.__dict__.pop("roles", None)


def change_password(*, user: User, new_password: str, actor: Any, reset: bool = False) -> User:
    """Set a new password (already validated), audit it, and tell the owner it changed."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # Guesses at the old password say nothing about the new one: open password sign-in
        # for this number again, wherever the guesses came from.
        throttle.clear("login.number", user.phone)
        action = "accounts.user.password_reset" if reset else "accounts.user.password_changed"
        audit.record(actor=actor, action=action, target=user)
        with translation.override(user.language):
            send_message(
                phone=user.phone,
                subject=_("Your Yixun password was changed"),
                body=_(
                    "The password of your Yixun account was just changed. If you did not do this, "
                    "reset it at once and tell an officer of the association."
                ),
            )
    return user


RESET_LIMIT_PER_NUMBER = 3
RESET_LIMIT_PER_ADDRESS = 10
RESET_WINDOW = dt.timedelta(hours=1)


def request_password_reset(*, request: HttpRequest, phone: str, link_for: Any) -> None:
    """Send a reset link if the number belongs to an active account; say nothing either way.

    `link_for(user)` builds the absolute link. Requests are throttled per number
    and per address whether or not the number is registered, so the throttle
    does not reveal who is.
    """
    number = phones.normalize_mobile(phone)
    address = client_address(request)
    # Counted first and judged after, as codes are, so a burst cannot slip past the count; and
    # within the daily ceiling of texts to one number that codes count against too.
    try:
        throttle.admit(
            [
                throttle.Window("reset.address", address, RESET_LIMIT_PER_ADDRESS, RESET_WINDOW),
                throttle.Window("reset.number", number, RESET_LIMIT_PER_NUMBER, RESET_WINDOW),
                throttle.Window(
                    "code.number", number, settings.YIXUN_CODES_PER_NUMBER, dt.timedelta(days=1)
                ),
            ]
        )
    except throttle.Throttled as refusal:
        raise AccountError(
            _("Too many reset requests. Try again in %(wait)s.")
            % {"wait": throttle.wait_text(refusal.wait)},
            code="throttled",
        ) from None
    with transaction.atomic():
        user = User.objects.filter(phone=number, is_active=True).first()
        if user is None:
            return
        audit.record(actor=None, action="accounts.user.password_reset_requested", target=user)
        with translation.override(user.language):
            send_message(
                phone=user.phone,
                subject=_("Reset your Yixun password"),
                body=_("Open this link within an hour to choose a new password: %(link)s")
                % {"link": link_for(user)},
            )


def set_language(*, user: User, language: str) -> User:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def issue_token(*, user: User, name: str, actor: Any) -> tuple[AccessToken, str]:
    """Create an API token. The plain token is returned once and never stored."""
    plain = AccessToken.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=user,
            name=name.strip()[:80] or _("API token"),
            token_digest=digest(plain),
            hint=plain[:10],
        )
        audit.record(
            actor=actor,
            action="accounts.access_token.issued",
            target=token,
            data={"user": user.pk, "name": token.name},
        )
    return token, plain


def revoke_token(*, token: AccessToken, actor: Any) -> AccessToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor=actor,
                action="accounts.access_token.revoked",
                target=token,
                data={"user": token.user_id},
            )
    return token


TOKEN_TOUCH_EVERY = dt.timedelta(minutes=5)


def user_for_token(plain: str) -> User | None:
    """The active user behind a bearer token, or None. Notes when the token was last used."""
    if not plain.startswith(AccessToken.PREFIX):
        return None
    token = (
        AccessToken.objects.active()
        .select_related("user")
        .filter(token_digest=digest(plain), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write at most every few minutes: a busy client should not cost a write per request.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
