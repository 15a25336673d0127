"""Templates make shifts ahead: school days, weekdays, slots and sites; edits follow the future only."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from unittest import mock

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.places.models import Area, Site
from yixun.places.services import save_route
from yixun.shifts.models import Claim, ClaimRules, SchoolHoliday, Shift, ShiftTemplate, Term
from yixun.shifts.services import claims, planning, schooldays
from yixun.shifts.services.errors import NotAllowed, ShiftError


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


def make_school(area: Area, name: str, offset: int = 0) -> Site:
    return Site.objects.create(
        name=name,
        kind="school",
        area=area,
        latitude=Decimal("30.600000") + Decimal(offset) / 1000,
        longitude=Decimal("114.300000"),
        watch_from=dt.time(7, 0),
        watch_until=dt.time(18, 0),
    )


@pytest.fixture
def school(town: Area) -> Site:
    return make_school(town, "城关一中")


@pytest.fixture
def newcomers_may_claim(db: None) -> None:
    """Let the cast claim shifts on their own (the newcomer rule is tested with the claims)."""
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def days_of(plan: dict[str, dict[str, Any]]) -> set[dt.date]:
    return {local(values["starts_at"]).date() for values in plan.values()}


def template_shifts(template: ShiftTemplate) -> list[Shift]:
    return list(Shift.objects.filter(template=template).order_by("starts_at", "site_id"))


def messages_to(outbox: list[Any], user: Any) -> list[Any]:
    return [message for message in outbox if message.to == user.phone]


# School days


def test_a_school_day_template_plans_only_working_days_inside_a_term(school: Site) -> None:
    # Around the 2026 Mid-Autumn and National Day holidays, with their make-up working days.
    Term.objects.create(
        name="2026 秋季学期", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 1, 20)
    )
    sports_day = dt.date(2026, 9, 16)
    SchoolHoliday.objects.create(name="运动会", starts_on=sports_day, ends_on=sports_day)
    template = ShiftTemplate.objects.create(
        name="护校早岗",
        kind="school_gate",
        school_days_only=True,
        slots=[["07:10", "08:00"]],
        starts_on=dt.date(2026, 8, 1),
    )
    template.sites.set([school])
    first, last = dt.date(2026, 8, 24), dt.date(2026, 10, 16)

    days = days_of(planning.planned(template, first, last))

    expected = {
        day
        for day in days_between(dt.date(2026, 9, 1), last)
        if chinese_calendar.is_workday(day) and day != sports_day
    }
    assert days == expected
    assert not any(day < dt.date(2026, 9, 1) for day in days)  # before the term
    assert sports_day not in days
    holidays_on_weekdays = [
        day
        for day in days_between(dt.date(2026, 9, 1), last)
        if day.weekday() < 5 and not chinese_calendar.is_workday(day)
    ]
    assert holidays_on_weekdays  # the range does hold public holidays
    assert not days & set(holidays_on_weekdays)
    make_up_days = [
        day
        for day in days_between(dt.date(2026, 9, 1), last)
        if day.weekday() >= 5 and chinese_calendar.is_workday(day)
    ]
    assert make_up_days  # and make-up working days at the weekend
    assert set(make_up_days) <= days


def test_a_year_the_calendar_package_does_not_know_counts_its_weekdays(school: Site) -> None:
    year = schooldays.known_holiday_years().stop  # the first year after the last one it knows
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(year, 1, 5))
    first, last = dt.date(year, 1, 1), dt.date(year, 1, 21)
    Term.objects.create(name=f"{year} 春季学期", starts_on=first, ends_on=last)
    template = ShiftTemplate.objects.create(
        name="护校早岗",
        kind="school_gate",
        school_days_only=True,
        slots=[["07:10", "08:00"]],
        starts_on=first,
    )
    template.sites.set([school])

    days = days_of(planning.planned(template, first, last))

    assert days == {day for day in days_between(first, last) if day.weekday() < 5}


def test_school_day_shifts_are_made_ahead_only_on_school_days(officer, town, school) -> None:
    start = tomorrow()
    Term.objects.create(name="本学期", starts_on=start, ends_on=start + dt.timedelta(days=40))
    holiday = start + dt.timedelta(days=((0 - start.weekday()) % 7) + 7)  # a Monday
    SchoolHoliday.objects.create(name="期中考试后休息", starts_on=holiday, ends_on=holiday)

    template, result = planning.save_template(
        actor=officer,
        name="护校早晚岗",
        kind="school_gate",
        school_days_only=True,
        slots=[["07:10", "08:00"]],
        starts_on=start,
        weeks_ahead=8,
        sites=[school],
    )

    shifts = template_shifts(template)
    made = {local(shift.starts_at).date() for shift in shifts}
    expected = {
        day
        for day in days_between(start, start + dt.timedelta(days=40))
        if schooldays.is_workday(day) and day != holiday
    }
    assert made == expected
    assert result.created == len(shifts) == len(expected)
    assert all(shift.kind == "school_gate" and shift.site == school for shift in shifts)


# Weekdays, slots, sites


def test_a_weekday_template_makes_shifts_on_those_weekdays_on_its_route(officer, town) -> None:
    a = make_school(town, "东门", 0)
    b = make_school(town, "西门", 9)
    route = save_route(
        actor=officer, name="老街夜巡线", kind="road", setting="town", area=town, stops=[a, b]
    )
    start = tomorrow()

    template, _result = planning.save_template(
        actor=officer,
        name="周五周六夜巡",
        kind="patrol",
        route=route,
        weekdays=[4, 5],
        slots=[["20:00", "23:00"]],
        starts_on=start,
        weeks_ahead=3,
    )

    shifts = template_shifts(template)
    horizon = timezone.localdate() + dt.timedelta(weeks=3)
    expected = [day for day in days_between(start, horizon) if day.weekday() in (4, 5)]
    assert [local(shift.starts_at).date() for shift in shifts] == expected
    for shift in shifts:
        assert local(shift.starts_at).time() == dt.time(20, 0)
        assert local(shift.ends_at).time() == dt.time(23, 0)
        assert local(shift.ends_at).date() == local(shift.starts_at).date()
        assert (shift.route, shift.site, shift.area) == (route, None, None)


def test_one_shift_per_site_per_slot(officer, town) -> None:
    sites = [make_school(town, name, n) for n, name in enumerate(["一小", "二小", "三小"])]
    start = tomorrow()
    template, result = planning.save_template(
        actor=officer,
        name="护校",
        kind="school_gate",
        slots=[["07:10", "08:00"], ["16:30", "17:30"]],
        starts_on=start,
        ends_on=start + dt.timedelta(days=2),
        sites=sites,
    )

    shifts = template_shifts(template)
    assert result.created == len(shifts) == 3 * 2 * 3  # days × slots × sites
    slots = {
        (local(s.starts_at).date(), local(s.starts_at).time(), local(s.ends_at).time(), s.site_id)
        for s in shifts
    }
    assert slots == {
        (day, start_time, end_time, site.pk)
        for day in days_between(start, start + dt.timedelta(days=2))
        for start_time, end_time in (
            (dt.time(7, 10), dt.time(8)),
            (dt.time(16, 30), dt.time(17, 30)),
        )
        for site in sites
    }
    assert all(shift.area is None and shift.route is None for shift in shifts)


def test_a_night_slot_ends_the_next_morning(officer, town) -> None:
    start = tomorrow()
    template, _result = planning.save_template(
        actor=officer,
        name="通宵巡逻",
        kind="patrol",
        area=town,
        slots=[["20:00", "02:00"]],
        starts_on=start,
        ends_on=start,
    )

    [shift] = template_shifts(template)
    assert local(shift.starts_at) == timezone.make_aware(dt.datetime.combine(start, dt.time(20)))
    assert local(shift.ends_at) == timezone.make_aware(
        dt.datetime.combine(start + dt.timedelta(days=1), dt.time(2))
    )
    assert shift.hours == 6
    assert shift.area == town


def test_generating_twice_makes_nothing_new(officer, town, school) -> None:
    start = tomorrow()
    template, first = planning.save_template(
        actor=officer,
        name="护校",
        kind="school_gate",
        slots=[["07:10", "08:00"]],
        starts_on=start,
        weeks_ahead=2,
        sites=[school],
    )
    before = {(s.pk, s.sequence) for s in template_shifts(template)}

    again = planning.generate(template=template)

    assert first.created > 0
    assert (again.created, again.updated, again.cancelled) == (0, 0, 0)
    assert {(s.pk, s.sequence) for s in template_shifts(template)} == before
    assert AuditEntry.objects.filter(action="shifts.shift_template.generated").count() == 1


def test_the_daily_command_generates_every_active_template(town) -> None:
    start = tomorrow()
    active = ShiftTemplate.objects.create(
        name="日常巡逻",
        area=town,
        slots=[["09:00", "11:00"]],
        starts_on=start,
        ends_on=start + dt.timedelta(days=2),
    )
    resting = ShiftTemplate.objects.create(
        name="暂停的巡逻",
        area=town,
        slots=[["09:00", "11:00"]],
        starts_on=start,
        ends_on=start + dt.timedelta(days=2),
        is_active=False,
    )

    out = io.StringIO()
    call_command("generate_shifts", stdout=out)

    assert len(template_shifts(active)) == 3
    assert template_shifts(resting) == []
    assert "日常巡逻" in out.getvalue()
    assert "暂停的巡逻" not in out.getvalue()

    again = io.StringIO()
    call_command("generate_shifts", stdout=again)
    assert len(template_shifts(active)) == 3
    assert again.getvalue() == ""


# Editing a template


def test_new_times_move_the_future_shifts_and_tell_the_people_on_them(
    officer, volunteer, town, school, outbox, newcomers_may_claim
) -> None:
    start = tomorrow()
    values: dict[str, Any] = {
        "name": "护校",
        "kind": "school_gate",
        "slots": [["07:10", "08:00"]],
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=6),
        "sites": [school],
    }
    template, _result = planning.save_template(actor=officer, **values)
    shifts = template_shifts(template)
    held = shifts[2]
    claims.claim_shift(shift=held, member=volunteer.membership, actor=volunteer)
    outbox.clear()

    template, result = planning.save_template(
        actor=officer, template=template, **{**values, "slots": [["07:00", "08:10"]]}
    )

    assert (result.created, result.updated, result.cancelled) == (0, len(shifts), 0)
    after = template_shifts(template)
    assert [s.pk for s in after] == [s.pk for s in shifts]  # the same shifts, moved
    assert {(local(s.starts_at).time(), local(s.ends_at).time()) for s in after} == {
        (dt.time(7, 0), dt.time(8, 10))
    }
    held.refresh_from_db()
    assert held.sequence == 1
    assert held.claims.get().status == Claim.Status.ACTIVE
    assert len(messages_to(outbox, volunteer)) == 1
    assert AuditEntry.objects.filter(action="shifts.shift_template.changed").count() == 1


def test_removing_a_weekday_cancels_that_days_future_shifts_and_tells_claimants(
    officer, volunteer, town, outbox, newcomers_may_claim
) -> None:
    start = tomorrow()
    dropped = start.weekday()
    values: dict[str, Any] = {
        "name": "日常巡逻",
        "kind": "patrol",
        "area": town,
        "weekdays": list(range(7)),
        "slots": [["09:00", "11:00"]],
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=13),
    }
    template, _result = planning.save_template(actor=officer, **values)
    held = template_shifts(template)[0]  # on the weekday about to be dropped
    claim = claims.claim_shift(shift=held, member=volunteer.membership, actor=volunteer)
    outbox.clear()

    _template, result = planning.save_template(
        actor=officer,
        template=template,
        **{**values, "weekdays": [day for day in range(7) if day != dropped]},
    )

    assert result.cancelled == 2
    shifts = template_shifts(template)
    cancelled = [s for s in shifts if s.status == Shift.Status.CANCELLED]
    assert {local(s.starts_at).weekday() for s in cancelled} == {dropped}
    assert len(cancelled) == 2
    assert all(s.sequence == 0 for s in shifts if s.status == Shift.Status.SCHEDULED)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RELEASED
    assert len(messages_to(outbox, volunteer)) == 1


def test_a_shift_cancelled_by_hand_is_not_brought_back(officer, town) -> None:
    start = tomorrow()
    values: dict[str, Any] = {
        "name": "日常巡逻",
        "kind": "patrol",
        "area": town,
        "slots": [["09:00", "11:00"]],
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=3),
    }
    template, _result = planning.save_template(actor=officer, **values)
    gone = template_shifts(template)[1]
    planning.cancel_shift(shift=gone, actor=officer, reason="暴雨")

    again = planning.generate(template=template)
    _template, edited = planning.save_template(
        actor=officer, template=template, **{**values, "slots": [["09:30", "11:30"]]}
    )

    assert again.created == 0
    assert edited.created == 0
    gone.refresh_from_db()
    assert gone.status == Shift.Status.CANCELLED
    assert local(gone.starts_at).time() == dt.time(9, 0)
    assert Shift.objects.filter(template=template, template_key=gone.template_key).count() == 1
    assert Shift.objects.filter(template=template, status=Shift.Status.SCHEDULED).count() == 3


def test_a_school_holiday_added_later_cancels_that_days_shifts(
    officer, volunteer, school, outbox, newcomers_may_claim
) -> None:
    start = tomorrow()
    Term.objects.create(name="本学期", starts_on=start, ends_on=start + dt.timedelta(days=30))
    template, _result = planning.save_template(
        actor=officer,
        name="护校早岗",
        kind="school_gate",
        school_days_only=True,
        slots=[["07:10", "08:00"]],
        starts_on=start,
        weeks_ahead=4,
        sites=[school],
    )
    held = template_shifts(template)[1]
    day = local(held.starts_at).date()
    claim = claims.claim_shift(shift=held, member=volunteer.membership, actor=volunteer)
    outbox.clear()
    SchoolHoliday.objects.create(name="校运会", starts_on=day, ends_on=day)

    result = planning.generate(template=template, actor=officer)

    assert (result.created, result.updated, result.cancelled) == (0, 0, 1)
    held.refresh_from_db()
    assert held.status == Shift.Status.CANCELLED
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RELEASED
    assert len(messages_to(outbox, volunteer)) == 1
    assert all(
        s.status == Shift.Status.SCHEDULED for s in template_shifts(template) if s.pk != held.pk
    )


def test_the_nightly_run_keeps_what_an_officer_changed_by_hand(
    officer, volunteer, town, outbox, newcomers_may_claim
) -> None:
    start = tomorrow()
    template, _result = planning.save_template(
        actor=officer,
        name="日常巡逻",
        kind="patrol",
        area=town,
        slots=[["20:00", "22:00"]],
        starts_on=start,
        ends_on=start + dt.timedelta(days=3),
    )
    fair = template_shifts(template)[1]
    claims.claim_shift(shift=fair, member=volunteer.membership, actor=volunteer)
    day = local(fair.starts_at).date()
    moved = planning.update_shift(
        shift=fair,
        actor=officer,
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),
        ends_at=timezone.make_aware(dt.datetime.combine(day, dt.time(22))),
        notes="庙会，提前到 18 点",
    )
    outbox.clear()

    call_command("generate_shifts", stdout=io.StringIO())

    fair.refresh_from_db()
    assert local(fair.starts_at).time() == dt.time(18)
    assert fair.notes == "庙会，提前到 18 点"
    assert fair.sequence == moved.sequence
    assert messages_to(outbox, volunteer) == []


def test_the_nightly_run_survives_a_shift_with_more_people_than_its_template_allows(
    officer, leader, volunteer, volunteer2, town, newcomers_may_claim
) -> None:
    start = tomorrow()
    values: dict[str, Any] = {
        "kind": "patrol",
        "area": town,
        "slots": [["09:00", "11:00"]],
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=2),
        "min_people": 1,
        "capacity": 2,
    }
    busy, _result = planning.save_template(actor=officer, name="早市巡逻", **values)
    later, _result = planning.save_template(
        actor=officer, name="晚间巡逻", **{**values, "slots": [["19:00", "21:00"]]}
    )
    market_day = template_shifts(busy)[0]
    planning.update_shift(shift=market_day, actor=officer, capacity=4)  # a busy market day
    for person in (leader, volunteer, volunteer2):
        claims.claim_shift(shift=market_day, member=person.membership, actor=person)
    later.ends_on = start + dt.timedelta(days=5)  # the next run has work to do for this one
    later.save()

    call_command("generate_shifts", stdout=io.StringIO())

    market_day.refresh_from_db()
    assert market_day.taken == 3
    assert market_day.capacity >= 3
    assert len(template_shifts(later)) == 6


def test_past_shifts_never_change(officer, volunteer, town, newcomers_may_claim) -> None:
    now = timezone.now()
    week_ago = now - dt.timedelta(days=7)
    week_ago_day = timezone.localdate(week_ago)
    values: dict[str, Any] = {
        "name": "日常巡逻",
        "kind": "patrol",
        "area": town,
        "weekdays": list(range(7)),
        "slots": [["09:00", "11:00"]],
        "starts_on": week_ago_day + dt.timedelta(days=1),
        "ends_on": week_ago_day + dt.timedelta(days=14),
    }
    with mock.patch("django.utils.timezone.now", return_value=week_ago):
        template, _result = planning.save_template(actor=officer, **values)
        past_one = template_shifts(template)[0]
        claims.claim_shift(shift=past_one, member=volunteer.membership, actor=volunteer)
    before = {
        s.pk: (s.starts_at, s.ends_at, s.status, s.sequence)
        for s in template_shifts(template)
        if s.starts_at <= now
    }
    assert len(before) >= 5

    planning.save_template(
        actor=officer,
        template=template,
        **{**values, "slots": [["10:00", "12:00"]], "weekdays": [0, 1, 2]},
    )

    shifts = template_shifts(template)
    assert {
        s.pk: (s.starts_at, s.ends_at, s.status, s.sequence) for s in shifts if s.pk in before
    } == before
    past_one.refresh_from_db()
    assert past_one.claims.get().status == Claim.Status.ACTIVE
    future = [s for s in shifts if s.starts_at > now and s.pk not in before]
    assert future
    for shift in future:
        if shift.status == Shift.Status.SCHEDULED:
            assert local(shift.starts_at).weekday() in (0, 1, 2)
            assert local(shift.starts_at).time() == dt.time(10, 0)
        else:
            assert local(shift.starts_at).weekday() not in (0, 1, 2)


# Refusals


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"slots": [["25:00", "26:00"]]}, "bad_slots"),
        ({"slots": [["7 in the morning", "8"]]}, "bad_slots"),
        ({"slots": []}, "bad_slots"),
        ({"slots": [["08:00", "08:00"]]}, "bad_slots"),
        ({"weekdays": [9]}, "bad_weekdays"),
        ({"weekdays": [-1]}, "bad_weekdays"),
        ({"area": None}, "no_place"),
    ],
)
def test_a_template_that_does_not_make_sense_is_refused(
    officer, town, changes: dict[str, Any], code: str
) -> None:
    values: dict[str, Any] = {
        "name": "日常巡逻",
        "kind": "patrol",
        "area": town,
        "weekdays": [0, 1],
        "slots": [["09:00", "11:00"]],
        "starts_on": tomorrow(),
        **changes,
    }
    with pytest.raises(ShiftError) as refusal:
        planning.save_template(actor=officer, **values)
    assert refusal.value.code == code
    assert not ShiftTemplate.objects.exists()
    assert not Shift.objects.exists()


def test_a_moderation_template_needs_no_place(officer, moderator) -> None:
    template, result = planning.save_template(
        actor=officer,
        name="版主值班",
        kind="moderation",
        slots=[["20:00", "22:00"]],
        starts_on=tomorrow(),
        ends_on=tomorrow(),
    )
    [shift] = template_shifts(template)
    assert shift.kind == "moderation" and shift.place is None
    assert result.created == 1


def test_the_templates_page_refuses_an_impossible_time(login, officer, town) -> None:
    response = login(officer).post(
        "/planning/templates/new/",
        {
            "name": "日常巡逻",
            "kind": "patrol",
            "area": town.pk,
            "slots": "25:00-26:00",
            "min_people": 2,
            "capacity": 4,
            "starts_on": tomorrow().isoformat(),
            "weeks_ahead": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "slots" in response.context["form"].errors
    assert not ShiftTemplate.objects.exists()


def test_only_officers_plan_templates(login, leader, volunteer, police, town) -> None:
    values: dict[str, Any] = {
        "name": "日常巡逻",
        "kind": "patrol",
        "area": town,
        "slots": [["09:00", "11:00"]],
        "starts_on": tomorrow(),
    }
    for person in (leader, volunteer, police):
        with pytest.raises(NotAllowed):
            planning.save_template(actor=person, **values)
        assert login(person).get("/planning/templates/new/").status_code == 403
    assert not ShiftTemplate.objects.exists()
