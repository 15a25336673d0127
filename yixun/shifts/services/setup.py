"""What officers and the police keep: the claiming rules, briefings, terms, the police's patrols."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.members.models import Member
from yixun.shifts.models import (
    BriefingAcknowledgement,
    ClaimRules,
    PolicePatrol,
    SafetyBriefing,
    SchoolHoliday,
    Term,
)
from yixun.shifts.services.errors import NotAllowed, ShiftError
from yixun.shifts.services.rules import current_briefing

RULE_FIELDS = (
    "release_deadline_hours", "uninsured_no_night", "uninsured_no_special", "night_starts", "night_ends",
    "newcomer_patrols", "experienced_patrols", "remind_evening_at", "remind_minutes_before",
)  # fmt: skip


def _require(actor: Any, *roles: str) -> None:
    if not any(has_role(actor, role) for role in roles):
        raise NotAllowed(_("You may not change this."))


def update_rules(*, actor: Any, **values: Any) -> ClaimRules:
    _require(actor, Role.OFFICER)
    with transaction.atomic():
        rules = ClaimRules.current()
        changed = {
            name: str(value)
            for name, value in values.items()
            if name in RULE_FIELDS and getattr(rules, name) != value
        }
        for name in changed:
            setattr(rules, name, values[name])
        rules.save()
        if changed:
            audit.record(
                actor=actor, action="shifts.claim_rules.changed", target=rules, data=changed
            )
    return rules


def publish_briefing(*, kind: str, title: str, body: str, actor: Any) -> SafetyBriefing:
    _require(actor, Role.OFFICER)
    if not body.strip():
        raise ShiftError(_("The text is empty."), code="empty")
    with transaction.atomic():
        latest = (
            SafetyBriefing.objects.filter(kind=kind).aggregate(latest=Max("version"))["latest"] or 0
        )
        briefing = SafetyBriefing.objects.create(
            kind=kind, version=latest + 1, title=title.strip(), body=body, published_by=actor
        )
        audit.record(
            actor=actor,
            action="shifts.safety_briefing.published",
            target=briefing,
            data={"kind": kind},
        )
    return briefing


def acknowledge_briefing(*, member: Member, kind: str) -> BriefingAcknowledgement | None:
    briefing = current_briefing(kind)
    if briefing is None:
        return None
    with transaction.atomic():
        acknowledgement, created = BriefingAcknowledgement.objects.get_or_create(
            member=member, briefing=briefing
        )
        if created:
            audit.record(
                actor=member.user, action="shifts.safety_briefing.acknowledged", target=briefing
            )
    return acknowledgement


def save_term(*, actor: Any, term: Term | None = None, **values: Any) -> Term:
    _require(actor, Role.OFFICER)
    if values["ends_on"] < values["starts_on"]:
        raise ShiftError(_("A term cannot end before it starts."), code="bad_period")
    with transaction.atomic():
        term = term or Term()
        for name, value in values.items():
            setattr(term, name, value)
        term.save()
        audit.record(actor=actor, action="shifts.term.saved", target=term)
    return term


def save_holiday(
    *, actor: Any, holiday: SchoolHoliday | None = None, **values: Any
) -> SchoolHoliday:
    _require(actor, Role.OFFICER)
    if values["ends_on"] < values["starts_on"]:
        raise ShiftError(_("A holiday cannot end before it starts."), code="bad_period")
    with transaction.atomic():
        holiday = holiday or SchoolHoliday()
        for name, value in values.items():
            setattr(holiday, name, value)
        holiday.save()
        audit.record(actor=actor, action="shifts.school_holiday.saved", target=holiday)
    return holiday


def delete_term(*, actor: Any, term: Term) -> None:
    _require(actor, Role.OFFICER)
    with transaction.atomic():
        audit.record(actor=actor, action="shifts.term.deleted", target=term)
        term.delete()


def delete_holiday(*, actor: Any, holiday: SchoolHoliday) -> None:
    _require(actor, Role.OFFICER)
    with transaction.atomic():
        audit.record(actor=actor, action="shifts.school_holiday.deleted", target=holiday)
        holiday.delete()


def save_police_patrol(
    *, actor: Any, patrol: PolicePatrol | None = None, **values: Any
) -> PolicePatrol:
    """The police's own patrol timetable, entered by a liaison (or an officer)."""
    _require(actor, Role.POLICE, Role.OFFICER)
    if not (values.get("area") or values.get("site") or values.get("route")):
        raise ShiftError(_("Choose where: an area, a route or a site."), code="no_place")
    if not values.get("weekdays") or any(day not in range(7) for day in values["weekdays"]):
        raise ShiftError(_("Choose the weekdays."), code="bad_weekdays")
    if values.get("valid_until") and values["valid_until"] < values["valid_from"]:
        raise ShiftError(_("It cannot end before it starts."), code="bad_period")
    with transaction.atomic():
        creating = patrol is None
        patrol = patrol or PolicePatrol(created_by=actor)
        for name, value in values.items():
            setattr(patrol, name, value)
        patrol.save()
        audit.record(
            actor=actor,
            action="shifts.police_patrol." + ("created" if creating else "changed"),
            target=patrol,
        )
    return patrol


def delete_police_patrol(*, actor: Any, patrol: PolicePatrol) -> None:
    _require(actor, Role.POLICE, Role.OFFICER)
    with transaction.atomic():
        audit.record(actor=actor, action="shifts.police_patrol.deleted", target=patrol)
        patrol.delete()
