"""Never overbooked: many members claim the last places of a shift at the same moment.

Run it on PostgreSQL (DATABASE_URL=postgres://…) for the proof the issue asks for: 50 or more
threads, each with its own connection, race for 5 places. SQLite serialises writers, so there
the same assertions hold with fewer threads.
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.accounts.roles import Role
from yixun.members.models import Member
from yixun.places.models import Area
from yixun.shifts.models import Claim, ClaimRules, Shift, WaitlistEntry
from yixun.shifts.services import claims, planning

PLACES = 5


def claimant_count() -> int:
    return 60 if connection.vendor == "postgresql" else 40


def make_members(n: int) -> list[int]:
    ids = []
    for i in range(n):
        user = accounts.create_user(
            phone=f"1392000{i:04d}",
            name=f"巡逻队员{i}",
            password=None,
            actor=None,
            roles=[Role.VOLUNTEER],
        )
        ids.append(Member.objects.create(user=user).pk)
    return ids


@pytest.mark.django_db(transaction=True)
def test_many_claimants_at_once_get_exactly_the_places_there_are(officer) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()
    area = Area.objects.create(name="城关镇", level="town")
    starts_at = timezone.now() + dt.timedelta(days=3)
    shift = planning.create_shift(
        actor=officer,
        kind=Shift.Kind.PATROL,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        area=area,
        min_people=2,
        capacity=PLACES,
    )
    member_ids = make_members(claimant_count())
    if connection.vendor == "postgresql":
        assert len(member_ids) >= 50

    barrier = threading.Barrier(len(member_ids))
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def claim_at_once(member_id: int) -> None:
        try:
            member = Member.objects.select_related("user", "squad").get(pk=member_id)
            mine = Shift.objects.get(pk=shift.pk)
            barrier.wait(timeout=60)
            result = claims.claim_shift(shift=mine, member=member, actor=member.user)
            results[member_id] = type(result).__name__
        except BaseException as error:  # any failure at all is a failure of the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_at_once, args=(pk,)) for pk in member_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert Counter(results.values()) == {
        "Claim": PLACES,
        "WaitlistEntry": len(member_ids) - PLACES,
    }
    shift.refresh_from_db()
    assert shift.taken == PLACES
    claimed = set(Claim.objects.active().filter(shift=shift).values_list("member", flat=True))
    waiting = list(
        WaitlistEntry.objects.filter(shift=shift, status=WaitlistEntry.Status.WAITING).values_list(
            "member", flat=True
        )
    )
    assert len(claimed) == Claim.objects.filter(shift=shift).count() == PLACES
    assert len(waiting) == len(set(waiting)) == len(member_ids) - PLACES
    assert not claimed & set(waiting)  # nobody both on it and waiting
    assert claimed | set(waiting) == set(member_ids)  # nobody lost
    assert claimed == {pk for pk, kind in results.items() if kind == "Claim"}
