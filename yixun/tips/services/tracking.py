"""What the person who sent a tip may know of it. The tracking page, a member following their own
tip, `GET /api/v1/tips/track/{code}` and Open311's requests all show this and nothing more, so
that they cannot drift apart: the status and outcome, the moderators' questions and the public
answer. Never internal notes, never who handled it, never that other people reported the same."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yixun.accounts import throttle
from yixun.tips.models import CODE_LENGTH, PUBLIC_KINDS, MessageKind, Tip, TipMessage, TipStatus
from yixun.tips.services.errors import TipRefused, TooMany

# Codes that open nothing, per address and hour, before look-ups from there wait. A reporter
# mistyping a few times is far below it; someone trying codes in bulk is stopped long before
# 100 bits of code could be guessed.
MISSES_PER_HOUR = 10
HOUR = dt.timedelta(hours=1)


def tip_for_code(code: str) -> Tip | None:
    """The tip a tracking code opens, typed in either case; a code that does not exist and one
    that is malformed answer the same."""
    code = code.strip().upper()
    if len(code) != CODE_LENGTH or not code.isalnum():
        return None
    return (
        Tip.objects.select_related("merged_into")
        .prefetch_related("messages")
        .filter(code=code)
        .first()
    )


def look_up(code: str, *, address: str) -> Tip:
    """The tip a code typed by someone opens, for the tracking page and its look-up box: codes
    that open nothing are counted per address, and past a few an address waits (TooMany) before
    trying again, even with a good code. An unknown code raises TipRefused."""
    if throttle.retry_after("tip.track_miss", address, limit=MISSES_PER_HOUR, window=HOUR):
        raise TooMany(
            _("Too many codes from here did not match a tip. Try again in an hour."),
            code="too_many",
        )
    tip = tip_for_code(code)
    if tip is None:
        throttle.note("tip.track_miss", address)
        raise TipRefused(
            _(
                "No tip has this code. A code has 20 letters and digits, as shown when the tip "
                "was sent: check it and try again."
            ),
            code="unknown_code",
        )
    return tip


@dataclass(frozen=True)
class ReporterView:
    tip: Tip
    status: TipStatus
    status_label: str
    messages: list[TipMessage]
    public_answer: str
    outcome: str
    outcome_label: str
    can_answer: bool
    is_closed: bool
    updated_at: dt.datetime


def reporter_view(tip: Tip) -> ReporterView:
    """A tip merged into another shows that tip's status and outcome, never that it exists; a
    tip in the spam folder shows as received, as a new one does (a spammer learns nothing)."""
    shown = tip.merged_into or tip
    status = TipStatus.NEW if shown.status == TipStatus.SPAM else TipStatus(shown.status)
    messages = [
        message
        for message in tip.messages.all()
        if message.kind in PUBLIC_KINDS  # read whole, then filtered: prefetching keeps working
    ]
    asked = any(message.kind == MessageKind.QUESTION for message in messages)
    changes = (
        shown.acknowledged_at,
        shown.forwarded_at,
        shown.accepted_at,
        shown.outcome_at,
        shown.closed_at,
    )
    return ReporterView(
        tip=tip,
        status=status,
        status_label=_("Received") if status == TipStatus.NEW else str(status.label),
        messages=messages,
        public_answer=shown.public_answer,
        outcome=shown.outcome,
        outcome_label=shown.get_outcome_display() if shown.outcome else "",
        can_answer=asked and tip.takes_answers,
        is_closed=shown.closed_at is not None,
        updated_at=max([tip.created_at, *(moment for moment in changes if moment)]),
    )
