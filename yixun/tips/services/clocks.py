"""Every tip has clocks: acknowledged within 15 minutes if urgent, 2 hours otherwise; forwarded
or closed within the officers' deadline. A tip that misses its clock is escalated, visibly: to
the next moderator on duty and to the officers. Contact details are erased after retention, a
batch at a time (`erase_expired_contacts`, kept in yixun.tips.services.retention with the photos'
rule and named here too for `manage.py tip_clocks`)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.tips.models import Tip
from yixun.tips.services import alerts
from yixun.tips.services.duty import moderators, moderators_on_duty
from yixun.tips.services.retention import erase_expired_contacts as erase_expired_contacts
from yixun.tips.services.triage import overdue


def _next_moderator(tip: Tip) -> User | None:
    """Whoever is on duty and is not the one who let the clock run out; else any moderator."""
    for pool in (moderators_on_duty(), list(moderators().order_by("pk"))):
        for person in pool:
            if person.pk != tip.assigned_to_id:
                return person
    return None


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate every tip past its clock, once. Safe to run from several workers at once."""
    now = now or timezone.now()
    officers = list(User.objects.filter(is_active=True, role_grants__role=Role.OFFICER).distinct())
    count = 0
    for tip in overdue(now).select_related("assigned_to"):
        successor = _next_moderator(tip)
        with transaction.atomic():
            won = (
                overdue(now)
                .filter(pk=tip.pk)
                .update(
                    escalated_at=now,
                    assigned_to=successor or tip.assigned_to,
                    assigned_at=now if successor else tip.assigned_at,
                )
            )
            if not won:
                continue
            audit.record(
                actor=None,
                action="tips.tip.escalated",
                target=tip,
                data={"from": tip.assigned_to_id, "to": successor.pk if successor else None},
            )
            # Queued in this transaction: the messages and the escalation commit together, so a
            # worker killed just after the commit loses neither.
            alerts.escalate(tip, officers, [successor] if successor else [])
        count += 1
    return count


def start_clocks(tip: Tip) -> None:
    """Queue a look at the tip when each of its clocks runs out."""
    from yixun.tips.tasks import check_clock

    with transaction.atomic():
        for due in (tip.ack_due_at, tip.resolve_due_at):
            check_clock.using(run_after=due + dt.timedelta(seconds=1)).enqueue(tip.pk)
