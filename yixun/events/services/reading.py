"""Reads that the pages and the API both make, so that the two cannot disagree: the list of
events a person sees, a ticket found by its secret, a member's own registrations and the
attendance rows the door staff see."""

import uuid
from typing import Any, Literal

from yixun.events.models import Event, EventQuerySet, Registration, RegistrationQuerySet

When = Literal["upcoming", "past"]


def listed(user: Any, *, when: When | None = None, kind: str | None = None) -> EventQuerySet:
    """The events this person sees (`visible_to`), those to come (published, soonest first) or
    those over (latest first), of one kind or all."""
    found = Event.objects.visible_to(user)
    if when == "upcoming":
        found = found.upcoming()
    elif when == "past":
        found = found.past()
    else:
        found = found.order_by("-starts_at", "-pk")
    return found.filter(kind=kind) if kind else found


def ticket(token: str) -> Registration | None:
    """The registration whose ticket holds this token: the token is the secret, whoever has
    it holds the ticket."""
    return Registration.objects.select_related("event").filter(token=token).first()


def registrations_of(user: Any) -> RegistrationQuerySet:
    """A member's own registrations, the latest event first."""
    if not getattr(user, "is_authenticated", False):
        return Registration.objects.none()
    return (
        Registration.objects.filter(member__user=user)
        .select_related("event")
        .order_by("-event__starts_at", "-pk")
    )


def attendance_rows(event: Event) -> RegistrationQuerySet:
    """Everyone registered, waiting, cancelled or let in at the door, in the order they came."""
    return event.registrations.select_related("member__user").order_by("created_at", "pk")


def resent(*, event: Event, key: uuid.UUID, phone: str) -> Registration | None:
    """The registration an earlier send of this request made (its key, the same number): a
    resend gets it back without a new confirmation code, the first one being spent."""
    return Registration.objects.filter(event=event, key=key, phone=phone).first()
