"""Claiming patrol places: each rule, the waiting list, releasing, reminders, and changes to shifts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from yixun.lib import resident_id
from yixun.members.models import Coverage, InsurancePolicy, Member, MemberSkill, Skill
from yixun.places.models import Area
from yixun.shifts.models import (
    Claim,
    ClaimRules,
    Shift,
    ShiftKind,
    WaitlistEntry,
)
from yixun.shifts.services import claims, planning, setup
from yixun.shifts.services.errors import ClaimRefused, NotAllowed, ShiftError
from yixun.shifts.services.notify import when
from yixun.shifts.services.rules import check_claim
from yixun.shifts.tests.helpers import audited

REMIND = "yixun.shifts.tasks.remind"


# Helpers.


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time on a day counted from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def member_of(user) -> Member:
    return Member.objects.select_related("user", "squad").get(user=user)


def new_shift(
    officer,
    area,
    *,
    starts_at: dt.datetime | None = None,
    hours: float = 3,
    kind: str = ShiftKind.PATROL,
    capacity: int = 4,
    min_people: int = 1,
    **extra,
) -> Shift:
    starts_at = starts_at or at(3, 9)
    return planning.create_shift(
        actor=officer,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        area=area if kind != ShiftKind.MODERATION else None,
        min_people=min_people,
        capacity=capacity,
        **extra,
    )


def claim(shift: Shift, user) -> Claim | WaitlistEntry:
    return claims.claim_shift(
        shift=Shift.objects.get(pk=shift.pk), member=member_of(user), actor=user
    )


def refusal_code(shift: Shift, user) -> str:
    with pytest.raises(ClaimRefused) as refused:
        claim(shift, user)
    return refused.value.code


def give_past_patrols(member: Member, n: int, area: Area) -> None:
    """n patrols the member has done: active claims on shifts that have ended."""
    now = timezone.now()
    done = Shift.objects.bulk_create(
        Shift(
            kind=ShiftKind.PATROL,
            starts_at=now - dt.timedelta(days=i + 1, hours=3),
            ends_at=now - dt.timedelta(days=i + 1),
            area=area,
            min_people=1,
            capacity=4,
            taken=1,
        )
        for i in range(n)
    )
    Claim.objects.bulk_create(Claim(shift=shift, member=member) for shift in done)


def make_aged(member: Member, years: int, serial: str = "123") -> None:
    """Give the member a resident ID number saying they turned `years` about a month ago."""
    today = timezone.localdate()
    born = dt.date(today.year - years, today.month, min(today.day, 28)) - dt.timedelta(days=30)
    first17 = f"420923{born:%Y%m%d}{serial}"
    member.set_id_number(resident_id.parse(first17 + resident_id.check_character(first17)))
    member.save()


def cover(member: Member, starts_on: dt.date, ends_on: dt.date, number: str = "PA-1") -> None:
    policy = InsurancePolicy.objects.create(
        insurer="中国人寿",
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        sum_insured=Decimal("100000.00"),
    )
    Coverage.objects.create(policy=policy, member=member)


def messages_to(outbox, user) -> list:
    return [message for message in outbox if message.to == user.phone]


def reminders_for(deferred_tasks, claim_: Claim) -> list[tuple[dt.datetime, int, str]]:
    return sorted(
        (result.task.run_after, result.args[1], result.args[2])
        for result in deferred_tasks.deferred
        if result.task.module_path == REMIND and result.args[0] == claim_.pk
    )


def refreshed(shift: Shift) -> Shift:
    return Shift.objects.get(pk=shift.pk)


@pytest.fixture
def area(db) -> Area:
    return Area.objects.create(name="城关镇", level="town")


@pytest.fixture(autouse=True)
def rules(db) -> ClaimRules:
    """The newcomer rule is off unless a test is about it (see default_rules)."""
    current = ClaimRules.current()
    current.newcomer_patrols = 0
    current.save()
    return current


def default_rules() -> ClaimRules:
    ClaimRules.objects.all().delete()
    return ClaimRules.current()


# Claiming a free place.


def test_claiming_a_free_place_takes_it_audits_and_queues_reminders(
    officer, volunteer, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 9))

    result = claim(shift, volunteer)

    assert isinstance(result, Claim)
    assert result.status == Claim.Status.ACTIVE
    assert result.source == Claim.Source.SELF
    assert result.member == member_of(volunteer)
    assert result.claimed_by == volunteer
    assert refreshed(shift).taken == 1
    entry = audited("shifts.claim.created", shift)
    assert len(entry) == 1
    assert entry[0].actor == volunteer
    assert (entry[0].target_type, entry[0].target_id) == ("shifts.claim", str(result.pk))
    assert entry[0].data == {"shift": shift.pk, "member": member_of(volunteer).pk, "source": "self"}
    # The evening before at 20:00, and an hour before the start; each names the shift's version.
    assert reminders_for(deferred_tasks, result) == [
        (at(2, 20), 0, "evening"),
        (at(3, 8), 0, "soon"),
    ]
    assert messages_to(outbox, volunteer) == []  # nobody tells you what you did yourself


def test_reminders_already_due_are_not_queued(officer, volunteer, area, deferred_tasks) -> None:
    shift = new_shift(officer, area, starts_at=timezone.now() + dt.timedelta(minutes=30))
    result = claim(shift, volunteer)
    assert reminders_for(deferred_tasks, result) == []


def test_the_reminders_tell_the_member_when_they_are_due(
    officer, volunteer, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 9))
    claim(shift, volunteer)

    assert deferred_tasks.run_deferred(until=at(2, 19)) == []
    assert deferred_tasks.run_deferred(until=at(2, 20)) == [True]
    assert len(messages_to(outbox, volunteer)) == 1
    assert deferred_tasks.run_deferred(until=at(3, 8)) == [True]
    assert len(messages_to(outbox, volunteer)) == 2


# The waiting list.


def test_a_full_shift_puts_the_member_on_the_waiting_list_with_their_position(
    officer, volunteer, volunteer2, other_volunteer, area, outbox
) -> None:
    shift = new_shift(officer, area, capacity=1)
    claim(shift, volunteer)

    first = claim(shift, volunteer2)
    second = claim(shift, other_volunteer)

    assert isinstance(first, WaitlistEntry)
    assert isinstance(second, WaitlistEntry)
    assert first.status == second.status == WaitlistEntry.Status.WAITING
    assert refreshed(shift).taken == 1
    assert Claim.objects.filter(shift=shift).count() == 1
    joined = audited("shifts.waitlist_entry.joined", shift)
    assert [entry.data["position"] for entry in joined] == [1, 2]
    for user, position in ((volunteer2, 1), (other_volunteer, 2)):
        (message,) = messages_to(outbox, user)
        # The only number in the message besides the shift's time is the place in the line.
        assert re.findall(r"\d+", message.body.replace(when(shift), "")) == [str(position)]


def test_asking_again_while_waiting_keeps_the_same_place_in_line(
    officer, volunteer, volunteer2, area
) -> None:
    shift = new_shift(officer, area, capacity=1)
    claim(shift, volunteer)
    first = claim(shift, volunteer2)
    again = claim(shift, volunteer2)
    assert again.pk == first.pk
    assert WaitlistEntry.objects.filter(shift=shift).count() == 1


def test_releasing_frees_the_place_and_promotes_the_first_waiting(
    officer, volunteer, volunteer2, other_volunteer, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, capacity=1)
    mine = claim(shift, volunteer)
    claim(shift, volunteer2)
    claim(shift, other_volunteer)
    outbox.clear()

    released = claims.release_claim(claim=mine, actor=volunteer, reason="家里有事")

    assert released.status == Claim.Status.RELEASED
    assert released.released_by == volunteer
    assert released.released_at is not None
    assert released.release_reason == "家里有事"
    promoted = Claim.objects.active().get(shift=shift)
    assert promoted.member == member_of(volunteer2)
    assert promoted.source == Claim.Source.WAITLIST
    assert refreshed(shift).taken == 1
    statuses = dict(WaitlistEntry.objects.filter(shift=shift).values_list("member", "status"))
    assert statuses == {
        member_of(volunteer2).pk: WaitlistEntry.Status.PROMOTED,
        member_of(other_volunteer).pk: WaitlistEntry.Status.WAITING,
    }
    assert len(audited("shifts.claim.released", shift)) == 1
    (promotion,) = audited("shifts.claim.promoted", shift)
    assert promotion.data == {"shift": shift.pk, "member": member_of(volunteer2).pk}
    assert len(messages_to(outbox, volunteer2)) == 1
    assert messages_to(outbox, other_volunteer) == []
    assert messages_to(outbox, volunteer) == []  # released it themselves
    assert [kind for _at, _seq, kind in reminders_for(deferred_tasks, promoted)] == [
        "evening",
        "soon",
    ]


def test_releasing_with_nobody_waiting_just_frees_the_place(officer, volunteer, area) -> None:
    shift = new_shift(officer, area, capacity=2)
    mine = claim(shift, volunteer)
    claims.release_claim(claim=mine, actor=volunteer)
    assert refreshed(shift).taken == 0
    assert not Claim.objects.active().filter(shift=shift).exists()


def test_a_place_cannot_be_released_twice(officer, volunteer, area) -> None:
    shift = new_shift(officer, area)
    mine = claim(shift, volunteer)
    claims.release_claim(claim=mine, actor=volunteer)
    with pytest.raises(ClaimRefused) as refused:
        claims.release_claim(claim=Claim.objects.get(pk=mine.pk), actor=volunteer)
    assert refused.value.code == "already_released"
    assert refreshed(shift).taken == 0


def _suspend(member: Member, other_shift: Shift) -> None:
    member.status = Member.Status.SUSPENDED
    member.save()


def _take_an_overlapping_shift(member: Member, other_shift: Shift) -> None:
    claims.claim_shift(shift=other_shift, member=member, actor=member.user)


@pytest.mark.parametrize(
    ("no_longer_qualifies", "code"),
    [(_suspend, "not_active"), (_take_an_overlapping_shift, "overlap")],
)
def test_a_waiting_member_who_no_longer_qualifies_is_skipped_and_told_why(
    officer, volunteer, volunteer2, other_volunteer, area, outbox, no_longer_qualifies, code
) -> None:
    shift = new_shift(officer, area, capacity=1, starts_at=at(3, 9))
    elsewhere = new_shift(officer, area, starts_at=at(3, 10))
    mine = claim(shift, volunteer)
    claim(shift, volunteer2)
    claim(shift, other_volunteer)
    skipped = member_of(volunteer2)
    no_longer_qualifies(skipped, elsewhere)
    with translation.override(volunteer2.language), pytest.raises(ClaimRefused) as why:
        check_claim(shift=refreshed(shift), member=member_of(volunteer2))
    assert why.value.code == code
    outbox.clear()

    claims.release_claim(claim=mine, actor=volunteer)

    assert WaitlistEntry.objects.get(shift=shift, member=skipped).status == "left"
    (told,) = messages_to(outbox, volunteer2)
    assert why.value.message in told.body
    promoted = Claim.objects.active().get(shift=shift)
    assert promoted.member == member_of(other_volunteer)
    assert promoted.source == Claim.Source.WAITLIST
    assert len(messages_to(outbox, other_volunteer)) == 1


def test_raising_the_capacity_promotes_the_waiting_in_order(
    officer, volunteer, volunteer2, other_volunteer, leader, area, outbox
) -> None:
    shift = new_shift(officer, area, capacity=1)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    claim(shift, other_volunteer)
    claim(shift, leader)
    outbox.clear()

    planning.update_shift(shift=refreshed(shift), actor=officer, capacity=2)

    def promoted() -> set[int]:
        return set(
            Claim.objects.active()
            .filter(shift=shift, source=Claim.Source.WAITLIST)
            .values_list("member__user", flat=True)
        )

    assert promoted() == {volunteer2.pk}
    assert refreshed(shift).taken == 2
    assert len(messages_to(outbox, volunteer2)) == 1
    assert messages_to(outbox, other_volunteer) == []

    planning.update_shift(shift=refreshed(shift), actor=officer, capacity=4)

    assert promoted() == {volunteer2.pk, other_volunteer.pk, leader.pk}
    assert refreshed(shift).taken == 4
    assert not WaitlistEntry.objects.filter(shift=shift, status="waiting").exists()
    assert len(messages_to(outbox, other_volunteer)) == 1
    assert len(audited("shifts.claim.promoted", shift)) == 3


def test_lowering_the_capacity_below_the_people_on_it_is_refused(
    officer, volunteer, volunteer2, area
) -> None:
    shift = new_shift(officer, area, capacity=3)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    with pytest.raises(ShiftError) as refused:
        planning.update_shift(shift=refreshed(shift), actor=officer, capacity=1)
    assert refused.value.code == "capacity_below_taken"
    assert refreshed(shift).capacity == 3
    # Down to the number on it is fine.
    assert planning.update_shift(shift=refreshed(shift), actor=officer, capacity=2).capacity == 2


# Each rule refuses with its code.


def test_a_past_shift_is_closed(officer, volunteer, area) -> None:
    past = Shift.objects.create(
        starts_at=at(-2, 9), ends_at=at(-2, 12), area=area, min_people=1, capacity=4
    )
    assert refusal_code(past, volunteer) == "shift_closed"
    assert refreshed(past).taken == 0


def test_a_shift_that_has_started_is_closed(officer, volunteer, area) -> None:
    started = new_shift(officer, area, starts_at=timezone.now() - dt.timedelta(hours=1))
    assert refusal_code(started, volunteer) == "shift_closed"


def test_a_cancelled_shift_is_closed(officer, volunteer, area) -> None:
    shift = new_shift(officer, area)
    planning.cancel_shift(shift=shift, actor=officer, reason="暴雨")
    assert refusal_code(shift, volunteer) == "shift_closed"
    assert not Claim.objects.filter(shift=shift).exists()
    assert not WaitlistEntry.objects.filter(shift=shift).exists()


@pytest.mark.parametrize("status", [Member.Status.SUSPENDED, Member.Status.LEFT])
def test_only_active_members_claim(officer, volunteer, area, status) -> None:
    Member.objects.filter(user=volunteer).update(status=status)
    shift = new_shift(officer, area)
    assert refusal_code(shift, volunteer) == "not_active"
    assert refreshed(shift).taken == 0


def test_a_shift_reserved_for_a_squad_is_for_its_members_only(
    officer, leader, volunteer, other_volunteer, squad, area
) -> None:
    shift = new_shift(officer, area)
    assert claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader) == 1
    assert refusal_code(shift, other_volunteer) == "squad_only"
    assert isinstance(claim(shift, volunteer), Claim)


def test_a_member_without_a_squad_cannot_take_a_squads_shift(
    officer, leader, moderator, squad, area
) -> None:
    Member.objects.create(user=moderator)
    shift = new_shift(officer, area)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    assert refusal_code(shift, moderator) == "squad_only"


def test_moderation_duty_is_for_moderators(officer, moderator, volunteer, area) -> None:
    Member.objects.create(user=moderator)
    duty = new_shift(officer, area, kind=ShiftKind.MODERATION)
    assert refusal_code(duty, volunteer) == "moderators_only"
    assert isinstance(claim(duty, moderator), Claim)


def test_the_same_member_cannot_claim_twice(officer, volunteer, area) -> None:
    shift = new_shift(officer, area)
    claim(shift, volunteer)
    assert refusal_code(shift, volunteer) == "already_claimed"
    assert refreshed(shift).taken == 1


def test_overlapping_shifts_are_refused_but_back_to_back_ones_are_fine(
    officer, volunteer, area
) -> None:
    morning = new_shift(officer, area, starts_at=at(3, 9), hours=3)
    overlapping = new_shift(officer, area, starts_at=at(3, 11), hours=2)
    after = new_shift(officer, area, starts_at=at(3, 12), hours=2)
    claim(morning, volunteer)
    assert refusal_code(overlapping, volunteer) == "overlap"
    assert isinstance(claim(after, volunteer), Claim)


def test_a_released_or_cancelled_shift_no_longer_overlaps(officer, volunteer, area) -> None:
    first = new_shift(officer, area, starts_at=at(3, 9))
    second = new_shift(officer, area, starts_at=at(3, 10))
    third = new_shift(officer, area, starts_at=at(3, 11))
    mine = claim(first, volunteer)
    claims.release_claim(claim=mine, actor=volunteer)
    assert isinstance(claim(second, volunteer), Claim)
    planning.cancel_shift(shift=refreshed(second), actor=officer, reason="取消")
    assert isinstance(claim(third, volunteer), Claim)


@pytest.mark.parametrize(
    ("kind", "start", "hours"),
    [
        (ShiftKind.PATROL, (3, 22), 4),  # 22:00 to 02:00
        (ShiftKind.PATROL, (3, 5), 2),  # 05:00 to 07:00: the end of the night
        (ShiftKind.PATROL, (3, 20), 3),  # 20:00 to 23:00: the start of the night
        (ShiftKind.TRAFFIC, (3, 9), 3),
        (ShiftKind.SPECIAL_OPERATION, (3, 9), 3),
    ],
)
def test_a_minor_may_not_take_night_shifts_traffic_or_special_operations(
    officer, volunteer, area, kind, start, hours
) -> None:
    make_aged(member_of(volunteer), 17)
    assert member_of(volunteer).is_minor
    shift = new_shift(officer, area, kind=kind, starts_at=at(*start), hours=hours)
    assert refusal_code(shift, volunteer) == "minor_not_allowed"


@pytest.mark.parametrize(
    ("kind", "start", "hours"),
    [
        (ShiftKind.PATROL, (3, 9), 3),
        (ShiftKind.PATROL, (3, 6), 2),  # from the end of the night
        (ShiftKind.PATROL, (3, 19), 3),  # until the night starts
        (ShiftKind.SCHOOL_GATE, (3, 7), 1),
    ],
)
def test_a_minor_may_take_a_day_patrol(officer, volunteer, area, kind, start, hours) -> None:
    make_aged(member_of(volunteer), 17)
    shift = new_shift(officer, area, kind=kind, starts_at=at(*start), hours=hours)
    assert isinstance(claim(shift, volunteer), Claim)


def test_an_adult_may_take_a_night_shift(officer, volunteer, area) -> None:
    make_aged(member_of(volunteer), 18)
    shift = new_shift(officer, area, starts_at=at(3, 22), hours=4)
    assert isinstance(claim(shift, volunteer), Claim)


@pytest.fixture
def core_volunteer(volunteer) -> Member:
    Member.objects.filter(user=volunteer).update(kind=Member.Kind.CORE)
    return member_of(volunteer)


@pytest.mark.parametrize(
    ("kind", "start", "hours"),
    [(ShiftKind.PATROL, (3, 22), 4), (ShiftKind.SPECIAL_OPERATION, (3, 9), 3)],
)
def test_a_core_member_without_cover_may_not_take_night_shifts_or_special_operations(
    officer, volunteer, core_volunteer, area, kind, start, hours
) -> None:
    shift = new_shift(officer, area, kind=kind, starts_at=at(*start), hours=hours)
    assert refusal_code(shift, volunteer) == "uninsured"


def test_a_core_member_without_cover_may_take_a_day_patrol(
    officer, volunteer, core_volunteer, area
) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 9))
    assert isinstance(claim(shift, volunteer), Claim)


@pytest.mark.parametrize(
    ("kind", "start", "hours"),
    [(ShiftKind.PATROL, (3, 22), 4), (ShiftKind.SPECIAL_OPERATION, (3, 9), 3)],
)
def test_a_core_member_covered_on_the_day_may_take_them(
    officer, volunteer, core_volunteer, area, kind, start, hours
) -> None:
    day = at(*start).date()
    cover(core_volunteer, starts_on=day, ends_on=day)
    shift = new_shift(officer, area, kind=kind, starts_at=at(*start), hours=hours)
    assert isinstance(claim(shift, volunteer), Claim)


def test_cover_that_ends_before_the_day_does_not_count(
    officer, volunteer, core_volunteer, area
) -> None:
    day = at(3, 22).date()
    cover(core_volunteer, starts_on=day - dt.timedelta(days=30), ends_on=day - dt.timedelta(days=1))
    shift = new_shift(officer, area, starts_at=at(3, 22), hours=4)
    assert refusal_code(shift, volunteer) == "uninsured"


def test_a_member_who_is_not_core_needs_no_cover(officer, volunteer, area) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 22), hours=4)
    assert isinstance(claim(shift, volunteer), Claim)


def test_the_officers_can_turn_the_night_rule_off(officer, volunteer, core_volunteer, area) -> None:
    setup.update_rules(actor=officer, uninsured_no_night=False)
    night = new_shift(officer, area, starts_at=at(3, 22), hours=4)
    special = new_shift(officer, area, kind=ShiftKind.SPECIAL_OPERATION, starts_at=at(4, 9))
    assert isinstance(claim(night, volunteer), Claim)
    assert refusal_code(special, volunteer) == "uninsured"


def test_the_officers_can_turn_the_special_operations_rule_off(
    officer, volunteer, core_volunteer, area
) -> None:
    setup.update_rules(actor=officer, uninsured_no_special=False)
    night = new_shift(officer, area, starts_at=at(3, 22), hours=4)
    special = new_shift(officer, area, kind=ShiftKind.SPECIAL_OPERATION, starts_at=at(4, 9))
    assert isinstance(claim(special, volunteer), Claim)
    assert refusal_code(night, volunteer) == "uninsured"


def test_a_safety_briefing_must_be_acknowledged_once_per_version(officer, volunteer, area) -> None:
    setup.publish_briefing(
        kind=ShiftKind.TRAFFIC, title="交通整治安全须知", body="穿反光背心。", actor=officer
    )
    first = new_shift(officer, area, kind=ShiftKind.TRAFFIC, starts_at=at(3, 9))
    second = new_shift(officer, area, kind=ShiftKind.TRAFFIC, starts_at=at(4, 9))
    patrol = new_shift(officer, area, starts_at=at(5, 9))
    member = member_of(volunteer)

    assert refusal_code(first, volunteer) == "briefing_needed"
    assert isinstance(claim(patrol, volunteer), Claim)  # other kinds need no briefing

    setup.acknowledge_briefing(member=member, kind=ShiftKind.TRAFFIC)
    assert isinstance(claim(first, volunteer), Claim)

    setup.publish_briefing(
        kind=ShiftKind.TRAFFIC,
        title="交通整治安全须知（修订）",
        body="夜间加戴头灯。",
        actor=officer,
    )
    assert refusal_code(second, volunteer) == "briefing_needed"
    setup.acknowledge_briefing(member=member, kind=ShiftKind.TRAFFIC)
    assert isinstance(claim(second, volunteer), Claim)


def test_the_last_place_is_kept_for_a_needed_skill(
    officer, volunteer, volunteer2, leader, other_volunteer, area
) -> None:
    MemberSkill.objects.create(member=member_of(other_volunteer), skill=Skill.DRIVING)
    shift = new_shift(officer, area, capacity=3, required_skills={"driving": 1})
    claim(shift, volunteer)
    claim(shift, volunteer2)

    assert refusal_code(shift, leader) == "skill_needed"
    assert isinstance(claim(shift, other_volunteer), Claim)
    assert refreshed(shift).taken == 3


def test_a_driver_may_take_any_place(officer, volunteer, other_volunteer, area) -> None:
    MemberSkill.objects.create(member=member_of(other_volunteer), skill=Skill.DRIVING)
    shift = new_shift(officer, area, capacity=2, required_skills={"driving": 1})
    claim(shift, other_volunteer)
    assert isinstance(claim(shift, volunteer), Claim)  # the driver is on it: no place is kept


def test_a_driver_may_wait_for_a_full_shift_that_still_lacks_one(
    officer, volunteer, volunteer2, other_volunteer, area
) -> None:
    """A full shift means the waiting list, not a refusal (rules.check_claim)."""
    MemberSkill.objects.create(member=member_of(other_volunteer), skill=Skill.DRIVING)
    shift = new_shift(officer, area, capacity=2)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    planning.update_shift(shift=refreshed(shift), actor=officer, required_skills={"driving": 1})

    assert isinstance(claim(shift, other_volunteer), WaitlistEntry)


def test_a_newcomer_alone_needs_an_experienced_member_on_the_shift(
    officer, volunteer, area
) -> None:
    default_rules()
    shift = new_shift(officer, area)
    assert refusal_code(shift, volunteer) == "experienced_needed"
    assert refreshed(shift).taken == 0


def test_a_newcomer_may_join_an_experienced_member(officer, volunteer, volunteer2, area) -> None:
    default_rules()
    give_past_patrols(member_of(volunteer2), 10, area)
    shift = new_shift(officer, area)
    assert isinstance(claim(shift, volunteer2), Claim)
    assert isinstance(claim(shift, volunteer), Claim)


def test_nine_patrols_do_not_make_a_member_experienced(
    officer, volunteer, volunteer2, area
) -> None:
    default_rules()
    give_past_patrols(member_of(volunteer2), 9, area)
    shift = new_shift(officer, area)
    claim(shift, volunteer2)
    assert refusal_code(shift, volunteer) == "experienced_needed"


def test_after_three_patrols_a_member_is_no_newcomer(officer, volunteer, area) -> None:
    default_rules()
    give_past_patrols(member_of(volunteer), 3, area)
    shift = new_shift(officer, area)
    assert isinstance(claim(shift, volunteer), Claim)


def test_two_patrols_still_make_a_newcomer(officer, volunteer, area) -> None:
    default_rules()
    give_past_patrols(member_of(volunteer), 2, area)
    shift = new_shift(officer, area)
    assert refusal_code(shift, volunteer) == "experienced_needed"


# Releasing.


@pytest.fixture
def soon_shift(officer, area) -> Shift:
    """A shift six hours ahead: inside the release deadline (12 h by default)."""
    return new_shift(officer, area, starts_at=timezone.now() + dt.timedelta(hours=6))


def test_a_member_may_not_release_close_to_the_start(volunteer, soon_shift) -> None:
    mine = claim(soon_shift, volunteer)
    with pytest.raises(ClaimRefused) as refused:
        claims.release_claim(claim=mine, actor=volunteer)
    assert refused.value.code == "too_late_to_release"
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.ACTIVE
    assert refreshed(soon_shift).taken == 1


@pytest.mark.parametrize("releaser", ["leader", "officer"])
def test_the_leader_or_an_officer_may_release_close_to_the_start_and_the_member_is_told(
    request, volunteer, soon_shift, outbox, releaser
) -> None:
    actor = request.getfixturevalue(releaser)
    mine = claim(soon_shift, volunteer)
    outbox.clear()

    released = claims.release_claim(claim=mine, actor=actor, reason="身体不适")

    assert released.status == Claim.Status.RELEASED
    assert released.released_by == actor
    assert refreshed(soon_shift).taken == 0
    (told,) = messages_to(outbox, volunteer)
    assert "身体不适" in told.body
    (entry,) = audited("shifts.claim.released", soon_shift)
    assert entry.actor == actor


def test_the_release_deadline_follows_the_rules(officer, volunteer, area) -> None:
    setup.update_rules(actor=officer, release_deadline_hours=48)
    shift = new_shift(officer, area, starts_at=timezone.now() + dt.timedelta(hours=30))
    mine = claim(shift, volunteer)
    with pytest.raises(ClaimRefused) as refused:
        claims.release_claim(claim=mine, actor=volunteer)
    assert refused.value.code == "too_late_to_release"


@pytest.mark.parametrize("someone", ["volunteer2", "other_volunteer", "moderator", "police"])
def test_a_member_cannot_release_someone_elses_place(
    request, volunteer, officer, area, someone
) -> None:
    shift = new_shift(officer, area)
    mine = claim(shift, volunteer)
    with pytest.raises(NotAllowed):
        claims.release_claim(claim=mine, actor=request.getfixturevalue(someone))
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.ACTIVE
    assert refreshed(shift).taken == 1


def test_a_leader_cannot_release_a_member_of_another_squad(
    officer, leader, other_volunteer, area
) -> None:
    shift = new_shift(officer, area)
    theirs = claim(shift, other_volunteer)
    with pytest.raises(NotAllowed):
        claims.release_claim(claim=theirs, actor=leader)
    assert Claim.objects.get(pk=theirs.pk).status == Claim.Status.ACTIVE


# A leader's squad.


def test_a_leader_puts_a_member_of_the_squad_on_a_shift_and_they_are_told(
    officer, leader, volunteer, area, outbox
) -> None:
    shift = new_shift(officer, area)
    result = claims.claim_shift(
        shift=shift, member=member_of(volunteer), actor=leader, source=Claim.Source.LEADER
    )
    assert isinstance(result, Claim)
    assert result.source == Claim.Source.LEADER
    assert result.claimed_by == leader
    assert len(messages_to(outbox, volunteer)) == 1


def test_a_leader_cannot_assign_a_member_of_another_squad(
    officer, leader, other_volunteer, area, outbox
) -> None:
    shift = new_shift(officer, area)
    with pytest.raises(NotAllowed):
        claims.claim_shift(
            shift=shift, member=member_of(other_volunteer), actor=leader, source=Claim.Source.LEADER
        )
    assert not Claim.objects.filter(shift=shift).exists()
    assert refreshed(shift).taken == 0
    assert messages_to(outbox, other_volunteer) == []


def test_a_volunteer_cannot_assign_a_squad_mate(officer, volunteer, volunteer2, area) -> None:
    shift = new_shift(officer, area)
    with pytest.raises(NotAllowed):
        claims.claim_shift(
            shift=shift, member=member_of(volunteer2), actor=volunteer, source=Claim.Source.LEADER
        )
    assert not Claim.objects.filter(shift=shift).exists()


def test_a_leader_reserves_shifts_for_the_squad_and_gives_them_back(
    officer, leader, squad, area
) -> None:
    first = new_shift(officer, area, starts_at=at(3, 9))
    second = new_shift(officer, area, starts_at=at(3, 14))

    assert claims.reserve_for_squad(shifts=[first, second], squad=squad, actor=leader) == 2

    assert refreshed(first).squad == squad
    # Time and place stand: calendars and the reminders already queued stay valid.
    assert refreshed(first).sequence == 0
    assert len(audited("shifts.shift.reserved", first)) == 1
    # Reserving again changes nothing.
    assert claims.reserve_for_squad(shifts=[refreshed(first)], squad=squad, actor=leader) == 0

    given_back = claims.unreserve(shift=refreshed(first), actor=leader)
    assert given_back.squad is None
    assert refreshed(first).squad is None
    assert len(audited("shifts.shift.unreserved", first)) == 1
    assert refreshed(second).squad == squad


def test_past_and_cancelled_shifts_are_not_reserved(officer, leader, squad, area) -> None:
    past = Shift.objects.create(
        starts_at=at(-1, 9), ends_at=at(-1, 12), area=area, min_people=1, capacity=4
    )
    cancelled = new_shift(officer, area)
    planning.cancel_shift(shift=cancelled, actor=officer, reason="取消")
    assert (
        claims.reserve_for_squad(shifts=[past, refreshed(cancelled)], squad=squad, actor=leader)
        == 0
    )
    assert refreshed(past).squad is None
    assert refreshed(cancelled).squad is None


def test_a_squad_cannot_take_another_squads_shift(
    officer, leader, squad, other_squad, area
) -> None:
    shift = new_shift(officer, area)
    Shift.objects.filter(pk=shift.pk).update(squad=other_squad)
    assert claims.reserve_for_squad(shifts=[refreshed(shift)], squad=squad, actor=leader) == 0
    assert refreshed(shift).squad == other_squad


@pytest.mark.parametrize("someone", ["volunteer", "other_volunteer", "police", "moderator"])
def test_only_a_leader_or_an_officer_reserves_for_a_squad(
    request, officer, squad, area, someone
) -> None:
    shift = new_shift(officer, area)
    with pytest.raises(NotAllowed):
        claims.reserve_for_squad(
            shifts=[shift], squad=squad, actor=request.getfixturevalue(someone)
        )
    assert refreshed(shift).squad is None


def test_a_leader_cannot_reserve_for_another_squad_or_give_back_its_shifts(
    officer, leader, squad, other_squad, area
) -> None:
    shift = new_shift(officer, area)
    with pytest.raises(NotAllowed):
        claims.reserve_for_squad(shifts=[shift], squad=other_squad, actor=leader)
    claims.reserve_for_squad(shifts=[shift], squad=other_squad, actor=officer)
    with pytest.raises(NotAllowed):
        claims.unreserve(shift=refreshed(shift), actor=leader)
    assert refreshed(shift).squad == other_squad


# Changing and cancelling shifts.


def test_cancelling_releases_everyone_and_tells_them(
    officer, volunteer, volunteer2, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, capacity=2)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    outbox.clear()

    cancelled = planning.cancel_shift(shift=refreshed(shift), actor=officer, reason="台风预警")

    assert cancelled.status == Shift.Status.CANCELLED
    assert cancelled.taken == 0
    assert not Claim.objects.active().filter(shift=shift).exists()
    assert set(Claim.objects.filter(shift=shift).values_list("status", flat=True)) == {"released"}
    for user in (volunteer, volunteer2):
        (told,) = messages_to(outbox, user)
        assert "台风预警" in told.body
    assert len(audited("shifts.shift.cancelled", shift)) == 1
    # Their reminders do nothing now.
    outbox.clear()
    assert set(deferred_tasks.run_deferred(until=at(30, 0))) == {False}
    assert outbox == []


def test_cancelling_tells_the_people_waiting_too(
    officer, volunteer, volunteer2, area, outbox
) -> None:
    """cancel_shift: "everyone on it and waiting for it is told"."""
    shift = new_shift(officer, area, capacity=1)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    outbox.clear()

    planning.cancel_shift(shift=refreshed(shift), actor=officer, reason="台风预警")

    assert WaitlistEntry.objects.get(shift=shift).status == WaitlistEntry.Status.LEFT
    assert len(messages_to(outbox, volunteer2)) == 1


def test_a_volunteer_cannot_cancel_or_change_a_shift(officer, volunteer, area) -> None:
    shift = new_shift(officer, area)
    with pytest.raises(NotAllowed):
        planning.cancel_shift(shift=shift, actor=volunteer, reason="不想去")
    with pytest.raises(NotAllowed):
        planning.update_shift(shift=shift, actor=volunteer, capacity=10)
    assert refreshed(shift).status == Shift.Status.SCHEDULED
    assert refreshed(shift).capacity == 4


def test_moving_a_shift_tells_the_people_on_it_and_queues_their_reminders_again(
    officer, volunteer, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 9))
    mine = claim(shift, volunteer)
    assert reminders_for(deferred_tasks, mine) == [
        (at(2, 20), 0, "evening"),
        (at(3, 8), 0, "soon"),
    ]

    moved = planning.update_shift(
        shift=refreshed(shift), actor=officer, starts_at=at(4, 9), ends_at=at(4, 12)
    )

    assert moved.sequence == 1
    assert len(messages_to(outbox, volunteer)) == 1
    assert len(audited("shifts.shift.changed", shift)) == 1
    assert reminders_for(deferred_tasks, mine) == [
        (at(2, 20), 0, "evening"),
        (at(3, 8), 0, "soon"),
        (at(3, 20), 1, "evening"),
        (at(4, 8), 1, "soon"),
    ]
    outbox.clear()
    # The old reminders name the old version and do nothing; the new ones remind.
    assert deferred_tasks.run_deferred(until=at(3, 8)) == [False, False]
    assert outbox == []
    assert deferred_tasks.run_deferred(until=at(4, 8)) == [True, True]
    assert len(messages_to(outbox, volunteer)) == 2


def test_a_change_of_notes_does_not_message_anyone(officer, volunteer, area, outbox) -> None:
    shift = new_shift(officer, area)
    claim(shift, volunteer)
    planning.update_shift(shift=refreshed(shift), actor=officer, notes="带手电")
    assert messages_to(outbox, volunteer) == []


def test_the_reminder_sends_nothing_for_a_released_place(
    officer, volunteer, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, starts_at=at(3, 9))
    mine = claim(shift, volunteer)
    claims.release_claim(claim=mine, actor=volunteer)
    outbox.clear()

    assert deferred_tasks.run_deferred(until=at(3, 9)) == [False, False]
    assert outbox == []


def test_the_reminder_of_a_promoted_member_reminds_them(
    officer, volunteer, volunteer2, area, outbox, deferred_tasks
) -> None:
    shift = new_shift(officer, area, capacity=1, starts_at=at(3, 9))
    mine = claim(shift, volunteer)
    claim(shift, volunteer2)
    claims.release_claim(claim=mine, actor=volunteer)
    outbox.clear()

    assert sorted(deferred_tasks.run_deferred(until=at(3, 9))) == [False, False, True, True]
    assert len(messages_to(outbox, volunteer2)) == 2
    assert messages_to(outbox, volunteer) == []


def test_a_member_leaves_the_waiting_list(officer, volunteer, volunteer2, area) -> None:
    shift = new_shift(officer, area, capacity=1)
    mine = claim(shift, volunteer)
    entry = claim(shift, volunteer2)
    left = claims.leave_waitlist(entry=entry, actor=volunteer2)
    assert left.status == WaitlistEntry.Status.LEFT
    claims.release_claim(claim=mine, actor=volunteer)
    assert not Claim.objects.active().filter(shift=shift).exists()
    assert refreshed(shift).taken == 0
