"""The moderators' work on a tip and the police's answer. Each step is one function that checks
who may, changes the tip with a compare-and-set where two people could race, and audits."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.places.models import Area, PoliceStation
from yixun.tips.models import OPEN_STATUSES, Tip, TipMessage, TipRules
from yixun.tips.services import screening
from yixun.tips.services.errors import Conflict, NotAllowed, TipRefused

CLOSABLE = (*OPEN_STATUSES, Tip.Status.SPAM)


def is_moderator(user: Any) -> bool:
    return has_role(user, Role.MODERATOR)


def is_station_liaison(user: Any, tip: Tip) -> bool:
    return (
        has_role(user, Role.POLICE)
        and tip.station_id is not None
        and PoliceStation.objects.filter(pk=tip.station_id, liaisons=user).exists()
    )


def may_see_contact(user: Any, tip: Tip) -> bool:
    """The reporter's contact details: the moderator holding the tip while it is with the
    moderators, then the liaisons of the station it was forwarded to. Not officers, not other
    moderators, not a moderator who held it once, never volunteers."""
    if not tip.has_contact or tip.contact_erased_at:
        return False
    if tip.status in OPEN_STATUSES:
        return is_moderator(user) and tip.assigned_to_id == user.pk
    return tip.forwarded_at is not None and is_station_liaison(user, tip)


def reveal_contact(*, tip: Tip, actor: Any, reason: str) -> tuple[str, str]:
    """The contact details in clear, for someone who may see them and says why; the look is
    recorded (who, when, why), never what was seen."""
    if not may_see_contact(actor, tip):
        raise NotAllowed(_("Only the moderator handling this tip and its police may see this."))
    if not reason.strip():
        raise TipRefused(
            _("Say why you need the reporter's contact details."), code="reason_needed"
        )
    audit.record(
        actor=actor,
        action="tips.tip.contact_viewed",
        target=tip,
        data={"reason": reason.strip()[:200]},
    )
    return tip.contact()


def _moderator(actor: Any) -> None:
    if not is_moderator(actor):
        raise NotAllowed(_("Only moderators triage tips."))


def _log(actor: Any, action: str, tip: Tip, **data: Any) -> None:
    audit.record(actor=actor, action=f"tips.tip.{action}", target=tip, data=data)


def take(*, tip: Tip, actor: Any) -> Tip:
    """Take a tip nobody holds, to work on it; visible to the other moderators at once. A tip
    another moderator holds changes hands only by `assign`; one that has left the moderators
    (forwarded, closed, spam, merged) cannot be taken."""
    _moderator(actor)
    with transaction.atomic():
        taken = Tip.objects.filter(
            pk=tip.pk, status__in=OPEN_STATUSES, assigned_to__isnull=True
        ).update(assigned_to=actor, assigned_at=timezone.now())
        if taken:
            _log(actor, "taken", tip)
        else:
            current = Tip.objects.select_related("assigned_to").get(pk=tip.pk)
            if current.status not in OPEN_STATUSES:
                raise Conflict(_("This tip is no longer with the moderators."), code="wrong_status")
            if current.assigned_to_id != actor.pk:
                holder = current.assigned_to
                raise Conflict(
                    _("%(name)s is working on this tip.")
                    % {"name": holder.name if holder else "?"},
                    code="taken",
                )
            # Taken again by the one who holds it: nothing changes, nothing is recorded.
    tip.refresh_from_db()
    return tip


def may_hand_on(user: Any, tip: Tip) -> bool:
    """Whether this person may hand the tip to another moderator: the moderator holding it, or an
    officer (who says why), while it is with the moderators."""
    holds = is_moderator(user) and tip.assigned_to_id == user.pk
    return tip.is_open and (holds or has_role(user, Role.OFFICER))


def assign(*, tip: Tip, actor: Any, to: Any, reason: str = "") -> Tip:
    """Hand a tip to another moderator: its holder may, and an officer who says why (a holder
    who is away); the clocks' escalation does it on its own (`clocks.escalate_overdue`). A tip
    that has left the moderators cannot change hands: its contact details go with the holder."""
    is_holder = is_moderator(actor) and tip.assigned_to_id == actor.pk
    if not (is_holder or has_role(actor, Role.OFFICER)):
        raise NotAllowed(
            _("Only the moderator holding this tip, or an officer, may hand it to another.")
        )
    if not is_moderator(to):
        raise TipRefused(_("Tips go to moderators only."), code="invalid")
    if not is_holder and not reason.strip():
        # Who holds the tip now decides whether a reason is needed.
        raise Conflict(_("Say why the tip changes hands."), code="reason_needed")
    with transaction.atomic():
        found = Tip.objects.filter(pk=tip.pk, status__in=OPEN_STATUSES)
        if is_holder:  # compare and set: the holder still holds it
            found = found.filter(assigned_to=actor)
        else:  # the officer moves it from whoever they saw holding it
            found = found.filter(assigned_to_id=tip.assigned_to_id)
        if not found.update(assigned_to=to, assigned_at=timezone.now()):
            raise Conflict(
                _("This tip has changed hands or left the moderators. Reload it."),
                code="wrong_status",
            )
        data: dict[str, Any] = {"from": tip.assigned_to_id, "to": to.pk}
        if not is_holder:
            data["reason"] = reason.strip()[:200]
        _log(actor, "assigned", tip, **data)
    tip.refresh_from_db()
    return tip


def _mine(tip: Tip, actor: Any) -> None:
    """Acting on a tip needs having it: two moderators never act on one unknowingly."""
    _moderator(actor)
    if tip.assigned_to_id != actor.pk:
        raise Conflict(_("Take the tip first."), code="not_taken")


def acknowledge(*, tip: Tip, actor: Any) -> Tip:
    _mine(tip, actor)
    with transaction.atomic():
        done = Tip.objects.filter(pk=tip.pk, status=Tip.Status.NEW).update(
            status=Tip.Status.ACKNOWLEDGED, acknowledged_at=timezone.now()
        )
        if done:
            _log(actor, "acknowledged", tip)
    tip.refresh_from_db()
    return tip


def set_urgency(*, tip: Tip, actor: Any, urgent: bool) -> Tip:
    _mine(tip, actor)
    if tip.is_urgent == urgent:
        return tip  # nothing changes, so nothing is recorded
    rules = TipRules.current()
    with transaction.atomic():
        tip.is_urgent = urgent
        if tip.status == Tip.Status.NEW:
            tip.ack_due_at = tip.created_at + rules.ack_within(urgent=urgent)
        tip.save(update_fields=["is_urgent", "ack_due_at"])
        _log(actor, "urgency_set", tip, urgent=urgent)
    return tip


def write(*, tip: Tip, actor: Any, kind: str, text: str) -> TipMessage:
    """A question to the reporter, an internal note, or the police's progress."""
    text = text.strip()
    if not text:
        raise TipRefused(_("Write something first."), code="empty")
    if kind == TipMessage.Kind.PROGRESS:
        if not is_station_liaison(actor, tip):
            raise NotAllowed(_("Only the police of the station it was forwarded to may answer."))
    elif kind in (TipMessage.Kind.QUESTION, TipMessage.Kind.NOTE):
        _mine(tip, actor)
    else:
        raise TipRefused(_("Unknown kind of message."), code="invalid")
    with transaction.atomic():
        message = TipMessage.objects.create(tip=tip, kind=kind, author=actor, text=text[:4000])
        _log(actor, "message_written", tip, kind=kind)
    return message


