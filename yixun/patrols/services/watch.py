"""Who is on duty right now, as one person may see it: the one rule behind the page and the API.

Officers and police liaisons see everyone, with how to reach each squad's leader, and each look
that shows anyone is recorded (positions and leaders' phone numbers were shown); a squad leader
sees their squad's duties and those on their squad's shifts; nobody else sees any."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.members.models import squads_led_by
from yixun.patrols.models import Duty, DutyQuerySet
from yixun.patrols.services.errors import NotAllowed

RELATED = ("member__user", "squad__leader", "shift__site", "shift__route", "shift__area")


@dataclass(frozen=True)
class OnDuty:
    duties: DutyQuerySet
    sees_leaders: bool  # the leaders' phone numbers


def sees_leaders(user: Any) -> bool:
    return has_role(user, Role.OFFICER) or has_role(user, Role.POLICE)


def watch_on_duty(*, user: Any) -> OnDuty:
    """Who is on duty now for this person, by squad; NotAllowed for anyone without the right."""
    watcher = sees_leaders(user)
    if not watcher and not squads_led_by(user).exists():
        raise NotAllowed(_("Only officers, the police and squad leaders see who is on duty."))
    duties = (
        Duty.objects.visible_to(user)
        .on_duty_now()
        .select_related(*RELATED)
        .order_by("squad__name", "checked_in_at", "pk")
    )
    if watcher and (people := duties.count()):
        audit.record(actor=user, action="patrols.on_duty.viewed", data={"people": people})
    return OnDuty(duties=duties, sees_leaders=watcher)
