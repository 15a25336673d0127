"""The people `make bench` stands for: signed-in volunteers and officers of the demo county.

Run by bench/run.py against the bench database, before the server starts:
`python bench/people.py OUTDIR`. It creates real Django sessions (the auth keys, as a sign-in
leaves them) for VOLUNTEERS volunteers spread round-robin over the squads, for every officer,
API tokens for some of each, places to claim and claims to check in on, and writes one request
file per endpoint into OUTDIR for bench/requests.lua: one request a line,

    METHOD <TAB> PATH <TAB> HEADER|HEADER… <TAB> BODY

each line another person, week or town, so that wrk's requests behave like the people they
stand for. It prints a JSON summary (counts, and the files written) on its last line.
"""

import datetime as dt
import json
import os
import random
import secrets
import sys
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.utils import timezone  # noqa: E402

from yixun.accounts.models import RoleGrant, User  # noqa: E402
from yixun.accounts.roles import Role  # noqa: E402
from yixun.accounts.services import issue_token  # noqa: E402
from yixun.members.models import Member, NoticeAcceptance  # noqa: E402
from yixun.members.models.rulebook import current_notice  # noqa: E402
from yixun.patrols.models import Duty, DutyRules  # noqa: E402
from yixun.places.models import Area, Site  # noqa: E402
from yixun.shifts.models import Claim, ClaimRules, Shift  # noqa: E402
from yixun.tips.models import Tip  # noqa: E402

VOLUNTEERS = 600
TOKENS = 40  # volunteers who also call the API with a personal token
CLAIM_SHIFTS, CLAIM_PLACES = 60, 40  # far ahead, for the claim endpoint and the mixed reads
CHECKIN_SHIFTS, CHECKIN_PLACES = 60, 20  # began five minutes ago, for the check-in endpoint
WEEKS = range(-2, 6)  # the calendar's weeks asked for, from this week's Monday
BACKEND = "yixun.accounts.backends.PhoneRoleBackend"
rng = random.Random(2026)


