"""Build a demo association deterministically: same seed, same county.

Each domain adds its part here as it lands (places, shifts, duties, tips …).
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from yixun.accounts.models import RoleGrant, User
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.members.models import Member, Squad

from . import names

DEMO_PASSWORD = "yixun-demo"  # noqa: S105 - printed for the demo, never for a real install


@dataclass(frozen=True)
class Size:
    squads: int
    volunteers: int
    registered: int
    core: int
    moderators: int
    police: int
    officers: int


SIZES = {
    "small": Size(
        squads=4, volunteers=60, registered=20, core=8, moderators=2, police=2, officers=2
    ),
    "full": Size(
        squads=38, volunteers=2000, registered=600, core=160, moderators=12, police=8, officers=5
    ),
}

# Fixed logins, one per role, printed by `make run`.
LOGINS = (
    ("13800000001", "周建国", Role.OFFICER),
    ("13800000002", "陈警官", Role.POLICE),
    ("13800000003", "李版主", Role.MODERATOR),
    ("13800000004", "王队长", Role.SQUAD_LEADER),
    ("13800000005", "张志愿", Role.VOLUNTEER),
)


def is_empty() -> bool:
    return not User.objects.exists()


def build(
    *, size: str = "full", seed: int = 2011, progress: Callable[[str], None] = lambda step: None
) -> dict[str, int]:
    """Create the demo association in an empty database and return what was made."""
    plan = SIZES[size]
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    today = timezone.localdate()
    # Hashed once and shared: argon2 for 2,000 people one by one would take minutes.
    password = make_password(DEMO_PASSWORD)
    taken = {login[0] for login in LOGINS}

    with transaction.atomic():
        progress("squads")
        squads = Squad.objects.bulk_create(
            Squad(
                name=name, founded_on=dt.date(2011, 12, 1) + dt.timedelta(days=rng.randrange(4000))
            )
            for name in names.squad_names(plan.squads)
        )

        progress("people")
        people = [
            User(phone=f"+86{number}", name=name, password=password, date_joined=timezone.now())
            for number, name, _role in LOGINS
        ]
        people += [
            User(
                phone=f"+86{names.mobile(rng, taken)}",
                name=names.person_name(rng),
                password=password,
            )
            for _ in range(plan.volunteers + plan.police - len(LOGINS))
        ]
        people = User.objects.bulk_create(people, batch_size=500)
        officer, police, moderator, leader, volunteer = people[: len(LOGINS)]
        rest = people[len(LOGINS) :]
        police_liaisons = [police, *rest[: plan.police - 1]]
        patrollers = [officer, moderator, leader, volunteer, *rest[plan.police - 1 :]]

        progress("roles")
        grants = [RoleGrant(user=user, role=Role.POLICE) for user in police_liaisons]
        grants += [RoleGrant(user=user, role=Role.VOLUNTEER) for user in patrollers]
        grants += [
            RoleGrant(user=user, role=Role.OFFICER)
            for user in [officer, *patrollers[-(plan.officers - 1) :]]
        ]
        grants += [
            RoleGrant(user=user, role=Role.MODERATOR)
            for user in [moderator, *patrollers[4 : 4 + plan.moderators - 1]]
        ]

        progress("members")
        leaders = [leader, *patrollers[4 + plan.moderators : 4 + plan.moderators + plan.squads - 1]]
        for squad, squad_leader in zip(squads, leaders, strict=True):
            squad.leader = squad_leader
        Squad.objects.bulk_update(squads, ["leader"])
        grants += [RoleGrant(user=user, role=Role.SQUAD_LEADER) for user in leaders]
        RoleGrant.objects.bulk_create(grants, batch_size=1000)

        members = []
        for index, user in enumerate(patrollers):
            squad = squads[leaders.index(user)] if user in leaders else rng.choice(squads)
            if user is volunteer:
                squad = squads[0]
            kind = (
                Member.Kind.CORE
                if index < plan.core
                else Member.Kind.REGISTERED
                if index < plan.registered
                else Member.Kind.VOLUNTEER
            )
            joined = max(dt.date(2011, 12, 1), today - dt.timedelta(days=rng.randrange(5000)))
            members.append(Member(user=user, squad=squad, kind=kind, joined_on=joined))
        Member.objects.bulk_create(members, batch_size=1000)

        audit.record(actor=None, action="demo.association.built", data={"size": size, "seed": seed})
    return {
        "squads": len(squads),
        "people": len(people),
        "members": len(members),
        "roles": len(grants),
    }
