"""Signing in: with a password, with a code sent to the phone, and staff's second step.

Failed passwords are counted three ways, so that a stranger cannot lock a
member out and a botnet cannot guess without end:
- one number from one address: YIXUN_LOCKOUT_FREE_TRIES free, then each try
  waits twice as long as the one before, from YIXUN_LOCKOUT_FIRST_WAIT_SECONDS
  up to YIXUN_LOCKOUT_MINUTES, remembered for a day. A stranger guessing one
  member's password meets this; the member, from any other address, does not.
- one address across all numbers: YIXUN_LOCKOUT_PER_ADDRESS an hour (a sprayer).
- one number across all addresses: YIXUN_LOCKOUT_PER_NUMBER an hour, a ceiling
  far above the ten or so an hour one address can reach under the growing waits.
  It bounds what many addresses together can guess; at it, the password is not
  checked at all until the owner has shown they hold the phone.
A delayed or refused try is not checked, so nothing is guessed behind a wait.

The owner can always sign in with a code sent to their phone (codes.py).
Volunteers and squad leaders are then signed in. Staff (roles.needs_second_factor)
never sign in with one factor: after the password they are asked for a code, and
after a code for their password, in which order the password is checked even at
the number's ceiling. Until both are given, the session holds only that pending
step, server side; nobody is signed in, so no page and no API call sees them.
"""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts import codes, throttle
from yixun.accounts.models import PhoneCode, User
from yixun.accounts.roles import needs_second_factor
from yixun.audit import services as audit
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address

PAIR = "login.pair"
ADDRESS = "login.address"
NUMBER = "login.number"
HOUR = dt.timedelta(hours=1)

# Session keys. The session lives on the server (database or cache); the browser holds
# only its random key, so none of this can be forged.
HOLDER = "accounts.code_holder"  # who may use the codes this browser asked for
CODE_SIGN_IN = "accounts.code_sign_in"  # the number a sign-in code was asked for
SECOND_STEP = "accounts.second_step"  # staff: one factor given, the other awaited
SECOND_STEP_FOR = dt.timedelta(minutes=15)


class LoginRefused(DomainError):
    status = 401


class StepExpired(DomainError):
    """The pending step is gone (never started, timed out, or the account changed)."""

    status = 401


def _pair(number: str, address: str) -> str:
    return f"{number}|{address}"


def _password_rules(number: str, address: str, *, ceiling: bool) -> list[throttle.Rule]:
    rules: list[throttle.Rule] = [
        throttle.Backoff(
            PAIR,
            _pair(number, address),
            free=settings.YIXUN_LOCKOUT_FREE_TRIES,
            first=dt.timedelta(seconds=settings.YIXUN_LOCKOUT_FIRST_WAIT_SECONDS),
            longest=dt.timedelta(minutes=settings.YIXUN_LOCKOUT_MINUTES),
        ),
        throttle.Window(ADDRESS, address, settings.YIXUN_LOCKOUT_PER_ADDRESS, HOUR),
    ]
    if ceiling:
        rules.append(throttle.Window(NUMBER, number, settings.YIXUN_LOCKOUT_PER_NUMBER, HOUR))
    return rules


def _refusal(refused: throttle.Throttled) -> LoginRefused:
    wait = throttle.wait_text(refused.wait)
    if refused.rule.kind == NUMBER:
        return LoginRefused(
            _(
                "Signing in to this number with a password is paused for %(wait)s after many "
                "failed tries. Sign in with a code sent to your phone instead."
            )
            % {"wait": wait},
            code="number_paused",
        )
    if refused.rule.kind == ADDRESS:
        return LoginRefused(
            _(
                "Too many failed sign-ins from your network. Try again in %(wait)s, "
                "or sign in with a code sent to your phone."
            )
            % {"wait": wait},
            code="address_paused",
        )
    return LoginRefused(
        _(
            "Too many wrong passwords. Wait %(wait)s before trying again, "
            "or sign in with a code sent to your phone."
        )
        % {"wait": wait},
        code="wait",
    )


def _check_password(request: HttpRequest, *, number: str, password: str, ceiling: bool) -> User:
    address = client_address(request)
    try:
        tickets = throttle.admit(_password_rules(number, address, ceiling=ceiling))
    except throttle.Throttled as refused:
        raise _refusal(refused) from None
    user = authenticate(request, phone=number, password=password)
    if not isinstance(user, User):
        audit.record(
            actor=None,
            action="accounts.user.login_failed",
            target=User.objects.filter(phone=number).first(),
            data={"factor": "password"},
        )
        raise LoginRefused(
            _("That mobile number and password do not match. Check both and try again."),
            code="invalid_credentials",
        )
    # Not a failure after all; and the owner's own earlier typos from here are forgiven.
    throttle.forget(tickets)
    throttle.clear(PAIR, _pair(number, address))
    return user


def _signed_in(request: HttpRequest, user: User, *, method: str) -> None:
    for key in (SECOND_STEP, CODE_SIGN_IN):
        request.session.pop(key, None)
    audit.record(actor=user, action="accounts.user.logged_in", target=user, data={"method": method})


def code_holder(request: HttpRequest) -> str:
    """Who may use the codes this browser asks for (any purpose): a random value in its session."""
    return _holder(request)


def _holder(request: HttpRequest) -> str:
    holder = request.session.get(HOLDER)
    if not holder:
        holder = secrets.token_urlsafe(24)
        request.session[HOLDER] = holder
    return str(holder)


