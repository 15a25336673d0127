"""Writing, reviewing, publishing, correcting and withdrawing bulletins: every change here, each
with its audit entry. Publishing only queues the fan-out (`tasks.fan_out`): the request returns
at once however many people the bulletin is for; the worker writes their inbox and tells the
open pages."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.models import User
from yixun.accounts.roles import Role, roles_of
from yixun.audit import services as audit
from yixun.bulletins import inbox, public_cache
from yixun.bulletins.models import (
    ALERT_KINDS,
    WRITERS,
    Bulletin,
    BulletinChange,
    BulletinPhoto,
    InboxItem,
    Kind,
    Status,
)
from yixun.lib.errors import Conflict, DomainError
from yixun.lib.geo import distance_m
from yixun.members.models import Member, Squad
from yixun.patrols.models import Duty
from yixun.places.models import Area, Site


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class BulletinRefused(DomainError):
    status = 400


# A missing person's alert needs a face and what they wore; more than this is a gallery that
# the phones in a group chat load slowly, and the poster shows only the first.
MOST_PHOTOS = 6


# Who approves each kind (never the writer): the police for their alerts, officers for the
# association's notices, either for safety advice.
APPROVERS: dict[str, frozenset[str]] = {
    Kind.ALERT: frozenset({Role.POLICE}),
    Kind.URGENT: frozenset({Role.POLICE}),
    Kind.ADVICE: frozenset({Role.POLICE, Role.OFFICER}),
    Kind.NOTICE: frozenset({Role.OFFICER}),
}


def may_write(user: Any) -> bool:
    return bool(roles_of(user) & WRITERS)


def may_approve(user: Any, bulletin: Bulletin) -> bool:
    """Whether this person may approve this bulletin: the kind's approver, and not its writer.
    A police alert a liaison wrote may also be approved by an officer: it is then written by
    the police and approved by the association, as the rule asks."""
    if bulletin.written_by_id == getattr(user, "pk", None):
        return False
    approvers = APPROVERS[bulletin.kind]
    if bulletin.kind in ALERT_KINDS and Role.POLICE in roles_of(bulletin.written_by):
        approvers = approvers | {Role.OFFICER}
    return bool(roles_of(user) & approvers)


def may_send_at_once(user: Any, bulletin: Bulletin) -> bool:
    """An urgent alert cannot wait for a second person: a liaison may send it, reviewed after."""
    return bulletin.kind == Kind.URGENT and Role.POLICE in roles_of(user)


def _check_writer(actor: Any, bulletin: Bulletin | None) -> None:
    if not may_write(actor):
        raise NotAllowed(_("Only moderators, police liaisons and officers write bulletins."))
    if bulletin is not None and bulletin.status not in (Status.DRAFT, Status.SUBMITTED):
        raise Conflict(
            _("This bulletin has gone out: correct it or withdraw it instead."),
            code="already_published",
        )


def save_bulletin(
    *,
    actor: User,
    bulletin: Bulletin | None = None,
    kind: str,
    title: str,
    body: str,
    to_public: bool = False,
    to_members: bool = False,
    squads: Iterable[Squad] = (),
    areas: Iterable[Area] = (),
    roles: Iterable[str] = (),
    publish_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    cap: dict[str, Any] | None = None,
    last_seen_at: dt.datetime | None = None,
    last_seen_place: str = "",
    photos: Sequence[File[bytes]] = (),
    remove_photos: Iterable[int] = (),
    key: uuid.UUID | None = None,
) -> Bulletin:
    """Write a new draft, or change a draft or one waiting for review (it goes back to draft:
    what the reviewer approves is what they read). A new draft sent again with the same `key`
    is the draft the first send made.

    `photos` are added after those it has, already cleaned (`yixun.lib.images.clean_photo`);
    `remove_photos` are ids of its photos to delete. Where and when the person was last seen
    is kept for an urgent alert only."""
    _check_writer(actor, bulletin)
    if bulletin is None and key is not None and (sent := _written_with(key, actor)) is not None:
        return sent
    roles = sorted(set(roles))
    squads, areas = list(squads), list(areas)
    if not (to_public or to_members or squads or areas or roles):
        raise BulletinRefused(_("Choose who the bulletin is for."), code="no_audience")
    if publish_at and expires_at and expires_at <= publish_at:
        raise BulletinRefused(_("It must expire after it goes out."), code="expires_first")
    if expires_at and expires_at <= timezone.now():
        raise BulletinRefused(_("It would have expired already."), code="expired")
    cap = cap or {}
    if kind != Kind.URGENT:
        last_seen_at, last_seen_place = None, ""
    with transaction.atomic():
        created = bulletin is None
        removed: list[BulletinPhoto] = []
        if bulletin is None:
            kept = 0
            bulletin = Bulletin(written_by=actor, key=key)
        else:
            # Locked: two writers adding photos at once cannot pass the limit together.
            Bulletin.objects.select_for_update().get(pk=bulletin.pk)
            removed = list(bulletin.photos.filter(pk__in=set(remove_photos)))
            kept = bulletin.photos.count() - len(removed)
        if kept + len(photos) > MOST_PHOTOS:
            raise BulletinRefused(
                _("A bulletin may have at most %(most)d photos.") % {"most": MOST_PHOTOS},
                code="too_many_photos",
            )
        bulletin.kind, bulletin.title, bulletin.body = kind, title, body
        bulletin.to_public, bulletin.to_members, bulletin.roles = to_public, to_members, roles
        bulletin.publish_at, bulletin.expires_at = publish_at, expires_at
        for name in ("severity", "urgency", "certainty", "area_description"):
            setattr(bulletin, name, cap.get(name) or "")
        for name in ("circle_latitude", "circle_longitude", "circle_radius_km"):
            setattr(bulletin, name, cap.get(name))
        bulletin.polygon = cap.get("polygon") or []
        bulletin.last_seen_at, bulletin.last_seen_place = last_seen_at, last_seen_place
        bulletin.status = Status.DRAFT
        try:
            with transaction.atomic():
                bulletin.save()
        except IntegrityError:  # the same key, sent twice at the same moment: the first won
            if key is not None and (sent := _written_with(key, actor)) is not None:
                return sent
            raise
        bulletin.squads.set(squads)
        bulletin.areas.set(areas)
        _change_photos(bulletin, add=photos, remove=removed)
        audit.record(
            actor=actor,
            action="bulletins.bulletin.written" if created else "bulletins.bulletin.edited",
            target=bulletin,
            data={"kind": kind, "title": title},
        )
    return bulletin


def _change_photos(
    bulletin: Bulletin, *, add: Sequence[File[bytes]], remove: Sequence[BulletinPhoto]
) -> None:
    """Delete some photos (their files once the change is committed: a photo of a person taken
    off an alert is not kept anywhere) and add others after the last."""
    for photo in remove:
        name, storage = photo.image.name or "", photo.image.storage
        photo.delete()
        transaction.on_commit(partial(storage.delete, name))
    last = bulletin.photos.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    for position, upload in enumerate(add, start=start):
        BulletinPhoto.objects.create(bulletin=bulletin, image=upload, position=position)


def _written_with(key: uuid.UUID, actor: User) -> Bulletin | None:
    sent = Bulletin.objects.filter(key=key).first()
    if sent is not None and sent.written_by_id != actor.pk:
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    return sent


def submit_bulletin(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """Ask for review."""
    _check_writer(actor, bulletin)
    with transaction.atomic():
        taken = Bulletin.objects.filter(pk=bulletin.pk, status=Status.DRAFT).update(
            status=Status.SUBMITTED, returned_note=""
        )
        if not taken:
            raise Conflict(_("Only a draft can be sent for review."), code="not_draft")
        audit.record(actor=actor, action="bulletins.bulletin.submitted", target=bulletin)
    bulletin.refresh_from_db()
    return bulletin


def return_bulletin(*, actor: User, bulletin: Bulletin, note: str) -> Bulletin:
    """Send a bulletin back to its writer with the reason: it is a draft again."""
    if not may_approve(actor, bulletin):
        raise NotAllowed(_("You may not review this bulletin."))
    with transaction.atomic():
        taken = Bulletin.objects.filter(pk=bulletin.pk, status=Status.SUBMITTED).update(
            status=Status.DRAFT, returned_note=note[:500]
        )
        if not taken:
            raise Conflict(_("This bulletin is not waiting for review."), code="not_submitted")
        audit.record(
            actor=actor, action="bulletins.bulletin.returned", target=bulletin, data={"note": note}
        )
    bulletin.refresh_from_db()
    return bulletin


def areas_within(bulletin: Bulletin) -> list[Area]:
    """The towns and communities that have a key site within an urgent alert's circle: the
    areas whose squads, residents and subscribers it reaches. The county, which holds every
    site, is not among them."""
    if not bulletin.has_circle:
        return []
    centre = (bulletin.circle_latitude or 0.0, bulletin.circle_longitude or 0.0)
    reach = (bulletin.circle_radius_km or 0.0) * 1000
    paths = {
        path
        for path, latitude, longitude in Site.objects.values_list(
            "area__path", "latitude", "longitude"
        )
        if distance_m(centre, (float(latitude), float(longitude))) <= reach
    }
    ids = {int(pk) for path in paths for pk in path.strip("/").split("/")}
    return list(Area.objects.filter(pk__in=ids).exclude(level=Area.Level.COUNTY))


def _go_out(bulletin: Bulletin, *, approver: User | None, unreviewed: bool) -> None:
    now = timezone.now()
    if bulletin.is_targeted:
        bulletin.areas.set(areas_within(bulletin))
    goes_out_at = max(bulletin.publish_at or now, now)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=Status.PUBLISHED,
        approved_by=approver,
        approved_at=now if approver else None,
        sent_unreviewed=unreviewed,
        published_at=goes_out_at,
        returned_note="",
    )
    bulletin.refresh_from_db()
    _queue_fan_out(bulletin, at=goes_out_at)


def _queue_fan_out(bulletin: Bulletin, *, at: dt.datetime | None = None) -> None:
    from yixun.bulletins.tasks import fan_out

    # Queued in this transaction: it is committed with the change, or not at all.
    task = fan_out.using(run_after=at) if at and at > timezone.now() else fan_out
    task.enqueue(bulletin.pk, bulletin.revision)
    public_cache.renew()


def approve_bulletin(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """Approve and publish: at once, or at the time it was written for."""
    if not may_approve(actor, bulletin):
        raise NotAllowed(_("You may not approve this bulletin."))
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status != Status.SUBMITTED:
            raise Conflict(_("This bulletin is not waiting for review."), code="not_submitted")
        _go_out(locked, approver=actor, unreviewed=False)
        audit.record(actor=actor, action="bulletins.bulletin.published", target=locked)
    return locked


def send_at_once(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """An urgent alert sent by a liaison without waiting for a review; somebody reviews it after."""
    if not may_send_at_once(actor, bulletin):
        raise NotAllowed(_("Only a police liaison may send an urgent alert before review."))
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status not in (Status.DRAFT, Status.SUBMITTED):
            raise Conflict(_("This bulletin has gone out already."), code="already_published")
        _go_out(locked, approver=None, unreviewed=True)
        audit.record(actor=actor, action="bulletins.bulletin.sent_unreviewed", target=locked)
    return locked


def review_sent(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """The second look at an urgent alert that went out before review."""
    if not may_approve(actor, bulletin) and not (
        Role.OFFICER in roles_of(actor) and actor.pk != bulletin.written_by_id
    ):
        raise NotAllowed(_("You may not review this bulletin."))
    with transaction.atomic():
        taken = Bulletin.objects.filter(pk=bulletin.pk, sent_unreviewed=True).update(
            sent_unreviewed=False, approved_by=actor, approved_at=timezone.now()
        )
        if not taken:
            raise Conflict(_("This bulletin needs no review."), code="reviewed")
        audit.record(actor=actor, action="bulletins.bulletin.reviewed", target=bulletin)
    bulletin.refresh_from_db()
    return bulletin


def _change(*, actor: User, bulletin: Bulletin, kind: str, note: str, **fields: Any) -> Bulletin:
    if not may_write(actor):
        raise NotAllowed(_("Only moderators, police liaisons and officers change bulletins."))
    if not note.strip():
        raise BulletinRefused(_("Say what changed: it goes out with the change."), code="no_note")
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status != Status.PUBLISHED:
            raise Conflict(
                _("Only a published bulletin can be corrected or withdrawn."),
                code="not_published",
            )
        locked.revision += 1
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        BulletinChange.objects.create(
            bulletin=locked, kind=kind, revision=locked.revision, note=note[:500], by=actor
        )
        if locked.is_out:
            _queue_fan_out(locked)
        action = "corrected" if kind == BulletinChange.Kind.UPDATE else "withdrawn"
        audit.record(
            actor=actor,
            action=f"bulletins.bulletin.{action}",
            target=locked,
            data={"note": note, "revision": locked.revision},
        )
    return locked


def correct_bulletin(
    *, actor: User, bulletin: Bulletin, title: str, body: str, note: str
) -> Bulletin:
    """Correct a published bulletin: it goes out again as an update, never as a silent edit."""
    return _change(
        actor=actor, bulletin=bulletin, kind=BulletinChange.Kind.UPDATE, note=note,
        title=title, body=body,
    )  # fmt: skip


def withdraw_bulletin(*, actor: User, bulletin: Bulletin, note: str) -> Bulletin:
    """Withdraw (cancel) a published bulletin; for an urgent alert, "found, thank you"."""
    return _change(
        actor=actor, bulletin=bulletin, kind=BulletinChange.Kind.CANCEL, note=note,
        status=Status.WITHDRAWN, withdrawn_at=timezone.now(),
    )  # fmt: skip


# Those who are "every member" besides the members' roll: officers and moderators who hold no
# membership row of their own still read what goes to every member.
MEMBER_ROLES = (Role.VOLUNTEER, Role.SQUAD_LEADER, Role.MODERATOR, Role.OFFICER)


def audience(bulletin: Bulletin) -> "QuerySet[User]":
    """The people a bulletin is for: every active member (and holder of a member's role) for
    the public and for all members; otherwise the active members of its squads and of squads in
    its areas (or under them), and whoever holds one of its roles. An urgent alert with a
    circle: the members near it and those on duty (`is_targeted`)."""
    members = Member.objects.filter(status=Member.Status.ACTIVE)
    roles = list(bulletin.roles)
    if bulletin.is_targeted:
        # Those near where the person was last seen: squads and residents of the areas within
        # the circle (set when it went out), and whoever is on duty now, wherever they are.
        areas = bulletin.areas.all()
        on_duty = Duty.objects.on_duty_now().values("member_id")
        members = members.filter(
            Q(squad__area__in=areas) | Q(home_area__in=areas) | Q(pk__in=on_duty)
        )
    elif bulletin.to_public or bulletin.to_members:
        roles += MEMBER_ROLES
    else:
        chosen = Q(squad__in=bulletin.squads.all())
        for path in bulletin.areas.values_list("path", flat=True):
            chosen |= Q(squad__area__path__startswith=path)
        members = members.filter(chosen)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=members.values("user_id")) | Q(role_grants__role__in=roles))
        .distinct()
    )


def mark_read(*, user: User, bulletin: Bulletin) -> None:
    """The person opened it: no audit entry (reading one's own inbox is nobody else's business)."""
    if InboxItem.objects.filter(user=user, bulletin=bulletin, read_at__isnull=True).update(
        read_at=timezone.now()
    ):
        inbox.forget(user.pk)
