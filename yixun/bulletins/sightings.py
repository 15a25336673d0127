"""Sightings of an urgent alert (紧急协查): "I saw them" from anyone who reads it.

A sighting is a tip, taken in by `intake.submit_tip` with the same screening and rate limits as
any other, so that an alert with a photo in every group chat is no open door for abuse. What it
adds is that it skips the queue: the alert's writer (the police liaison) and the moderators on
duty hear of it at once, by a task queued in the sighting's own transaction, so that the phone
on the street gets its answer without waiting for a message per person."""

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import roles_of
from yixun.audit import services as audit
from yixun.bulletins.models import WRITERS, Bulletin, Kind, Sighting, Status
from yixun.lib.errors import Conflict, DomainError
from yixun.lib.links import absolute
from yixun.tips.models import Tip, TipCategory
from yixun.tips.services import intake
from yixun.tips.services.duty import moderators, moderators_on_duty

# Who follows the sightings on the map: those who write and review alerts (police liaisons,
# moderators, officers). A sighting is a tip, and what the public wrote is not for every member.
WATCHERS = WRITERS


class SightingRefused(DomainError):
    code = "not_taking_sightings"
    status = 409


def takes_sightings(bulletin: Bulletin) -> bool:
    """An urgent alert that has gone out and is not closed: the one rule for the "I saw them"
    button on the alert's page, the form behind it, and the service."""
    return bulletin.kind == Kind.URGENT and bulletin.is_out and bulletin.status == Status.PUBLISHED


def alert_for(user: Any, pk: int) -> Bulletin:
    """The urgent alert whose sightings this person asks for, through the bulletins' door: one
    that has gone out (a draft is the writers' business), else 404. The "I saw them" page and
    `POST /api/v1/bulletins/{id}/sightings` both find it here."""
    bulletin = get_object_or_404(Bulletin.objects.visible_to(user), pk=pk, kind=Kind.URGENT)
    if not bulletin.is_out:
        raise Http404
    return bulletin


def shown(bulletin: Bulletin) -> "QuerySet[Sighting]":
    """An alert's sightings as the staff see them, the latest first: spam stays in the tips'
    spam folder. The map and the API list both read this."""
    return (
        bulletin.sightings.exclude(tip__status=Tip.Status.SPAM)
        .select_related("tip")
        .order_by("-created_at", "-pk")
    )


def may_watch(user: Any) -> bool:
    """Whether this person may see an alert's sightings (the map, and its live changes)."""
    return bool(roles_of(user) & WATCHERS)


def report_sighting(
    *,
    bulletin: Bulletin,
    report: intake.Report,
    address: str,
    reporter: Any = None,
    photos: Sequence[UploadedFile] = (),
    key: uuid.UUID | None = None,
) -> Sighting:
    """Take a sighting in as a missing-person tip linked to the alert, and tell the alert's
    writer and the moderators on duty at once. A resend with the same `key` returns the
    sighting the first send made, even once the alert has closed. Raises what `submit_tip`
    raises (TipRefused, TooMany, Conflict, ValidationError for a bad photo), and
    SightingRefused when the alert takes no sightings."""
    if key is not None and (sent := _sent_with(key, bulletin)) is not None:
        return sent
    report = dataclasses.replace(report, category=TipCategory.MISSING_PERSON)
    is_member = reporter is not None and getattr(reporter, "is_authenticated", False)
    with transaction.atomic():
        # Locked, so that an alert closed at this moment takes no sighting after its closing,
        # and two sends with one key are taken one after the other.
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if key is not None and (sent := _sent_with(key, locked)) is not None:
            return sent
        if not takes_sightings(locked):
            raise SightingRefused(
                _("This alert is closed and takes no more sightings. Thank you for looking.")
            )
        tip = intake.submit_tip(
            report=report,
            address=address,
            reporter=reporter if is_member else None,
            source=Tip.Source.MEMBER if is_member else Tip.Source.WEB,
            photos=photos,
            key=key,
            announce=False,  # tell_of_sighting tells them: one message each, not two
        )
        sighting = Sighting.objects.create(bulletin=locked, tip=tip, created_at=tip.created_at)
        audit.record(
            actor=reporter if is_member else None,
            action="bulletins.sighting.reported",
            target=sighting,
            data={"bulletin": locked.pk, "tip": tip.pk},
        )
        if tip.status != Tip.Status.SPAM:  # screened out: it waits in the spam folder instead
            tell_of_sighting.enqueue(sighting.pk)
    return sighting


def _sent_with(key: uuid.UUID, bulletin: Bulletin) -> Sighting | None:
    sent = Sighting.objects.filter(tip__key=key).select_related("tip").first()
    if sent is not None and sent.bulletin_id != bulletin.pk:
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    return sent


def watchers_to_tell(bulletin: Bulletin) -> list[User]:
    """The alert's writer, and the moderators on duty (every moderator when nobody is)."""
    people = [bulletin.written_by, *(moderators_on_duty() or moderators())]
    return [
        person
        for person in {person.pk: person for person in people}.values()
        if person.is_active and not person.is_erased
    ]


@task()
def tell_of_sighting(sighting_id: int) -> None:
    """In the worker: a message to each person `watchers_to_tell` names, with the tip's link
    and the map's. The worker runs it in one transaction with marking it done, so each message
    is queued once."""
    sighting = (
        Sighting.objects.filter(pk=sighting_id)
        .select_related("tip", "bulletin__written_by")
        .first()
    )
    if sighting is None:
        return
    _tell(watchers_to_tell(sighting.bulletin), sighting)


def _tell(people: Iterable[User], sighting: Sighting) -> None:
    tip, bulletin = sighting.tip, sighting.bulletin
    tip_link = absolute(reverse("tips:detail", args=[tip.pk]))
    map_link = absolute(reverse("bulletins:sightings", args=[bulletin.pk]))
    for person in people:
        with translation.override(person.language):
            subject = _("URGENT sighting: %(title)s") % {"title": bulletin.title}
            where = tip.place or (_("pin on the map") if tip.latitude is not None else "")
            body = "\n".join(
                line
                for line in (
                    tip.text[:120],
                    where,
                    _("Tip: %(link)s") % {"link": tip_link},
                    _("Map: %(link)s") % {"link": map_link},
                )
                if line
            )
            accounts.send_message(phone=person.phone, subject=subject, body=body)