def sign_in(*, request: HttpRequest, phone: str, password: str, next_url: str) -> User | None:
    """Check a mobile number and password.

    Returns the user, whom the caller signs in; or None for staff, whose second step
    (a code) now waits in the session: the caller sends the code (send_second_step_code)
    and shows the step.
    """
    number = phones.normalize_mobile(phone)  # the form has validated it already
    user = _check_password(request, number=number, password=password, ceiling=True)
    if needs_second_factor(user):
        _start_second_step(request, user=user, awaits="code", next_url=next_url)
        return None
    _signed_in(request, user, method="password")
    return user


def _start_second_step(request: HttpRequest, *, user: User, awaits: str, next_url: str) -> None:
    # A new session key: whoever knew the old one (fixation) gets nothing from this one.
    request.session.cycle_key()
    request.session[SECOND_STEP] = {
        "user": user.pk,
        "awaits": awaits,
        "until": (timezone.now() + SECOND_STEP_FOR).isoformat(),
        "next": next_url,
    }


def second_step(request: HttpRequest) -> tuple[User, str] | None:
    """The staff member halfway through signing in, and what they still owe ("code" or
    "password"); None when no step waits (or it timed out, which forgets it)."""
    state: Any = request.session.get(SECOND_STEP)
    if not isinstance(state, dict):
        return None
    until = dt.datetime.fromisoformat(state["until"])
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    if user is None or until <= timezone.now():
        request.session.pop(SECOND_STEP, None)
        return None
    return user, str(state["awaits"])


def _step_or_expired(request: HttpRequest) -> tuple[User, str]:
    step = second_step(request)
    if step is None:
        raise StepExpired(
            _("That sign-in took too long or was cancelled. Please start again."),
            code="step_expired",
        )
    return step


def send_second_step_code(*, request: HttpRequest) -> PhoneCode | None:
    """Send (or send again) the code that a staff member's second step asks for."""
    user, awaits = _step_or_expired(request)
    if awaits != "code":
        raise StepExpired(_("No code is needed for this step."), code="no_code_needed")
    return codes.send_code(
        purpose=PhoneCode.Purpose.SIGN_IN,
        phone=user.phone,
        holder=_holder(request),
        address=client_address(request),
        user=user,
    )


def finish_second_step(
    *, request: HttpRequest, code: str = "", password: str = ""
) -> tuple[User, str]:
    """Take the factor a staff member still owes; returns them (for the caller to sign in)
    and the page they were going to. Raises CodeRefused, LoginRefused or StepExpired."""
    user, awaits = _step_or_expired(request)
    if awaits == "code":
        codes.check_code(
            purpose=PhoneCode.Purpose.SIGN_IN,
            phone=user.phone,
            holder=_holder(request),
            code=code,
        )
    else:
        # They have shown they hold the phone: the number's ceiling, which is there to stop
        # guessing by many addresses, does not apply; this address's own limits still do.
        checked = _check_password(request, number=user.phone, password=password, ceiling=False)
        if checked.pk != user.pk:  # the number changed hands in between
            raise StepExpired(_("Please start again."), code="step_expired")
    next_url = str(request.session[SECOND_STEP]["next"])
    with transaction.atomic():
        _signed_in(request, user, method="password_and_code")
    return user, next_url


def cancel_second_step(*, request: HttpRequest) -> None:
    request.session.pop(SECOND_STEP, None)


def request_sign_in_code(*, request: HttpRequest, phone: str, next_url: str) -> None:
    """Send a sign-in code to the number if it belongs to an active account.

    The answer, and what is counted against the sending limits, is the same whether
    or not it does: nobody learns from this who has an account, and a number without
    one gets no message.
    """
    number = phones.normalize_mobile(phone)
    user = User.objects.filter(phone=number, is_active=True).first()
    codes.send_code(
        purpose=PhoneCode.Purpose.SIGN_IN,
        phone=number,
        holder=_holder(request),
        address=client_address(request),
        user=user,
        deliver=user is not None,
    )
    request.session[CODE_SIGN_IN] = {"phone": number, "next": next_url}


def code_sign_in_number(request: HttpRequest) -> str | None:
    """The number this browser asked a sign-in code for, if it did."""
    state: Any = request.session.get(CODE_SIGN_IN)
    return str(state["phone"]) if isinstance(state, dict) else None


def resend_sign_in_code(*, request: HttpRequest) -> None:
    state: Any = request.session.get(CODE_SIGN_IN)
    if not isinstance(state, dict):
        raise StepExpired(_("Ask for a code first."), code="no_code_asked")
    request_sign_in_code(request=request, phone=state["phone"], next_url=state["next"])


def sign_in_with_code(*, request: HttpRequest, code: str) -> tuple[User | None, str]:
    """Check the sign-in code sent to the number this browser gave.

    Returns the user to sign in and the page to go to. For staff the user is None: a
    code alone never signs them in, and their password is asked for next (the second
    step). This works while password sign-in for the number waits or is paused.
    """
    state: Any = request.session.get(CODE_SIGN_IN)
    if not isinstance(state, dict):
        raise StepExpired(_("Ask for a code first."), code="no_code_asked")
    number, next_url = str(state["phone"]), str(state["next"])
    codes.check_code(
        purpose=PhoneCode.Purpose.SIGN_IN, phone=number, holder=_holder(request), code=code
    )
    user = User.objects.filter(phone=number, is_active=True).first()
    if user is None:  # deactivated since the code was sent
        raise codes.CodeRefused(_("This account cannot sign in."), code="inactive")
    request.session.pop(CODE_SIGN_IN, None)
    # The owner, shown by their phone: their earlier typos from here are forgiven.
    throttle.clear(PAIR, _pair(number, client_address(request)))
    if needs_second_factor(user):
        _start_second_step(request, user=user, awaits="password", next_url=next_url)
        return None, next_url
    with transaction.atomic():
        _signed_in(request, user, method="code")
    return user, next_url
