"""One-time codes sent by SMS: the one service for them, whatever they are for.

A code is six digits, good for ten minutes, once, with five tries, and only in
the browser session that asked for it (`holder`, a random value kept in that
session). So a stranger who asks for codes to someone's number can neither use
them nor spend their tries: the owner's own code keeps working.

Sending is limited for each number and address together (once a minute, five an
hour, ten a day), for each address across numbers (YIXUN_CODES_PER_ADDRESS an
hour: a sprayer) and for each number across addresses (YIXUN_CODES_PER_NUMBER a
day, so that nobody can flood a phone). Requests to a number that gets no code
(no account) are counted just the same, so the limits tell nothing about who
has an account. The code itself is never stored, audited or logged; only the
message sender sees it.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yixun.accounts import throttle
from yixun.accounts.models import PhoneCode, User, digest
from yixun.accounts.services import send_message
from yixun.audit import services as audit
from yixun.lib.errors import DomainError

Purpose = PhoneCode.Purpose

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
RESEND_AFTER = dt.timedelta(minutes=1)
PER_PAIR_HOURLY = 5
PER_PAIR_DAILY = 10
PER_ADDRESS_DAILY_FACTOR = 3  # a day's codes from one address: three hours' worth


class CodeRefused(DomainError):
    pass


def _sending_rules(number: str, address: str) -> list[throttle.Rule]:
    pair = f"{number}|{address}"
    return [
        throttle.Window("code.pair", pair, 1, RESEND_AFTER),
        throttle.Window("code.pair", pair, PER_PAIR_HOURLY, HOUR),
        throttle.Window("code.pair", pair, PER_PAIR_DAILY, DAY),
        throttle.Window("code.address", address, settings.YIXUN_CODES_PER_ADDRESS, HOUR),
        throttle.Window(
            "code.address",
            address,
            settings.YIXUN_CODES_PER_ADDRESS * PER_ADDRESS_DAILY_FACTOR,
            DAY,
        ),
        throttle.Window("code.number", number, settings.YIXUN_CODES_PER_NUMBER, DAY),
    ]


def _message(purpose: str, code: str) -> tuple[str, str]:
    minutes = int(PhoneCode.LIFETIME.total_seconds() // 60)
    if purpose == Purpose.SIGN_IN:
        return (
            _("Your Yixun sign-in code"),
            _(
                "%(code)s is your Yixun sign-in code. It works for %(minutes)d minutes. "
                "Never tell it to anyone: the association and the police will never ask for it."
            )
            % {"code": code, "minutes": minutes},
        )
    if purpose == Purpose.EVENT:
        return (
            _("Your Yixun registration code"),
            _(
                "%(code)s is your code to register for an event of the association. It works "
                "for %(minutes)d minutes. Never tell it to anyone."
            )
            % {"code": code, "minutes": minutes},
        )
    raise ValueError(f"no message for codes of purpose {purpose!r}")


def send_code(
    *,
    purpose: str,
    phone: str,
    holder: str,
    address: str,
    user: User | None = None,
    deliver: bool = True,
) -> PhoneCode | None:
    """Send a new code to a mobile number (E.164) for `purpose`, usable only by `holder`.

    Raises CodeRefused while a sending limit holds. With `deliver=False` the request
    is counted like any other and nothing is sent: a caller answers a number without
    an account exactly as one with. A new code replaces the holder's earlier ones.
    """
    try:
        throttle.admit(_sending_rules(phone, address))
    except throttle.Throttled as refusal:
        raise CodeRefused(
            _("Too many codes asked for. You can ask for another in %(wait)s.")
            % {"wait": throttle.wait_text(refusal.wait)},
            code="throttled",
        ) from None
    if not deliver:
        return None
    now = timezone.now()
    plain = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        PhoneCode.objects.held_by(purpose=purpose, phone=phone, holder=holder).live(now).update(
            expires_at=now
        )
        code = PhoneCode(
            purpose=purpose,
            phone_digest=digest(phone),
            holder_digest=digest(holder),
            salt=secrets.token_hex(16),
            user=user,
            created_at=now,
            expires_at=now + PhoneCode.LIFETIME,
        )
        code.set_code(plain)
        code.save()
        audit.record(
            actor=None,
            action="accounts.phone_code.sent",
            target=code,
            data={"purpose": purpose, "user": user.pk if user else None},
        )
        language = user.language if user is not None else translation.get_language()
        with translation.override(language):
            subject, body = _message(purpose, plain)
            send_message(phone=phone, subject=subject, body=body)
        PhoneCode.objects.filter(expires_at__lt=now - DAY).delete()
    return code


def check_code(*, purpose: str, phone: str, holder: str, code: str) -> PhoneCode:
    """Use the holder's live code for `purpose` sent to `phone`, or raise CodeRefused.

    Each check spends one of the code's tries before comparing, by a compare-and-set,
    so parallel guesses cannot get more than the five tries between them.
    """
    now = timezone.now()
    wrong = CodeRefused(
        _("That code is not right, or it has expired. Check the message, or ask for a new code."),
        code="code_wrong",
    )
    live = (
        PhoneCode.objects.held_by(purpose=purpose, phone=phone, holder=holder)
        .live(now)
        .order_by("-created_at")
        .first()
    )
    if live is None:
        raise wrong
    spent = PhoneCode.objects.filter(pk=live.pk, tries__lt=PhoneCode.TRIES).update(
        tries=F("tries") + 1
    )
    if spent != 1:
        raise wrong
    if not live.matches(code):
        left = PhoneCode.TRIES - (live.tries + 1)
        audit.record(
            actor=None,
            action="accounts.phone_code.failed",
            target=live,
            data={"purpose": purpose, "tries_left": max(left, 0)},
        )
        if left <= 0:
            raise CodeRefused(
                _("That code is not right, and it has had too many tries. Ask for a new code."),
                code="code_spent",
            )
        raise CodeRefused(
            ngettext(
                "That code is not right. You have %(n)d more try.",
                "That code is not right. You have %(n)d more tries.",
                left,
            )
            % {"n": left},
            code="code_wrong",
        )
    with transaction.atomic():
        # Compare-and-set: of two requests with the right code at once, one signs in.
        used = PhoneCode.objects.filter(
            pk=live.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if used != 1:
            raise wrong
        audit.record(
            actor=live.user,
            action="accounts.phone_code.used",
            target=live,
            data={"purpose": purpose},
        )
    live.used_at = now
    return live
