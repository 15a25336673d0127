"""Officers' side of events: creating and changing them, cancelling, photos, the duty shifts
that staff them, and closing them afterwards with the attendance and the staff's summary."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.events.models import Audience, Event, EventKind, EventPhoto
from yixun.events.services import registration as registrations
from yixun.events.services.door import may_keep_door
from yixun.events.services.errors import EventRefused, NotAllowed
from yixun.lib.errors import Conflict
from yixun.lib.images import clean_photo
from yixun.shifts.models import Shift, ShiftKind
from yixun.shifts.services.planning import create_shift

MOST_PHOTOS = 12
# Changing one of these moves the event for the people registered: they are told, their
# calendars update (SEQUENCE) and their reminders are queued again.
MOVING = ("starts_at", "ends_at", "place_name", "address")
EDITABLE = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "area",
    "squad",
    "capacity",
    "audience",
    "grants_skill",
    "grants_briefing",
    "status",
)


def require_officer(actor: Any) -> None:
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only officers of the association manage events."))


def validate(values: dict[str, Any], event: Event | None) -> None:
    errors: dict[str, str] = {}
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("An event ends after it starts.")
    if values.get("capacity") is not None and values["capacity"] < 1:
        errors["capacity"] = _("An event has at least one place.")
    if (
        event is not None
        and values.get("capacity") is not None
        and values["capacity"] < event.taken
    ):
        errors["capacity"] = _(
            "%(n)d people hold a place already; cancel registrations before lowering the places"
            " below that."
        ) % {"n": event.taken}
    if values.get("audience") == Audience.SQUADS and not values.get("squads"):
        errors["squads"] = _("Choose the squads the event is for.")
    kind = values.get("kind", event.kind if event else "")
    if (values.get("grants_skill") or values.get("grants_briefing")) and kind != EventKind.TRAINING:
        errors["kind"] = _("Only a training grants a skill or a briefing.")
    status = values.get("status")
    if status == Event.Status.CANCELLED and (event is None or event.status != status):
        errors["status"] = _("Cancel an event with its reason, so the people registered are told.")
    if event is not None and event.status == Event.Status.CANCELLED and status != event.status:
        errors["status"] = _("A cancelled event stays cancelled: plan a new one.")
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors["latitude"] = _("Give both the latitude and the longitude, or neither.")
    if errors:
        raise ValidationError(errors)


def save_event(
    *, actor: Any, event: Event | None = None, key: uuid.UUID | None = None, **values: Any
) -> Event:
    """Create an event, or change one. `squads`, `partners` and `staff` are lists. A new event
    sent again under the same idempotency `key` is the one made the first time."""
    require_officer(actor)
    if event is None and key is not None:
        sent = Event.objects.filter(key=key).first()
        if sent is not None:
            if sent.created_by_id != actor.pk:
                raise Conflict(
                    _("This idempotency key was used for something else."), code="key_reused"
                )
            return sent
        values["key"] = key
    squads = values.pop("squads", None)
    partners = values.pop("partners", None)
    staff = values.pop("staff", None)
    with transaction.atomic():
        if event is not None:
            # The row as it is now, locked: people register while an officer edits, and the
            # copy read for the form holds an old count of the places taken.
            event = Event.objects.select_for_update().get(pk=event.pk)
        merged = {name: getattr(event, name) for name in EDITABLE} if event else {}
        merged.update(values)
        validate(
            {**merged, "squads": squads if squads is not None else _current(event, "squads")},
            event,
        )
        if event is None:
            event = Event(created_by=actor, **values)
            moved = False
            try:
                with transaction.atomic():
                    event.save()
            except IntegrityError:
                # The same key a moment earlier, in another request: that event stands.
                sent = Event.objects.filter(key=key).first() if key is not None else None
                if sent is None:
                    raise
                return sent
            action = "events.event.created"
            data: dict[str, Any] = {"title": event.title}
        else:
            changed = [name for name, value in values.items() if getattr(event, name) != value]
            moved = any(name in MOVING for name in changed)
            for name, value in values.items():
                setattr(event, name, value)
            if changed:
                event.sequence = F("sequence") + 1
            # Never `taken`: only the compare-and-set updates of registering change it.
            event.save(update_fields=[*values, "sequence", "updated_at"])
            event.refresh_from_db()
            action, data = "events.event.changed", {"fields": sorted(changed)}
        if squads is not None:
            event.squads.set(squads)
        if partners is not None:
            event.partners.set(partners)
        if staff is not None:
            event.staff.set(staff)
        audit.record(actor=actor, action=action, target=event, data=data)
        if action == "events.event.changed":
            registrations.promote(event=event)  # more places, or a draft now published
            saved = event
            if moved:
                transaction.on_commit(lambda: _tell_moved(saved))
            elif changed:  # the reminders queued name the old sequence: queue them anew
                transaction.on_commit(lambda: _queue_reminders_again(saved))
    return event


def _current(event: Event | None, name: str) -> list[Any]:
    return list(getattr(event, name).all()) if event is not None else []


def _live(event: Event) -> Any:
    """Those holding a place or waiting for one: both want to know that the event moved."""
    return event.registrations.live().select_related("member__user")


def _tell_moved(event: Event) -> None:
    for registration in _live(event).iterator():
        with translation.override(registrations.language_of(registration)):
            registrations.tell(
                registration,
                _("Changed: %(event)s") % {"event": event.title},
                _("%(event)s is now %(when)s, at %(place)s. Your ticket stays valid.")
                % {
                    "event": event.title,
                    "when": registrations.when(event),
                    "place": event.place_name,
                },
            )
        registrations.schedule_reminders(registration)


def cancel_event(*, event: Event, actor: Any, reason: str) -> Event:
    """Call the event off; everyone registered or waiting is told why."""
    require_officer(actor)
    reason = reason.strip()
    if not reason:
        raise EventRefused(_("Say why the event is cancelled: the people registered are told."))
    if event.status == Event.Status.CANCELLED:
        return event
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.CANCELLED, cancel_reason=reason, sequence=F("sequence") + 1
        )
        event.refresh_from_db()
        audit.record(
            actor=actor, action="events.event.cancelled", target=event, data={"reason": reason}
        )
        transaction.on_commit(lambda: _tell_cancelled(event))
    return event


def _queue_reminders_again(event: Event) -> None:
    for registration in _live(event).iterator():
        registrations.schedule_reminders(registration)


def _tell_cancelled(event: Event) -> None:
    for registration in event.registrations.live().select_related("member__user").iterator():
        with translation.override(registrations.language_of(registration)):
            registrations.tell(
                registration,
                _("Cancelled: %(event)s") % {"event": event.title},
                _("%(event)s, %(when)s, will not take place: %(reason)s")
                % {
                    "event": event.title,
                    "when": registrations.when(event),
                    "reason": event.cancel_reason,
                },
            )


def may_report(user: Any, event: Event) -> bool:
    """Officers and the event's staff write its summary and add its photos."""
    return has_role(user, Role.OFFICER) or may_keep_door(user, event)