class Person:
    def __init__(self, user: User, member: Member | None) -> None:
        self.user, self.member = user, member
        self.csrf = secrets.token_hex(16)  # 32 characters, as Django's CSRF cookie holds
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session._session_key = session._get_new_session_key()
        self.session = session
        self.token = ""

    def cookie(self) -> str:
        return (
            f"Cookie: {settings.SESSION_COOKIE_NAME}={self.session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def post(self, path: str, body: str = "") -> str:
        form = f"csrfmiddlewaretoken={self.csrf}" + (f"&{body}" if body else "")
        return line(
            "POST", path, [self.cookie(), "Content-Type: application/x-www-form-urlencoded"], form
        )

    def get(self, path: str) -> str:
        return line("GET", path, [self.cookie()])

    def api(self, path: str) -> str:
        return line("GET", path, [f"Authorization: Bearer {self.token}"])


def line(method: str, path: str, headers: list[str], body: str = "") -> str:
    return "\t".join((method, path, "|".join(headers), body))


def save_sessions(people: list[Person]) -> None:
    expire = timezone.now() + dt.timedelta(days=7)
    Session.objects.bulk_create(
        Session(
            session_key=p.session.session_key,
            session_data=p.session.encode(dict(p.session.items())),
            expire_date=expire,
        )
        for p in people
    )


def accept_notice(people: list[Person]) -> None:
    """As each of them did at their first sign-in: the membership notice is accepted (the demo
    leaves a few who never signed in without it, and the pages would send them to /notice/)."""
    notice = current_notice()
    if notice is not None:
        NoticeAcceptance.objects.bulk_create(
            [NoticeAcceptance(user=p.user, version=notice) for p in people],
            ignore_conflicts=True,
        )


def volunteers() -> list[Person]:
    """Adult volunteers (and registered members) who are nothing else, round-robin by squad."""
    others = RoleGrant.objects.exclude(role=Role.VOLUNTEER).values("user_id")
    members = (
        Member.objects.filter(
            status=Member.Status.ACTIVE,
            squad__isnull=False,
            birth_date__lt=timezone.localdate() - dt.timedelta(days=19 * 366),
        )
        .exclude(user_id__in=others)
        .select_related("user", "squad")
        .order_by("pk")
    )
    by_squad: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        by_squad[member.squad_id].append(member)
    chosen: list[Member] = []
    while len(chosen) < VOLUNTEERS and any(by_squad.values()):
        for squad_members in by_squad.values():
            if squad_members and len(chosen) < VOLUNTEERS:
                chosen.append(squad_members.pop(0))
    return [Person(m.user, m) for m in chosen]


def far_shifts(count: int, places: int, town: Area, first_day: int) -> list[Shift]:
    """Evening patrols far ahead, one a day, 19:00–21:00: no rule about nights refuses anyone, and
    they overlap none of the claim rush's daytime shifts (whose takers would otherwise be
    refused for a claim they made here)."""
    first = timezone.localdate() + dt.timedelta(days=first_day)

    def at(n: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=n), dt.time(hour)))

    return Shift.objects.bulk_create(
        Shift(
            kind="patrol",
            area=town,
            min_people=1,
            capacity=places,
            starts_at=at(n, 19),
            ends_at=at(n, 21),
            notes="bench",
        )
        for n in range(count)
    )


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    # What an earlier run on a kept database made (`--reuse`): its shifts would keep these
    # people busy, with nobody left to check in.
    Duty.objects.filter(shift__notes="bench").delete()
    Shift.objects.filter(notes="bench").delete()  # and their claims and waiting lists
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0  # newcomers may claim alone: the bench is about speed
    rules.save()
    DutyRules.current()
    people = volunteers()
    officers = [
        Person(user, None)
        for user in User.objects.filter(role_grants__role=Role.OFFICER).order_by("pk").distinct()
    ]
    save_sessions(people + officers)
    accept_notice(people + officers)
    for person in people[:TOKENS] + officers:
        _token, person.token = issue_token(user=person.user, name="bench", actor=None)

    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("pk"))
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    weeks = [monday + dt.timedelta(weeks=n) for n in WEEKS]
    codes = list(Tip.objects.order_by("pk").values_list("code", flat=True)[:500])

    def calendar(p: Person) -> str:
        week = rng.choice(weeks)
        if rng.random() < 0.4:  # their own squad's town, as the calendar first opens
            return p.get(f"/calendar/?start={week:%Y-%m-%d}")
        return p.get(f"/calendar/?start={week:%Y-%m-%d}&area={rng.choice(towns).pk}")

    pages = {
        "calendar week": calendar,
        "my patrols": lambda p: p.get("/me/patrols/"),
        "duty page": lambda p: p.get("/duty/"),
        "tip tracking": lambda p: p.get(f"/tips/t/{rng.choice(codes)}/"),
        "home (volunteer)": lambda p: p.get("/"),
        "inbox": lambda p: p.get("/inbox/"),
    }
    files: dict[str, int] = {}

    def write(name: str, lines: list[str]) -> None:
        (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[name] = len(lines)

    for name, make in pages.items():
        write(name, [make(rng.choice(people)) for _ in range(4000)])

    # Claims: every line another volunteer on another shift, far ahead in each one's own town.
    claimable = far_shifts(CLAIM_SHIFTS, CLAIM_PLACES, towns[1], first_day=120)
    pairs = [(p, s) for s in claimable for p in rng.sample(people, CLAIM_PLACES)]
    rng.shuffle(pairs)
    claims = [p.post(f"/shifts/{s.pk}/claim/") for p, s in pairs]
    write("claim", claims[: len(claims) // 2])
    # The mixed load: mostly the pages above, one request in ten a claim.
    spare = iter(claims[len(claims) // 2 :])
    mixed = [
        next(spare) if n % 10 == 9 else rng.choice(list(pages.values()))(rng.choice(people))
        for n in range(4000)
    ]
    write("volunteers mixed", mixed)

    # Check-ins: claims on shifts at the county's sites that began five minutes ago.
    sites = list(Site.objects.filter(is_active=True).order_by("pk"))
    starts = timezone.now() - dt.timedelta(minutes=5)
    now_shifts = Shift.objects.bulk_create(
        Shift(
            kind="patrol",
            site=sites[n % len(sites)],
            min_people=1,
            capacity=CHECKIN_PLACES,
            taken=CHECKIN_PLACES,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            notes="bench",
        )
        for n in range(CHECKIN_SHIFTS)
    )
    busy = Claim.objects.active().filter(
        shift__starts_at__lt=starts + dt.timedelta(hours=2), shift__ends_at__gt=starts
    )
    free = [p for p in people if not busy.filter(member=p.member).exists()]
    checkins = []
    for n, person in enumerate(free[: CHECKIN_SHIFTS * CHECKIN_PLACES]):
        shift = now_shifts[n % CHECKIN_SHIFTS]
        claim = Claim.objects.create(shift=shift, member=person.member, claimed_by=person.user)
        site = shift.site
        assert site is not None  # noqa: S101
        body = f"latitude={site.latitude}&longitude={site.longitude}&key={uuid.uuid4()}"
        checkins.append(person.post(f"/duty/claims/{claim.pk}/check-in/", body))
    write("check-in", checkins)

    tokened = people[:TOKENS]
    write(
        "shifts API",
        [
            rng.choice(tokened).api(
                f"/api/v1/shifts?area={rng.choice(towns).pk}&start={rng.choice(weeks):%Y-%m-%d}"
            )
            for _ in range(2000)
        ],
    )
    write(
        "members API",
        [
            rng.choice(officers).api(f"/api/v1/members?page={rng.randint(1, 20)}")
            for _ in range(500)
        ],
    )
    write(
        "members page",
        [rng.choice(officers).get(f"/members/?page={rng.randint(1, 40)}") for _ in range(500)],
    )
    summary = {
        "volunteers": len(people),
        "squads": len({p.member.squad_id for p in people if p.member}),
        "officers": len(officers),
        "weeks": len(weeks),
        "towns": len(towns),
        "files": files,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
