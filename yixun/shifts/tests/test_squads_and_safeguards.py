"""What a squad leader may and may not do with shifts, what happens to a member's places when
their membership ends, and the safeguards around planning (the template meets people on a
shift; a night that does not cross midnight; cancellations read in each member's language)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from yixun.members.services import privacy, roster
from yixun.places.models import Area
from yixun.shifts.models import (
    Claim,
    ClaimRules,
    Invitation,
    Shift,
    ShiftKind,
    ShiftTemplate,
    WaitlistEntry,
)
from yixun.shifts.services import claims, invites, planning
from yixun.shifts.services.errors import ClaimRefused, NotAllowed, ShiftError
from yixun.shifts.services.rules import check_claim
from yixun.shifts.tests.helpers import (
    at,
    audited,
    claim,
    member_of,
    messages_to,
    new_shift,
    refreshed,
)


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


# A squad claims open shifts, not people's places.


def test_a_squad_cannot_take_over_a_shift_someone_is_on(
    officer, leader, volunteer, other_volunteer, squad, town
) -> None:
    taken = new_shift(officer, town)
    claim(taken, other_volunteer)
    moderation = new_shift(officer, None, kind=ShiftKind.MODERATION)
    free = new_shift(officer, town, starts_at=at(4, 9))

    count = claims.reserve_for_squad(shifts=[taken, moderation, free], squad=squad, actor=leader)

    assert count == 1
    assert refreshed(taken).squad is None  # the other squad's member keeps an open shift
    assert refreshed(moderation).squad is None
    assert refreshed(free).squad == squad
    assert audited("shifts.shift.reserved", taken) == []


def test_a_leader_neither_changes_nor_cancels_shifts_but_an_officer_does(
    officer, leader, squad, town
) -> None:
    shift = new_shift(officer, town)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    with pytest.raises(NotAllowed):
        planning.update_shift(shift=refreshed(shift), actor=leader, capacity=9)
    with pytest.raises(NotAllowed):
        planning.cancel_shift(shift=refreshed(shift), actor=leader, reason="人手不足")
    assert refreshed(shift).capacity == 4
    assert refreshed(shift).status == Shift.Status.SCHEDULED

    planning.update_shift(shift=refreshed(shift), actor=officer, capacity=6)
    assert refreshed(shift).capacity == 6


def test_the_leaders_hear_when_their_squads_shift_falls_short(
    officer, leader, volunteer, volunteer2, squad, town, outbox
) -> None:
    shift = new_shift(officer, town, min_people=2)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    claim(shift, volunteer)
    mine = claim(shift, volunteer2)
    assert isinstance(mine, Claim)
    outbox.clear()

    claims.release_claim(claim=mine, actor=volunteer2)

    told = messages_to(outbox, leader)
    assert len(told) == 1
    assert "1" in told[0].body and "2" in told[0].body
    assert member_of(volunteer2).name in told[0].body


def test_a_place_freed_while_joining_the_waiting_list_is_given_at_once(
    officer, volunteer, town
) -> None:
    shift = new_shift(officer, town, capacity=1)
    entry = claims.join_waitlist(shift=shift, member=member_of(volunteer), actor=volunteer)
    assert entry.status == WaitlistEntry.Status.PROMOTED
    assert Claim.objects.active().filter(shift=shift, member__user=volunteer).exists()
    assert refreshed(shift).taken == 1


# Invitations.


def test_a_leader_invites_only_their_own_members(
    officer, leader, volunteer, other_volunteer, squad, other_squad, town, login
) -> None:
    shift = new_shift(officer, town)
    with pytest.raises(NotAllowed):
        invites.invite(shift=shift, member=member_of(other_volunteer), actor=leader)
    # Through the page, another squad's member is simply not there.
    response = login(leader).post(
        f"/shifts/{shift.pk}/invite/", {"member": member_of(other_volunteer).pk}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()

    other = new_shift(officer, town, starts_at=at(4, 9))
    claims.reserve_for_squad(shifts=[other], squad=other_squad, actor=officer)
    with pytest.raises(NotAllowed):
        invites.invite(shift=refreshed(other), member=member_of(volunteer), actor=leader)


def test_inviting_twice_sends_the_same_link_and_a_link_says_yes_once(
    officer, leader, volunteer, squad, town, outbox
) -> None:
    shift = new_shift(officer, town)
    first = invites.invite(shift=shift, member=member_of(volunteer), actor=leader)
    again = invites.invite(shift=shift, member=member_of(volunteer), actor=leader)
    assert first.pk == again.pk
    assert len(messages_to(outbox, volunteer)) == 2  # asked twice, one link

    invites.accept_invitation(invitation=first, user=volunteer)
    with pytest.raises(ShiftError):
        invites.accept_invitation(invitation=refreshed_invitation(first), user=volunteer)
    assert Claim.objects.filter(shift=shift).count() == 1


def refreshed_invitation(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_related("shift", "member__user").get(pk=invitation.pk)


def test_no_invitations_to_a_cancelled_or_past_shift(officer, leader, volunteer, town) -> None:
    cancelled = new_shift(officer, town)
    planning.cancel_shift(shift=cancelled, actor=officer, reason="暴雨")
    with pytest.raises(ShiftError):
        invites.invite(shift=refreshed(cancelled), member=member_of(volunteer), actor=leader)
    past = Shift.objects.create(
        kind=ShiftKind.PATROL,
        area=town,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(ShiftError):
        invites.invite(shift=past, member=member_of(volunteer), actor=leader)


# When a membership ends, its places go to others.


def test_a_suspended_member_leaves_their_coming_patrols_and_waiting_lists(
    officer, volunteer, volunteer2, other_volunteer, town, outbox
) -> None:
    full = new_shift(officer, town, capacity=1)
    claim(full, volunteer)
    claim(full, volunteer2)  # waiting
    waiting_elsewhere = new_shift(officer, town, capacity=1, starts_at=at(5, 9))
    claim(waiting_elsewhere, other_volunteer)
    claim(waiting_elsewhere, volunteer)
    done = Shift.objects.create(
        kind=ShiftKind.PATROL,
        area=town,
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=2),
        taken=1,
    )
    past_claim = Claim.objects.create(shift=done, member=member_of(volunteer))

    roster.change_status(
        member=member_of(volunteer), status="suspended", reason="违反纪律", actor=officer
    )

    assert not Claim.objects.active().filter(shift=full, member__user=volunteer).exists()
    assert Claim.objects.active().filter(shift=full, member__user=volunteer2).exists()
    assert any("候补成功" in m.subject for m in messages_to(outbox, volunteer2))
    assert not WaitlistEntry.objects.filter(
        member__user=volunteer, status=WaitlistEntry.Status.WAITING
    ).exists()
    past_claim.refresh_from_db()
    assert past_claim.status == Claim.Status.ACTIVE  # the record of what they did stays


def test_an_erased_member_leaves_their_coming_patrols(officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    claim(shift, volunteer)
    privacy.erase_member(member=member_of(volunteer), actor=officer)
    assert refreshed(shift).taken == 0
    assert not Claim.objects.active().filter(shift=shift).exists()


# The plan meets the people on a shift.


def a_template(officer, town, **values) -> ShiftTemplate:
    template, _result = planning.save_template(
        actor=officer,
        name="夜巡",
        kind=ShiftKind.PATROL,
        area=town,
        weekdays=[],
        school_days_only=False,
        slots=[["19:00", "21:00"]],
        min_people=1,
        capacity=4,
        starts_on=timezone.localdate() + dt.timedelta(days=1),
        weeks_ahead=1,
        **values,
    )
    return template


def test_lowering_a_templates_capacity_keeps_the_shifts_that_are_fuller_than_that(
    officer, volunteer, volunteer2, town
) -> None:
    template = a_template(officer, town)
    crowded = Shift.objects.filter(template=template).order_by("starts_at").first()
    claim(crowded, volunteer)
    claim(crowded, volunteer2)

    template, result = planning.save_template(
        actor=officer,
        template=template,
        **{
            name: getattr(template, name) for name in planning.TEMPLATE_FIELDS if name != "capacity"
        },
        capacity=1,
    )

    assert result.kept == 1
    assert result.updated == Shift.objects.filter(template=template).count() - 1
    assert refreshed(crowded).capacity == 4  # two people on it: an officer decides
    assert "1" in result.summary()


def test_a_template_asking_for_more_than_its_room_is_refused(officer, town) -> None:
    with pytest.raises(ShiftError) as refused:
        planning.save_template(
            actor=officer,
            name="夜巡",
            kind=ShiftKind.PATROL,
            area=town,
            slots=[["19:00", "21:00"]],
            min_people=5,
            capacity=2,
            starts_on=timezone.localdate(),
        )
    assert refused.value.code == "bad_capacity"
    assert not ShiftTemplate.objects.exists()


def test_the_template_leaves_a_shift_alone_once_a_person_changed_it(officer, town) -> None:
    template = a_template(officer, town)
    shift = Shift.objects.filter(template=template).first()
    stale = refreshed(shift)
    planning.update_shift(shift=shift, actor=officer, notes="带手电")
    planning.update_shift(shift=stale, actor=None, capacity=2)  # the plan, read before the change
    assert refreshed(shift).capacity == 4
    assert refreshed(shift).notes == "带手电"


def test_each_member_reads_a_plan_cancellation_in_their_language(
    officer, volunteer, volunteer2, town, outbox
) -> None:
    template = a_template(officer, town)
    shift = Shift.objects.filter(template=template).first()
    claim(shift, volunteer)
    claim(shift, volunteer2)
    volunteer2.language = "en"
    volunteer2.save()
    outbox.clear()

    planning.save_template(
        actor=officer,
        template=template,
        **{name: getattr(template, name) for name in planning.TEMPLATE_FIELDS if name != "slots"},
        slots=[["20:00", "22:00"]],
    )
    # The shifts moved, not cancelled: a moved slot is the same slot.
    template.refresh_from_db()
    template.is_active = False
    planning.save_template(
        actor=officer,
        template=template,
        **{name: getattr(template, name) for name in planning.TEMPLATE_FIELDS},
    )

    chinese = [m.body for m in messages_to(outbox, volunteer) if "取消" in m.subject]
    english = [m.body for m in messages_to(outbox, volunteer2) if "cancelled" in m.subject]
    with translation.override("zh-hans"):
        zh_reason = str(translation.gettext("The plan was changed."))
    assert chinese and zh_reason in chinese[0]
    assert english and "The plan was changed." in english[0]


# A night that does not cross midnight.


def test_a_night_set_within_one_day_is_that_window(officer, volunteer, town) -> None:
    rules = ClaimRules.current()
    rules.night_starts, rules.night_ends = dt.time(0), dt.time(5)
    rules.save()
    evening = new_shift(officer, town, starts_at=at(3, 19), hours=3)
    small_hours = new_shift(officer, town, starts_at=at(3, 1), hours=2)
    assert not evening.overlaps_night(rules.night_starts, rules.night_ends)
    assert small_hours.overlaps_night(rules.night_starts, rules.night_ends)
    # and the usual night, across midnight
    assert evening.overlaps_night(dt.time(21), dt.time(6))
    check_claim(shift=evening, member=member_of(volunteer))


def test_a_member_cannot_hold_two_overlapping_shifts(officer, volunteer, town) -> None:
    first = new_shift(officer, town, starts_at=at(3, 9))
    second = new_shift(officer, town, starts_at=at(3, 10))
    claim(first, volunteer)
    with pytest.raises(ClaimRefused) as refused:
        claim(second, volunteer)
    assert refused.value.code == "overlap"
