"""A training grants what it teaches the moment a member is let in: a skill, or the current
safety briefing of a kind of shift, after which the calendar lets them claim such shifts. The
calendar, refusing someone for a missing briefing, shows the next training that gives it."""

import datetime as dt

import pytest
from django.urls import reverse

from yixun.events.models import Event
from yixun.events.services import door, manage, registration
from yixun.events.tests.conftest import (
    at,
    audited,
    clock_at,
    fresh,
    member_of,
    new_event,
)
from yixun.members.models import MemberSkill, Skill
from yixun.shifts import trainings
from yixun.shifts.models import ClaimRules, Shift, ShiftKind
from yixun.shifts.services import planning, setup
from yixun.shifts.services.errors import ClaimRefused
from yixun.shifts.services.rules import check_claim


@pytest.fixture(autouse=True)
def no_newcomer_rule(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0  # not what these tests are about
    rules.save()


def traffic_shift(officer, area) -> Shift:
    starts_at = at(3, 9)
    return planning.create_shift(
        actor=officer,
        kind=ShiftKind.TRAFFIC,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        area=area,
        min_people=1,
        capacity=4,
        required_skills={},
    )


def briefing_training(officer, **values: object) -> Event:
    return new_event(
        officer,
        **{
            "kind": Event.Kind.TRAINING,
            "title": "交通整治安全培训",
            "starts_at": at(1, 14),
            "capacity": 10,
            "audience": Event.Audience.MEMBERS,
            "grants_briefing": ShiftKind.TRAFFIC,
            **values,
        },
    )


def refusal_code(shift: Shift, user) -> str:
    with pytest.raises(ClaimRefused) as refused:
        check_claim(shift=Shift.objects.get(pk=shift.pk), member=member_of(user))
    return refused.value.code


def test_attending_a_briefing_training_lets_the_member_claim_such_shifts(
    officer, volunteer, area
) -> None:
    setup.publish_briefing(
        kind=ShiftKind.TRAFFIC, title="交通整治安全须知", body="穿反光背心。", actor=officer
    )
    shift = traffic_shift(officer, area)
    course = briefing_training(officer)
    ticket = registration.register_member(event=fresh(course), user=volunteer)
    assert refusal_code(shift, volunteer) == "briefing_needed"

    with clock_at(course.starts_at):
        door.check_in(event=fresh(course), registration=ticket, actor=officer)

    check_claim(shift=Shift.objects.get(pk=shift.pk), member=member_of(volunteer))  # no refusal
    entries = audited("events.event.briefing_granted", course)
    assert [entry.data for entry in entries] == [
        {"member": member_of(volunteer).pk, "kind": ShiftKind.TRAFFIC}
    ]


def test_a_walk_in_member_is_granted_the_briefing_too(officer, volunteer, area) -> None:
    setup.publish_briefing(kind=ShiftKind.TRAFFIC, title="须知", body="穿反光背心。", actor=officer)
    shift = traffic_shift(officer, area)
    course = briefing_training(officer)

    with clock_at(course.starts_at):
        door.add_walk_in(
            event=fresh(course), name=volunteer.name, phone=volunteer.phone, actor=officer
        )

    check_claim(shift=Shift.objects.get(pk=shift.pk), member=member_of(volunteer))


def test_attending_a_skill_training_gives_the_skill_once(officer, training, volunteer) -> None:
    manage.save_event(actor=officer, event=training, grants_skill=Skill.FIRST_AID)
    ticket = registration.register_member(event=fresh(training), user=volunteer)
    member = member_of(volunteer)
    assert not MemberSkill.objects.filter(member=member).exists()

    with clock_at(training.starts_at):
        door.check_in(event=fresh(training), registration=ticket, actor=officer)

    assert list(MemberSkill.objects.filter(member=member).values_list("skill", flat=True)) == [
        Skill.FIRST_AID
    ]
    assert len(audited("events.event.skill_granted", training)) == 1


def test_the_public_at_a_training_are_granted_nothing(officer, training) -> None:
    public_training = manage.save_event(
        actor=officer,
        event=training,
        audience=Event.Audience.PUBLIC,
        grants_skill=Skill.FIRST_AID,
    )
    ticket = registration.register(event=public_training, name="市民", phone="13700000001")
    with clock_at(training.starts_at):
        door.check_in(event=fresh(training), registration=ticket, actor=officer)
    assert not MemberSkill.objects.exists()
    assert audited("events.event.skill_granted", training) == []


def test_only_a_training_grants_anything(officer, open_day) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        manage.save_event(actor=officer, event=open_day, grants_skill=Skill.FIRST_AID)
    assert "kind" in refused.value.message_dict


def test_the_calendar_finds_the_next_training_that_gives_a_briefing(officer, squad) -> None:
    assert trainings.next_granting(ShiftKind.TRAFFIC) is None
    later = briefing_training(officer, title="第二期交通整治培训", starts_at=at(9, 14))
    sooner = briefing_training(officer, title="第一期交通整治培训", starts_at=at(4, 14))
    briefing_training(officer, title="草稿", starts_at=at(2, 14), status=Event.Status.DRAFT)
    briefing_training(
        officer,
        title="一分队内部培训",
        starts_at=at(2, 9),
        audience=Event.Audience.SQUADS,
        squads=[squad],
    )
    briefing_training(officer, title="校门执勤培训", grants_briefing=ShiftKind.SCHOOL_GATE)

    found = trainings.next_granting(ShiftKind.TRAFFIC)

    assert found is not None
    assert (found.title, found.starts_at, found.url) == (
        "第一期交通整治培训",
        sooner.starts_at,
        sooner.get_absolute_url(),
    )
    manage.cancel_event(event=fresh(sooner), actor=officer, reason="场地改用")
    assert trainings.next_granting(ShiftKind.TRAFFIC).title == later.title


def test_the_shift_page_offers_the_training_to_a_member_without_the_briefing(
    login, officer, volunteer, area
) -> None:
    setup.publish_briefing(kind=ShiftKind.TRAFFIC, title="须知", body="穿反光背心。", actor=officer)
    shift = traffic_shift(officer, area)
    course = briefing_training(officer)

    html = login(volunteer).get(reverse("shifts:shift", args=[shift.pk])).content.decode()

    assert 'data-testid="refusal"' in html
    assert 'data-testid="next-training"' in html
    offer = html.split('data-testid="next-training"', 1)[1].split("</p>", 1)[0]
    assert course.title in offer
    assert f'href="{course.get_absolute_url()}"' in offer


def test_the_shift_page_offers_no_training_when_none_is_planned(
    login, officer, volunteer, area
) -> None:
    setup.publish_briefing(kind=ShiftKind.TRAFFIC, title="须知", body="穿反光背心。", actor=officer)
    shift = traffic_shift(officer, area)

    html = login(volunteer).get(reverse("shifts:shift", args=[shift.pk])).content.decode()

    assert 'data-testid="refusal"' in html
    assert 'data-testid="next-training"' not in html
