"""Making, changing and cancelling shifts, by hand or from templates."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.locks import serialize
from yixun.members.models import Skill
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift, ShiftKind, ShiftTemplate, WaitlistEntry
from yixun.shifts.services import schooldays
from yixun.shifts.services.claims import promote_next, schedule_reminders
from yixun.shifts.services.errors import NotAllowed, ShiftConflict, ShiftError
from yixun.shifts.services.notify import tell, when

# What a shift is made of; a change to any of these is news to the people on it.
FIELDS = (
    "kind",
    "starts_at",
    "ends_at",
    "area",
    "route",
    "site",
    "min_people",
    "capacity",
    "required_skills",
    "notes",
)
NEWS = {"kind", "starts_at", "ends_at", "area", "route", "site"}


def _require_planner(actor: Any) -> None:
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only an officer of the association may plan shifts."))


def validate(values: dict[str, Any]) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise ShiftError(_("A shift must end after it starts."), code="bad_times")
    if values["ends_at"] - values["starts_at"] > dt.timedelta(hours=24):
        raise ShiftError(_("A shift may last at most 24 hours."), code="too_long")
    if values["kind"] != ShiftKind.MODERATION and not (
        values.get("area") or values.get("route") or values.get("site")
    ):
        raise ShiftError(_("Choose where: an area, a route or a site."), code="no_place")
    if not 1 <= values["capacity"] <= 200 or values["min_people"] > values["capacity"]:
        raise ShiftError(
            _("The most people must be at least 1, and at least the fewest."), code="bad_capacity"
        )
    skills = values.get("required_skills") or {}
    if any(
        skill not in Skill.values or not 0 < int(count) <= values["capacity"]
        for skill, count in skills.items()
    ):
        raise ShiftError(_("The skills needed do not fit the shift."), code="bad_skills")


def create_shift(*, actor: Any, **values: Any) -> Shift:
    _require_planner(actor)
    values.setdefault("required_skills", {})
    validate(values)
    with transaction.atomic():
        shift = Shift.objects.create(**values)
        audit.record(actor=actor, action="shifts.shift.created", target=shift)
    return shift


def update_shift(*, shift: Shift, actor: Any, **changes: Any) -> Shift:
    """Change a shift. The people on it are told when its time or place changes, and their
    calendars and reminders follow (the shift's sequence is bumped). `actor` None is the
    template, which leaves a shift alone once a person has changed it."""
    if actor is not None:
        _require_planner(actor)
    values = {name: changes.get(name, getattr(shift, name)) for name in FIELDS}
    validate(values)
    changed = {name for name in FIELDS if values[name] != getattr(shift, name)}
    if not changed:
        return shift
    with transaction.atomic():
        locked = Shift.objects.select_for_update().get(pk=shift.pk)
        if actor is None and (locked.is_detached or locked.is_cancelled):
            return locked  # changed or cancelled by a person since the plan was read
        if values["capacity"] < locked.taken:
            raise ShiftConflict(
                _("%(n)d people are on this shift already; release some before lowering the limit.")
                % {"n": locked.taken},
                code="capacity_below_taken",
            )
        for name in changed:
            setattr(locked, name, values[name])
        locked.sequence = F("sequence") + 1
        locked.updated_at = timezone.now()
        locked.is_detached = locked.is_detached or actor is not None  # a person's change stays
        locked.save(update_fields=[*changed, "sequence", "updated_at", "is_detached"])
        locked.refresh_from_db()
        audit.record(
            actor=actor,
            action="shifts.shift.changed",
            target=locked,
            data={"fields": sorted(changed)},
        )
        claims = list(locked.claims.active().select_related("member__user", "shift"))
        for claim in claims:
            schedule_reminders(claim)
            if changed & NEWS:
                with translation.override(claim.member.user.language):
                    tell(
                        claim.member,
                        _("Your patrol has changed: %(shift)s") % {"shift": locked},
                        _("It is now %(when)s at %(place)s.")
                        % {"when": when(locked), "place": locked.place_name},
                    )
        if "capacity" in changed:
            while promote_next(shift=locked):
                pass
    return locked


def cancel_shift(*, shift: Shift, actor: Any, reason: str | Promise) -> Shift:
    """Cancel a shift: everyone on it and waiting for it is told; it leaves their calendars.
    The reason may be a lazy translation: each person reads it in their own language."""
    if actor is not None:
        _require_planner(actor)
    with transaction.atomic():
        updated = Shift.objects.filter(pk=shift.pk, status=Shift.Status.SCHEDULED).update(
            status=Shift.Status.CANCELLED,
            sequence=F("sequence") + 1,
            updated_at=timezone.now(),
            taken=0,
        )
        shift.refresh_from_db()
        if not updated:
            return shift
        claims = list(shift.claims.active().select_related("member__user"))
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
            status=Claim.Status.RELEASED,
            released_at=timezone.now(),
            released_by=actor if getattr(actor, "pk", None) else None,
            release_reason=str(reason)[:200],
        )
        waiting = list(
            WaitlistEntry.objects.filter(
                shift=shift, status=WaitlistEntry.Status.WAITING
            ).select_related("member__user")
        )
        WaitlistEntry.objects.filter(pk__in=[entry.pk for entry in waiting]).update(
            status=WaitlistEntry.Status.LEFT
        )
        audit.record(
            actor=actor,
            action="shifts.shift.cancelled",
            target=shift,
            data={"reason": str(reason)},
        )
        for member in [claim.member for claim in claims] + [entry.member for entry in waiting]:
            with translation.override(member.user.language):
                tell(
                    member,
                    _("Patrol cancelled: %(shift)s") % {"shift": shift},
                    _("The patrol of %(when)s is cancelled. %(reason)s")
                    % {"when": when(shift), "reason": reason},
                )
    return shift


@dataclass(frozen=True)
class Generated:
    created: int
    updated: int
    cancelled: int
    kept: int = 0  # shifts the plan would change but cannot (more people on it than it allows)

    def summary(self) -> str:
        text = _("%(created)d shifts made, %(updated)d changed, %(cancelled)d cancelled.") % {
            "created": self.created,
            "updated": self.updated,
            "cancelled": self.cancelled,
        }
        if self.kept:
            text += " " + _(
                "%(n)d kept as they were: more people are on them than the plan allows."
            ) % {"n": self.kept}
        return text


def parse_slots(slots: list[list[str]]) -> list[tuple[dt.time, dt.time]]:
    parsed = []
    for start, end in slots:
        parsed.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    return parsed


def planned(template: ShiftTemplate, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]:
    """The shifts the template asks for from first to last, by their key in the template
    ("day|slot|site"), as field values."""
    if not template.is_active or first > last:
        return {}
    days = list(schooldays.days(first, last))
    if template.weekdays:
        days = [day for day in days if day.weekday() in template.weekdays]
    if template.school_days_only:
        open_days = schooldays.school_days(first, last)
        days = [day for day in days if day in open_days]
    sites: list[Site | None] = [*template.sites.all()] or [None]
    wanted: dict[str, dict[str, Any]] = {}
    for day in days:
        for index, (start, end) in enumerate(parse_slots(template.slots)):
            starts_at = timezone.make_aware(dt.datetime.combine(day, start))
            end_day = (
                day if end > start else day + dt.timedelta(days=1)
            )  # a night shift ends tomorrow
            ends_at = timezone.make_aware(dt.datetime.combine(end_day, end))
            for site in sites:
                wanted[f"{day.isoformat()}|{index}|{site.pk if site else 0}"] = {
                    "kind": template.kind,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "area": template.area if site is None else None,
                    "route": template.route if site is None else None,
                    "site": site,
                    "min_people": template.min_people,
                    "capacity": template.capacity,
                    "required_skills": template.required_skills or {},
                    "notes": template.notes,
                }
    return wanted


def generate(
    *, template: ShiftTemplate, actor: Any = None, today: dt.date | None = None
) -> Generated:
    """Bring the template's future shifts in line with it: make the missing ones, change the
    ones that differ, cancel the ones it no longer wants. Shifts that have started are history
    and are never touched."""
    now = timezone.now()
    today = today or timezone.localdate()
    last = today + dt.timedelta(weeks=template.weeks_ahead)
    if template.ends_on:
        last = min(last, template.ends_on)
    wanted = {
        key: values
        for key, values in planned(template, max(today, template.starts_on), last).items()
        if values["starts_at"] > now
    }
    created = updated = cancelled = kept = 0
    with transaction.atomic():
        serialize(f"shifts.template.{template.pk}")
        existing = {
            shift.template_key: shift
            for shift in Shift.objects.filter(template=template, starts_at__gt=now).select_related(
                "area", "route", "site"
            )
        }
        # Slots whose shift has started already (a time moved earlier today) are history too.
        started = set(
            Shift.objects.filter(
                template=template, starts_at__lte=now, template_key__in=wanted
            ).values_list("template_key", flat=True)
        )
        new = []
        for key, values in wanted.items():
            shift = existing.get(key)
            if shift is None:
                if key not in started:
                    new.append(
                        Shift(template=template, template_key=key, squad=template.squad, **values)
                    )
            elif shift.is_cancelled or shift.is_detached:
                continue  # cancelled or changed by hand: the plan does not overrule a person
            elif any(values[name] != getattr(shift, name) for name in FIELDS):
                try:
                    update_shift(shift=shift, actor=None, **values)
                except ShiftError:  # e.g. fewer places than people on it: leave it for a person
                    kept += 1
                else:
                    updated += 1
        # Two runs at once (a save and the nightly command) wait for each other; should one
        # slip through anyway, the constraint on (template, key) keeps each slot once.
        before = Shift.objects.filter(template=template).count()
        Shift.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        created = Shift.objects.filter(template=template).count() - before
        for key, shift in existing.items():
            if key not in wanted and not shift.is_cancelled and not shift.is_detached:
                cancel_shift(shift=shift, actor=None, reason=_lazy("The plan was changed."))
                cancelled += 1
        if created or updated or cancelled:
            audit.record(
                actor=actor,
                action="shifts.shift_template.generated",
                target=template,
                data={
                    "created": created,
                    "updated": updated,
                    "cancelled": cancelled,
                    "kept": kept,
                },
            )
    return Generated(created, updated, cancelled, kept)


TEMPLATE_FIELDS = (
    "name", "kind", "area", "route", "squad", "weekdays", "school_days_only", "slots", "min_people",
    "capacity", "required_skills", "starts_on", "ends_on", "weeks_ahead", "is_active", "notes",
)  # fmt: skip


def save_template(
    *,
    actor: Any,
    template: ShiftTemplate | None = None,
    sites: list[Any] | None = None,
    **values: Any,
) -> tuple[ShiftTemplate, Generated]:
    """Create or change a template, then make its shifts: future ones follow, past ones stay."""
    _require_planner(actor)
    try:
        slots = parse_slots(values.get("slots") or [])
    except (TypeError, ValueError):
        raise ShiftError(_("Write each time as HH:MM."), code="bad_slots") from None
    if not slots:
        raise ShiftError(_("Give at least one time, such as 07:10–08:00."), code="bad_slots")
    if any(start == end for start, end in slots):
        raise ShiftError(_("A time must end after it starts."), code="bad_slots")
    if values.get("min_people", 1) > values.get("capacity", 1) or values.get("capacity", 1) < 1:
        raise ShiftError(
            _("The most people must be at least 1, and at least the fewest."), code="bad_capacity"
        )
    if any(day not in range(7) for day in values.get("weekdays") or []):
        raise ShiftError(_("Weekdays run from 0 (Monday) to 6 (Sunday)."), code="bad_weekdays")
    if values.get("kind") != ShiftKind.MODERATION and not (
        values.get("area") or values.get("route") or sites
    ):
        raise ShiftError(_("Choose where: an area, a route or sites."), code="no_place")
    with transaction.atomic():
        creating = template is None
        template = template or ShiftTemplate()
        for name in TEMPLATE_FIELDS:
            if name in values:
                setattr(template, name, values[name])
        template.save()
        if sites is not None:
            template.sites.set(sites)
        audit.record(
            actor=actor,
            action="shifts.shift_template." + ("created" if creating else "changed"),
            target=template,
        )
        result = generate(template=template, actor=actor)
    return template, result