def answer_question(*, tip: Tip, text: str) -> TipMessage:
    """The reporter answers from the tracking page (they have no account)."""
    text = text.strip()
    if not text:
        raise TipRefused(_("Write something first."), code="empty")
    if not tip.takes_answers:
        raise Conflict(_("This tip is closed."), code="closed")
    if not tip.messages.filter(kind=TipMessage.Kind.QUESTION).exists():
        raise Conflict(_("Nobody has asked you anything yet."), code="no_question")
    with transaction.atomic():
        message = TipMessage.objects.create(tip=tip, kind=TipMessage.Kind.ANSWER, text=text[:4000])
        _log(None, "answered", tip)
    return message


def mark_spam(*, tips: list[Tip], actor: Any) -> int:
    """Into the spam folder, one or many at once; restorable. Only tips still with the moderators
    and held by nobody else move (a tip someone holds is theirs to judge), and only those that
    moved leave a trace."""
    _moderator(actor)
    with transaction.atomic():
        movable = list(
            Tip.objects.select_for_update()
            .filter(pk__in=[tip.pk for tip in tips], status__in=OPEN_STATUSES)
            .filter(Q(assigned_to__isnull=True) | Q(assigned_to=actor))
            .order_by("pk")
        )
        if not movable:
            return 0
        Tip.objects.filter(pk__in=[tip.pk for tip in movable]).update(status=Tip.Status.SPAM)
        audit.record_many(
            actor=actor, action="tips.tip.marked_spam", entries=[(tip, {}) for tip in movable]
        )
        for tip in movable:  # the moderators' verdicts teach the screening
            screening.learn(normalised=tip.normalised, is_spam=True)
    return len(movable)


def restore(*, tip: Tip, actor: Any) -> Tip:
    """Out of the spam folder, back into the queue; a tip not in the folder stays as it is."""
    _moderator(actor)
    with transaction.atomic():
        if Tip.objects.filter(pk=tip.pk, status=Tip.Status.SPAM).update(status=Tip.Status.NEW):
            _log(actor, "restored", tip)
            screening.learn(normalised=tip.normalised, is_spam=False)
    tip.refresh_from_db()
    return tip


