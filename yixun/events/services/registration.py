"""Taking a place at an event, joining its waiting list, cancelling, and promotion in turn.

A place is taken by a compare-and-set `UPDATE … SET taken = taken + 1 WHERE taken < capacity`:
of two people after the last place, the database lets one through and the other joins the
waiting list, however many web processes there are. A cancelled place goes at once to the first
person waiting, in the same transaction."""

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts import services as accounts
from yixun.audit import services as audit
from yixun.events.models import Audience, Event, Registration, new_ticket_code
from yixun.events.services.errors import EventRefused, NotAllowed
from yixun.lib import phone as phones
from yixun.members.models import Member, member_of

REMIND_EVENING_AT = dt.time(20, 0)  # the day before, when people plan tomorrow
REMIND_BEFORE = dt.timedelta(hours=1)
CODE_TRIES = 10
NAME_LENGTH = 50  # Registration.name


def _take_place(event_id: int) -> bool:
    return (
        Event.objects.filter(pk=event_id, taken__lt=F("capacity")).update(taken=F("taken") + 1) == 1
    )


def _give_back_place(event_id: int) -> None:
    Event.objects.filter(pk=event_id, taken__gt=0).update(taken=F("taken") - 1)


def free_code() -> str:
    for _attempt in range(CODE_TRIES):
        code = new_ticket_code()
        if not Registration.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free ticket code after ten tries")  # 31⁶ codes: never in practice


def mobile(raw: str) -> str:
    """A mobile number in E.164, or "" for none; a malformed one is refused, translated."""
    if not raw.strip():
        return ""
    try:
        return phones.normalize_mobile(raw)
    except phones.InvalidPhone:
        raise EventRefused(phones.INVALID_MESSAGE, code="phone_invalid") from None


def may_register(event: Event, member: Member | None) -> bool:
    """Whether this person (a member, or the public when None) may register for the event."""
    if event.audience == Audience.PUBLIC:
        return True
    if member is None or member.status != Member.Status.ACTIVE:
        return False
    if event.audience == Audience.MEMBERS:
        return True
    return member.squad_id is not None and event.squads.filter(pk=member.squad_id).exists()


def existing_registration(
    event: Event, *, phone: str, member: Member | None
) -> Registration | None:
    same = Q(phone=phone) if phone else Q(pk__in=[])
    if member is not None:
        same |= Q(member=member)
    return Registration.objects.live().filter(event=event).filter(same).first()


def register(
    *,
    event: Event,
    name: str,
    phone: str,
    member: Member | None = None,
    key: uuid.UUID | None = None,
    actor: Any = None,
) -> Registration:
    """Register a person for the event: a place if one is left, else the waiting list.

    `phone` must already be confirmed (a member's own number, or one confirmed by a code). The
    same number or member registering again gets the same registration back, and so does the
    same idempotency `key`."""
    if key is not None:
        sent = Registration.objects.filter(key=key).first()
        if sent is not None:
            if sent.event_id != event.pk:
                raise EventRefused(
                    _("This idempotency key was used for another event."), code="key_reused"
                )
            return sent
    phone = mobile(phone)
    name = " ".join(name.split())
    if not name:
        raise EventRefused(_("Give your name."), code="name_missing")
    if len(name) > NAME_LENGTH:
        raise EventRefused(
            _("A name has at most %(n)d characters.") % {"n": NAME_LENGTH}, code="name_too_long"
        )
    if not phone and member is None:
        raise EventRefused(_("Give your mobile number."), code="phone_missing")
    found = existing_registration(event, phone=phone, member=member)
    if found is not None:
        return found
    if not event.is_open:
        raise EventRefused(_("Registration for this event has closed."), code="closed")
    if not may_register(event, member):
        raise NotAllowed(_("This event is not open to you."))
    with transaction.atomic():
        took = _take_place(event.pk)
        registration = Registration(
            event=event,
            member=member,
            name=name,
            phone=phone,
            status=Registration.Status.CONFIRMED if took else Registration.Status.WAITING,
            code=free_code(),
            key=key,
            language=translation.get_language() or "zh-hans",
        )
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # The same person, a moment earlier in another request: theirs stands.
            if took:
                _give_back_place(event.pk)
            found = existing_registration(event, phone=phone, member=member)
            if found is None:
                raise
            return found
        audit.record(
            actor=actor,
            action="events.registration.created",
            target=registration,
            data={"event": event.pk, "status": registration.status},
        )
        if took:
            transaction.on_commit(lambda: schedule_reminders(registration))
    return registration


