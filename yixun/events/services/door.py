"""The door: checking tickets in (by their QR link or short code), and walk-ins.

A ticket is used once: the check-in is a compare-and-set on `checked_in_at IS NULL`, so two
staff scanning the same screen at once let it in once. Attending a training grants what it
teaches, the moment the member is let in."""

import uuid
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.audit import services as audit
from yixun.events.models import Event, EventKind, Registration
from yixun.events.services.errors import EventRefused, NotAllowed, TicketRefused
from yixun.events.services.registration import (
    NAME_LENGTH,
    existing_registration,
    free_code,
    mobile,
)
from yixun.members.models import Member, MemberSkill
from yixun.shifts.services.setup import acknowledge_briefing

OPENS_BEFORE_MINUTES = 120  # the door opens two hours before the start


def may_keep_door(user: Any, event: Event) -> bool:
    return Event.objects.staffed_by(user).filter(pk=event.pk).exists()


def _require_door(user: Any, event: Event) -> None:
    if not may_keep_door(user, event):
        raise NotAllowed(_("Only this event's staff check people in."))


def find_ticket(*, event: Event, code: str, actor: Any = None) -> Registration:
    """The ticket a code names, for this event's door. A ticket of another event is refused and
    named (when the staff may see that event), so the person can be sent to the right door."""
    code = code.strip().upper().replace(" ", "")
    ticket = Registration.objects.select_related("event").filter(code=code).first()
    if ticket is None:
        raise TicketRefused(_("No ticket has the code %(code)s.") % {"code": code}, code="unknown")
    if ticket.event_id != event.pk:
        raise other_event(ticket.event, actor)
    return ticket


def other_event(event: Event, actor: Any) -> TicketRefused:
    """The refusal of a ticket that belongs elsewhere: it names the event, unless the staff
    member may not see it (a draft, another squad's): then it only says it is another's."""
    if actor is not None and not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        return TicketRefused(_("This ticket is for another event."), code="other_event")
    return TicketRefused(
        _("This ticket is for another event: %(event)s, %(day)s.")
        % {
            "event": event.title,
            "day": timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M"),
        },
        code="other_event",
    )


def check_in(
    *, event: Event, registration: Registration, actor: Any, key: uuid.UUID | None = None
) -> Registration:
    """Let a ticket's holder in, once."""
    _require_door(actor, event)
    if registration.event_id != event.pk:
        raise other_event(registration.event, actor)
    if registration.status == Registration.Status.CANCELLED:
        raise TicketRefused(_("This ticket was cancelled."), code="cancelled")
    if registration.status == Registration.Status.WAITING:
        raise TicketRefused(
            _("This person is still on the waiting list and has no place."), code="waiting"
        )
    if event.status != Event.Status.PUBLISHED:
        raise EventRefused(_("This event is not going ahead."), code="cancelled_event")
    now = timezone.now()
    if (event.starts_at - now).total_seconds() > OPENS_BEFORE_MINUTES * 60:
        raise EventRefused(_("The door opens two hours before the start."), code="door_not_open")
    with transaction.atomic():
        # Confirmed too: the holder may have cancelled on their phone since the ticket was read.
        used = Registration.objects.filter(
            pk=registration.pk, status=Registration.Status.CONFIRMED, checked_in_at__isnull=True
        ).update(checked_in_at=now, checked_in_by=actor, checked_in_key=key)
        if used != 1:
            registration.refresh_from_db()
            if registration.status == Registration.Status.CANCELLED:
                raise TicketRefused(_("This ticket was cancelled."), code="cancelled")
            if key is not None and registration.checked_in_key == key:
                return registration  # the same scan sent again, not a second person
            raise TicketRefused(
                _("This ticket was already used, at %(time)s.")
                % {"time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")},
                code="used",
            )
        registration.checked_in_at, registration.checked_in_by = now, actor
        registration.checked_in_key = key
        count_reached(event)
        audit.record(
            actor=actor,
            action="events.registration.checked_in",
            target=registration,
            data={"event": event.pk},
        )
        grant_training(event=event, registration=registration, actor=actor)
    return registration


def add_walk_in(
    *, event: Event, name: str, phone: str = "", member: Member | None = None, actor: Any
) -> Registration:
    """Someone who came without registering, let in at the door. Walk-ins do not take the
    registered places (the staff at the door see the room); they count in the attendance."""
    _require_door(actor, event)
    name = " ".join(name.split())
    if not name:
        raise EventRefused(_("Give the person's name."), code="name_missing")
    if len(name) > NAME_LENGTH:
        raise EventRefused(
            _("A name has at most %(n)d characters.") % {"n": NAME_LENGTH}, code="name_too_long"
        )
    phone = mobile(phone)
    if event.status != Event.Status.PUBLISHED:
        raise EventRefused(_("This event is not going ahead."), code="cancelled_event")
    if phone or member:
        found = existing_registration(event, phone=phone, member=member)
        if found is not None:
            raise TicketRefused(
                _("This person is registered already: check in their ticket %(code)s.")
                % {"code": found.code},
                code="registered",
            )
    if member is None and phone:
        member = Member.objects.filter(user__phone=phone, status=Member.Status.ACTIVE).first()
    now = timezone.now()
    with transaction.atomic():
        registration = Registration.objects.create(
            event=event,
            member=member,
            name=name,
            phone=phone,
            is_walk_in=True,
            code=free_code(),
            checked_in_at=now,
            checked_in_by=actor,
        )
        count_reached(event)
        audit.record(
            actor=actor,
            action="events.registration.walked_in",
            target=registration,
            data={"event": event.pk},
        )
        grant_training(event=event, registration=registration, actor=actor)
    return registration


def count_reached(event: Event) -> None:
    """Everyone let in was reached: the figures count them from the moment they come in, and
    the staff's report may add those the event reached besides (a stand in the street)."""
    Event.objects.filter(pk=event.pk).update(people_reached=F("people_reached") + 1)


def grant_training(*, event: Event, registration: Registration, actor: Any) -> None:
    """A member who attended a training holds its skill, and has its briefing acknowledged."""
    if event.kind != EventKind.TRAINING or registration.member is None:
        return
    member = registration.member
    if event.grants_skill:
        _skill, made = MemberSkill.objects.get_or_create(member=member, skill=event.grants_skill)
        if made:
            audit.record(
                actor=actor,
                action="events.event.skill_granted",
                target=event,
                data={"member": member.pk, "skill": event.grants_skill},
            )
    if event.grants_briefing:
        acknowledged = acknowledge_briefing(member=member, kind=event.grants_briefing)
        if acknowledged is not None:
            audit.record(
                actor=actor,
                action="events.event.briefing_granted",
                target=event,
                data={"member": member.pk, "kind": event.grants_briefing},
            )