def merge(*, tip: Tip, into: Tip, actor: Any) -> Tip:
    """Merge a duplicate into another tip: its reporter follows the other tip's outcome. The
    duplicate must still be with the moderators (never one the police have); the tip it merges
    into may have gone on to the police, as twenty reports of one fire join the one they have."""
    _moderator(actor)
    if tip.pk == into.pk:
        raise TipRefused(_("Merge into another tip that is not merged itself."), code="invalid")
    with transaction.atomic():
        target = Tip.objects.select_for_update().filter(pk=into.pk).first()
        if target is None or target.status in (Tip.Status.MERGED, Tip.Status.SPAM):
            # What became of the other tip meanwhile decides, not the request.
            raise Conflict(
                _("Merge into another tip that is not merged itself."), code="wrong_status"
            )
        done = (
            Tip.objects.filter(pk=tip.pk, status__in=OPEN_STATUSES)
            .filter(Q(assigned_to__isnull=True) | Q(assigned_to=actor))
            .update(status=Tip.Status.MERGED, merged_into=into)
        )
        if not done:
            raise Conflict(
                _(
                    "Only a tip still with the moderators, and not held by another moderator, "
                    "can be merged."
                ),
                code="wrong_status",
            )
        Tip.objects.filter(merged_into=tip).update(merged_into=into)
        _log(actor, "merged", tip, into=into.pk)
    tip.refresh_from_db()
    return tip


def close(*, tip: Tip, actor: Any, reason: str, public_answer: str = "") -> Tip:
    _mine(tip, actor)
    if not reason.strip():
        raise TipRefused(_("Say why the tip is closed."), code="reason_needed")
    with transaction.atomic():
        done = Tip.objects.filter(pk=tip.pk, status__in=CLOSABLE).update(
            status=Tip.Status.CLOSED,
            closed_at=timezone.now(),
            close_reason=reason.strip()[:300],
            public_answer=public_answer.strip()[:2000],
        )
        if not done:
            raise Conflict(_("This tip cannot be closed now."), code="wrong_status")
        _log(actor, "closed", tip)
    tip.refresh_from_db()
    return tip


def forward(*, tip: Tip, actor: Any, area: Area, summary: str) -> Tip:
    """Forward to the police station of the area, with a summary the moderator writes."""
    _mine(tip, actor)
    station = area.police_station()
    if station is None:
        raise Conflict(_("No police station is set for this area."), code="no_station")
    if not summary.strip():
        raise TipRefused(_("Write a summary for the police."), code="summary_needed")
    with transaction.atomic():
        done = Tip.objects.filter(pk=tip.pk, status__in=OPEN_STATUSES).update(
            status=Tip.Status.FORWARDED,
            area=area,
            station=station,
            forwarded_at=timezone.now(),
            forward_summary=summary.strip()[:4000],
            acknowledged_at=timezone.now() if tip.acknowledged_at is None else tip.acknowledged_at,
        )
        if not done:
            raise Conflict(_("This tip cannot be forwarded now."), code="wrong_status")
        _log(actor, "forwarded", tip, station=station.pk)
    tip.refresh_from_db()
    return tip


def accept(*, tip: Tip, actor: Any) -> Tip:
    if not is_station_liaison(actor, tip):
        raise NotAllowed(_("Only the police of the station it was forwarded to may accept it."))
    with transaction.atomic():
        done = Tip.objects.filter(pk=tip.pk, status=Tip.Status.FORWARDED).update(
            status=Tip.Status.ACCEPTED, accepted_at=timezone.now(), accepted_by=actor
        )
        if done:
            _log(actor, "accepted", tip)
    tip.refresh_from_db()
    return tip


def record_outcome(
    *, tip: Tip, actor: Any, outcome: str, public_answer: str, note: str = ""
) -> Tip:
    """The police's outcome. It flows back to the moderators, and in words fit for the public
    (written here by the police) to the reporter's tracking page, and to merged tips'."""
    if not is_station_liaison(actor, tip):
        raise NotAllowed(_("Only the police of the station it was forwarded to may answer."))
    if outcome not in Tip.Outcome.values:
        raise TipRefused(_("Choose an outcome."), code="invalid")
    if not public_answer.strip():
        raise TipRefused(_("Write a few words the reporter may read."), code="answer_needed")
    now = timezone.now()
    with transaction.atomic():
        done = Tip.objects.filter(
            pk=tip.pk, status__in=(Tip.Status.FORWARDED, Tip.Status.ACCEPTED)
        ).update(
            status=Tip.Status.CLOSED,
            outcome=outcome,
            outcome_at=now,
            closed_at=now,
            public_answer=public_answer.strip()[:2000],
            accepted_at=tip.accepted_at or now,
            accepted_by=tip.accepted_by or actor,
        )
        if not done:
            raise Conflict(_("This tip cannot be answered now."), code="wrong_status")
        if note.strip():
            TipMessage.objects.create(
                tip=tip, kind=TipMessage.Kind.PROGRESS, author=actor, text=note.strip()[:4000]
            )
        _log(actor, "outcome_recorded", tip, outcome=outcome)
    tip.refresh_from_db()
    return tip


def overdue(now: dt.datetime | None = None) -> Any:
    """Tips past a clock they have not been escalated for: not acknowledged in time, or
    acknowledged but neither forwarded nor closed in time (each clock escalates once)."""
    now = now or timezone.now()
    return Tip.objects.filter(
        Q(status=Tip.Status.NEW, ack_due_at__lt=now, escalated_at__isnull=True)
        | Q(status=Tip.Status.ACKNOWLEDGED, resolve_due_at__lt=now)
        & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("resolve_due_at")))
    )
