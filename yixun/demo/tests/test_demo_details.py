"""The demo county reads right: squads named after their towns, a policy numbered by its insurer,
no claim dated in the future, and people on duty whenever `make run` starts."""

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from yixun.demo import county as demo_county
from yixun.demo import now as on_duty
from yixun.members.models import InsurancePolicy, Squad
from yixun.patrols.models import Duty
from yixun.shifts.models import Claim, Shift

# How insurers number their policies: the prefix of each one's policy numbers.
PREFIXES = {"中国人寿": "CLIC-", "中国人民": "PICC-", "中国平安": "PA-", "太平洋": "CPIC-"}


@pytest.fixture
def county(db) -> None:
    call_command("demo", "--size", "small", verbosity=0)


@pytest.fixture
def small_hours() -> Iterator[None]:
    """Three in the morning, Shanghai time, with the clock ticking. The demo's rota has nothing
    between 02:00 and 07:00, so the patrol made up for that hour (begun 40 minutes before, four
    hours long) finds every squad's first people free. At another hour some of them are on a
    shift of the rota, and the patrol is smaller, or larger, than the one it replaces."""
    at = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(3)))
    with time_machine.travel(at, tick=True):
        yield


def test_each_squad_is_named_after_the_town_it_patrols(county) -> None:
    squads = list(Squad.objects.select_related("area"))
    assert squads
    for squad in squads:
        town = squad.area.name.removesuffix("镇")
        assert squad.name.startswith(town), (squad.name, squad.area.name)


def test_every_squad_of_the_full_county_is_named_after_its_town(db) -> None:
    builder = demo_county.Builder("full", 2011, lambda step: None)
    builder.areas()
    builder.squads()
    assert len(builder.all_squads) == demo_county.SIZES["full"].squads
    for squad in builder.all_squads:
        assert squad.name.startswith(squad.area.name.removesuffix("镇")), squad.name
    assert len({squad.name for squad in builder.all_squads}) == len(builder.all_squads)


def test_a_policy_is_numbered_the_way_its_insurer_numbers_them(county) -> None:
    policies = list(InsurancePolicy.objects.all())
    assert policies
    for policy in policies:
        prefixes = [p for name, p in PREFIXES.items() if policy.insurer.startswith(name)]
        assert prefixes, policy.insurer
        assert policy.number.startswith(prefixes[0]), (policy.insurer, policy.number)


def test_no_claim_is_dated_in_the_future_or_after_its_shift_began(county) -> None:
    assert Claim.objects.exists()
    assert not Claim.objects.filter(claimed_at__gt=timezone.now()).exists()
    assert not Claim.objects.filter(claimed_at__gt=F("shift__starts_at")).exists()


def on_duty_at(moment: dt.datetime) -> list[Duty]:
    return list(
        Duty.objects.on_duty()
        .filter(shift__starts_at__lte=moment, shift__ends_at__gt=moment)
        .select_related("area__parent", "shift")
    )


def counts() -> tuple[int, int, int]:
    return Shift.objects.count(), Claim.objects.count(), Duty.objects.count()


@pytest.mark.usefixtures("small_hours")
def test_people_are_on_duty_in_several_towns_at_every_start(county) -> None:
    # A day after the build, at the same quiet hour: what the build put on duty has long ended.
    later = timezone.now() + dt.timedelta(days=1)
    before = counts()
    on_duty.refresh(now=later)
    duties = on_duty_at(later)
    towns = {duty.area.parent_id if duty.area.parent_id else duty.area_id for duty in duties}
    assert len(towns) >= 3
    assert all(duty.latitude and duty.longitude and duty.checked_in_at <= later for duty in duties)
    assert all(duty.claim.claimed_at <= duty.shift.starts_at for duty in duties)

    # The build made them already: a later start replaces them, adding no rows.
    made = counts()
    assert made == before
    # Started again while those patrols are on: nothing changes.
    on_duty.refresh(now=later + dt.timedelta(minutes=30))
    assert counts() == made

    # Started again the next day: new patrols in place of the old, never more rows.
    next_day = later + dt.timedelta(days=1)
    on_duty.refresh(now=next_day)
    assert counts() == made
    assert len(on_duty_at(next_day)) == len(duties)
    assert not on_duty_at(later)


def test_make_run_puts_people_on_duty_through_demo_if_empty(county, capsys) -> None:
    Duty.objects.filter(status=Duty.Status.ON_DUTY).update(
        status=Duty.Status.DONE, checked_out_at=timezone.now()
    )
    ended = timezone.now() - dt.timedelta(hours=6)
    Shift.objects.filter(uid__in=[on_duty.uid_of(t) for t in on_duty.towns()]).update(
        starts_at=ended - dt.timedelta(hours=4), ends_at=ended
    )
    call_command("demo", "--if-empty")
    assert "on duty now" in capsys.readouterr().out
    assert Duty.objects.on_duty_now().exclude(latitude=None).count() >= 3


def test_a_database_that_is_not_the_demo_gets_no_made_up_duty(db, volunteer) -> None:
    call_command("demo", "--refresh-duty", verbosity=0)
    assert not Shift.objects.exists()