def close_event(
    *, event: Event, actor: Any, summary: str, people_reached: int | None = None
) -> Event:
    """Record what happened: the staff's summary and the people reached, which the figures
    count. At least everyone let in was reached; a campaign on the street reaches more."""
    if not may_report(actor, event):
        raise NotAllowed(_("Only this event's staff and officers report on it."))
    if event.starts_at > timezone.now():
        raise EventRefused(_("An event is reported on once it has begun."), code="not_begun")
    if event.status == Event.Status.CANCELLED:
        raise EventRefused(_("A cancelled event has no report."), code="cancelled_event")
    attended = attendance(event)["attended"]
    reached = max(attended, event.people_reached) if people_reached is None else people_reached
    if reached < attended:
        raise EventRefused(
            _("%(n)d people were let in at the door; the people reached are at least that.")
            % {"n": attended},
            code="reached_too_few",
        )
    with transaction.atomic():
        first = event.closed_at is None
        Event.objects.filter(pk=event.pk).update(
            summary=summary.strip(),
            people_reached=reached,
            closed_at=event.closed_at or timezone.now(),
            closed_by=event.closed_by or actor,
        )
        event.refresh_from_db()
        audit.record(
            actor=actor,
            action="events.event.closed" if first else "events.event.report_changed",
            target=event,
            data={"people_reached": reached, "attended": attended},
        )
    return event


def attendance(event: Event) -> dict[str, int]:
    """Registered, let in, walk-ins, no-shows and waiting, in one query."""
    counts = event.registrations.aggregate(
        confirmed=Count("pk", filter=Q(status="confirmed", is_walk_in=False)),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
        walk_ins=Count("pk", filter=Q(is_walk_in=True)),
        waiting=Count("pk", filter=Q(status="waiting")),
        cancelled=Count("pk", filter=Q(status="cancelled")),
        no_shows=Count(
            "pk", filter=Q(status="confirmed", is_walk_in=False, checked_in_at__isnull=True)
        ),
    )
    if not event.is_past:
        counts["no_shows"] = 0  # not yet: they may still come
    return counts


def add_photo(
    *, event: Event, upload: UploadedFile, actor: Any, is_report: bool, caption: str = ""
) -> EventPhoto:
    if not may_report(actor, event):
        raise NotAllowed(_("Only this event's staff and officers add its photos."))
    if event.photos.count() >= MOST_PHOTOS:
        raise EventRefused(
            _("An event keeps at most %(n)d photos; remove one first.") % {"n": MOST_PHOTOS},
            code="too_many_photos",
        )
    clean = clean_photo(upload)
    with transaction.atomic():
        photo = EventPhoto(event=event, is_report=is_report, caption=caption[:100], added_by=actor)
        photo.image.save(f"event-{event.pk}.jpg", clean.content, save=True)
        audit.record(actor=actor, action="events.event.photo_added", target=event)
    return photo


def remove_photo(*, photo: EventPhoto, actor: Any) -> None:
    if not may_report(actor, photo.event):
        raise NotAllowed(_("Only this event's staff and officers remove its photos."))
    with transaction.atomic():
        event = photo.event
        photo.image.delete(save=False)
        photo.delete()
        audit.record(actor=actor, action="events.event.photo_removed", target=event)


def add_duty_shift(*, event: Event, actor: Any, people: int) -> Shift:
    """An event-duty shift in the calendar for the event's time: members claim it like any
    shift, check in on duty at the event, and earn their hours; and they keep its door."""
    require_officer(actor)
    if event.area is None:
        raise EventRefused(
            _("Give the event its area first: a duty shift is planned in an area."),
            code="no_area",
        )
    with transaction.atomic():
        shift = create_shift(
            actor=actor,
            kind=ShiftKind.EVENT_DUTY,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            area=event.area,
            capacity=people,
            min_people=1,
            notes=f"{event.title} · {event.place_name}",
        )
        event.duty_shifts.add(shift)
        audit.record(
            actor=actor,
            action="events.event.duty_shift_added",
            target=event,
            data={"shift": shift.pk},
        )
    return shift