def register_member(*, event: Event, user: Any, key: uuid.UUID | None = None) -> Registration:
    """A member's one tap: their own name and number."""
    member = member_of(user)
    if member is None or member.status != Member.Status.ACTIVE:
        raise NotAllowed(_("Only active members register in one tap."))
    return register(
        event=event, name=user.name, phone=user.phone, member=member, key=key, actor=user
    )


def cancel(*, registration: Registration, actor: Any, by_staff: bool = False) -> Registration:
    """Give up a place (or a place in the queue); the first person waiting gets it."""
    with transaction.atomic():
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == Registration.Status.CANCELLED:
            return current
        if current.checked_in_at is not None:
            raise EventRefused(
                _("This ticket was used at the door; it can no longer be cancelled."),
                code="attended",
            )
        was_confirmed = current.status == Registration.Status.CONFIRMED
        current.status = Registration.Status.CANCELLED
        current.cancelled_at = timezone.now()
        current.save(update_fields=["status", "cancelled_at"])
        audit.record(
            actor=actor,
            action="events.registration.cancelled",
            target=current,
            data={"event": current.event_id, "by_staff": by_staff},
        )
        if was_confirmed and not current.is_walk_in:
            _give_back_place(current.event_id)
            promote(event=current.event)
    return current


def promote(*, event: Event) -> list[Registration]:
    """Give free places to the people waiting, first come first served, and tell them."""
    promoted: list[Registration] = []
    # Once it is over, a place freed (staff tidying up no-shows) is no place to give.
    if not Event.objects.filter(
        pk=event.pk, status=Event.Status.PUBLISHED, ends_at__gt=timezone.now()
    ).exists():
        return promoted
    with transaction.atomic():
        while True:
            waiting = Registration.objects.waiting_in_turn().filter(event=event).first()
            if waiting is None or not _take_place(event.pk):
                break
            now = timezone.now()
            moved = Registration.objects.filter(
                pk=waiting.pk, status=Registration.Status.WAITING
            ).update(status=Registration.Status.CONFIRMED, promoted_at=now)
            if moved != 1:  # cancelled a moment ago
                _give_back_place(event.pk)
                continue
            waiting.status, waiting.promoted_at = Registration.Status.CONFIRMED, now
            audit.record(
                actor=None,
                action="events.registration.promoted",
                target=waiting,
                data={"event": event.pk},
            )
            promoted.append(waiting)
        for registration in promoted:
            transaction.on_commit(lambda r=registration: _tell_promoted(r))  # type: ignore[misc]
    return promoted


def tell(registration: Registration, subject: str, body: str) -> None:
    if registration.phone:
        accounts.send_message(phone=registration.phone, subject=subject, body=body)


def language_of(registration: Registration) -> str:
    if registration.member_id and registration.member is not None:
        return str(registration.member.user.language)
    return registration.language


def _tell_promoted(registration: Registration) -> None:
    from yixun.lib import links

    event = registration.event
    with translation.override(language_of(registration)):
        tell(
            registration,
            _("You have a place: %(event)s") % {"event": event.title},
            _(
                "A place came free at %(event)s, %(when)s, and it is yours. Your ticket: %(link)s"
                " If you cannot come, cancel it there so the next person gets it."
            )
            % {
                "event": event.title,
                "when": when(event),
                "link": links.absolute(registration.get_absolute_url()),
            },
        )
    schedule_reminders(registration)


def when(event: Event) -> str:
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def schedule_reminders(registration: Registration) -> None:
    """Queue the reminders, the evening before and an hour before. Each names the event's
    version; one for a registration cancelled, or an event moved since, does nothing."""
    from yixun.events.tasks import remind

    event = registration.event
    start = timezone.localtime(event.starts_at)
    evening = timezone.make_aware(
        dt.datetime.combine(start.date() - dt.timedelta(days=1), REMIND_EVENING_AT)
    )
    shortly = event.starts_at - REMIND_BEFORE
    now = timezone.now()
    for at, kind in ((evening, "day"), (shortly, "hour")):
        if at > now:
            remind.using(run_after=at).enqueue(registration.pk, event.sequence, kind)
