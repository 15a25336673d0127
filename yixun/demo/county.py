"""Build a demo association deterministically: the same seed gives the same county.

Each domain adds its part as it lands (places, shifts, duties, tips …).
"""

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from yixun.accounts.models import RoleGrant, User, digest
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.lib import crypto, resident_id
from yixun.lib.text import pinyin_key
from yixun.members.models import (
    Application,
    Availability,
    Coverage,
    InsurancePolicy,
    Member,
    MemberSkill,
    NoticeAcceptance,
    Occupation,
    PartnerOrganisation,
    RulebookDocument,
    RulebookVersion,
    Skill,
    Squad,
)
from yixun.members.services.insurance import schedule_reminders
from yixun.places.models import Area, PoliceStation
from yixun.public.models import DEFAULT_FIGURES
from yixun.public.services import save_public_site

from . import bulletins, duty, events, names, patrols, rules_text, tips

DEMO_PASSWORD = "yixun-demo"  # noqa: S105 - printed for the demo, never for a real install
COUNTY_CODE = "420923"  # the region prefix of the demo county's ID numbers
# The insurer of the demo's policy, and how that insurer numbers its policies (China Life).
INSURER = "中国人寿保险县支公司"
INSURER_PREFIX = "CLIC"


@dataclass(frozen=True)
class Size:
    squads: int
    volunteers: int
    registered: int
    core: int
    moderators: int
    police: int
    officers: int
    applications: int
    towns: int
    weeks_back: int
    weeks_ahead: int
    # Shifts a day in the years before the calendar, per member who could patrol then.
    history_pace: float
    # Tips over the last year.
    tips: int


SIZES = {
    "small": Size(
        squads=4,
        volunteers=60,
        registered=20,
        core=8,
        moderators=2,
        police=2,
        officers=2,
        applications=4,
        towns=3,
        weeks_back=1,
        weeks_ahead=2,
        history_pace=0.0012,
        tips=40,
    ),
    "full": Size(
        squads=38,
        volunteers=2000,
        registered=600,
        core=160,
        moderators=12,
        police=8,
        officers=5,
        applications=15,
        towns=13,
        weeks_back=6,
        weeks_ahead=6,
        history_pace=0.00068,
        tips=600,
    ),
}
# The full county with about a million duty records (duties, inspections, incidents) over the
# years, to measure the figures and the pages against: `manage.py demo --size large`.
SIZES["large"] = dataclasses.replace(SIZES["full"], history_pace=0.036)


# Fixed logins, one per role, printed by `make run`.
LOGINS = (
    ("13800000001", "周建国", Role.OFFICER),
    ("13800000002", "陈警官", Role.POLICE),
    ("13800000003", "李版主", Role.MODERATOR),
    ("13800000004", "王队长", Role.SQUAD_LEADER),
    ("13800000005", "张志愿", Role.VOLUNTEER),
)

STEPS = (
    "areas", "squads", "people", "members", "rules", "insurance", "applications", "calendar",
    "duties", "history", "tips", "bulletins", "events", "public_site",
)  # fmt: skip
# "One team of 70 forum users" began at the end of 2011 (field report): the first members.
FOUNDERS = 70
OCCUPATION_WEIGHTS = (
    (Occupation.GOVERNMENT, 18), (Occupation.TEACHER, 12), (Occupation.MEDICAL, 8), (Occupation.VETERAN, 14),
    (Occupation.BUSINESS, 26), (Occupation.STUDENT, 4), (Occupation.OTHER, 18),
)  # fmt: skip


def is_empty() -> bool:
    return not User.objects.exists()


def id_number(
    rng: random.Random, *, age: int, today: dt.date, taken: set[str]
) -> resident_id.ResidentId:
    """A valid, unique, made-up resident ID number of someone of this age from the demo county."""
    while True:
        born = today - dt.timedelta(days=age * 365 + rng.randrange(1, 360))
        first17 = f"{COUNTY_CODE}{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in taken:
            taken.add(first17)
            return resident_id.parse(first17 + resident_id.check_character(first17), today=today)


class Builder:
    def __init__(self, size: str, seed: int, progress: Callable[[str], None]) -> None:
        self.plan = SIZES[size]
        self.rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
        self.today = timezone.localdate()
        self.progress = progress
        self.taken_phones = {login[0] for login in LOGINS}
        self.taken_ids: set[str] = set()
        # Hashed once and shared: argon2 for 2,000 people one by one would take minutes.
        self.password = make_password(DEMO_PASSWORD)

    def build(self) -> dict[str, int]:
        self.made: dict[str, int] = {}
        with transaction.atomic():
            for step in STEPS:
                self.progress(step)
                getattr(self, step)()
        return {
            "areas": len(self.all_areas),
            "squads": len(self.all_squads),
            "people": User.objects.count(),
            "members": len(self.all_members),
            "applications": self.plan.applications,
            **self.made,
        }

    def areas(self) -> None:
        county_station = PoliceStation.objects.create(name="示范县公安局", phone="110")
        county = Area.objects.create(name="示范县", level=Area.Level.COUNTY, station=county_station)
        self.towns = []
        self.areas_list = [county]
        for town_name in names.TOWNS:
            town = Area.objects.create(
                name=f"{town_name}镇",
                level=Area.Level.TOWN,
                parent=county,
                station=PoliceStation.objects.create(name=f"{town_name}派出所"),
            )
            self.towns.append(town)
            for index in range(self.rng.randint(2, 4)):
                kind = "社区" if index < 2 else "村"
                self.areas_list.append(
                    Area.objects.create(
                        name=f"{town_name}{names.NUMERALS[index]}{kind}",
                        level=Area.Level.COMMUNITY,
                        parent=town,
                    )
                )
        self.all_areas = self.areas_list + self.towns

    def squads(self) -> None:
        self.all_squads = Squad.objects.bulk_create(
            Squad(
                name=name,
                area=self.towns[index % len(self.towns)],
                founded_on=dt.date(2011, 12, 1) + dt.timedelta(days=self.rng.randrange(4000)),
            )
            for index, name in enumerate(names.squad_names(self.plan.squads))
        )

    def people(self) -> None:
        plan, rng = self.plan, self.rng
        people = [User(phone=f"+86{number}", name=name) for number, name, _role in LOGINS]
        people += [
            User(phone=f"+86{names.mobile(rng, self.taken_phones)}", name=names.person_name(rng))
            for _ in range(plan.volunteers + plan.police - len(LOGINS))
        ]
        for person in people:
            person.password, person.name_pinyin = self.password, pinyin_key(person.name)
        people = User.objects.bulk_create(people, batch_size=500)
        officer, police, moderator, leader, volunteer = people[: len(LOGINS)]
        rest = people[len(LOGINS) :]
        self.police = [police, *rest[: plan.police - 1]]

        self.patrollers = [officer, moderator, leader, volunteer, *rest[plan.police - 1 :]]
        self.volunteer = volunteer
        self.leaders = [
            leader,
            *self.patrollers[4 + plan.moderators : 4 + plan.moderators + plan.squads - 1],
        ]
        grants = [RoleGrant(user=user, role=Role.POLICE) for user in self.police]
        grants += [RoleGrant(user=user, role=Role.VOLUNTEER) for user in self.patrollers]
        grants += [
            RoleGrant(user=u, role=Role.OFFICER)
            for u in [officer, *self.patrollers[-(plan.officers - 1) :]]
        ]
        self.moderator_users = [moderator, *self.patrollers[4 : 4 + plan.moderators - 1]]
        grants += [RoleGrant(user=u, role=Role.MODERATOR) for u in self.moderator_users]
        grants += [RoleGrant(user=user, role=Role.SQUAD_LEADER) for user in self.leaders]
        RoleGrant.objects.bulk_create(grants, batch_size=1000)
        for squad, squad_leader in zip(self.all_squads, self.leaders, strict=True):
            squad.leader = squad_leader
        Squad.objects.bulk_update(self.all_squads, ["leader"])

    def members(self) -> None:
        plan, rng, today = self.plan, self.rng, self.today
        leader_squad = {
            user.pk: squad for squad, user in zip(self.all_squads, self.leaders, strict=True)
        }
        occupations = [o for o, weight in OCCUPATION_WEIGHTS for _ in range(weight)]
        members = []
        for index, user in enumerate(self.patrollers):
            squad = leader_squad.get(user.pk) or (
                self.all_squads[0] if user is self.volunteer else rng.choice(self.all_squads)
            )
            kind = (
                Member.Kind.CORE
                if index < plan.core
                else Member.Kind.REGISTERED
                if index < plan.registered
                else Member.Kind.VOLUNTEER
            )
            occupation = rng.choice(occupations)
            # The founders patrolled in 2011, so were of age then; the others joined since.
            founder = index < FOUNDERS
            age = (
                rng.randint(16, 17)
                if occupation == Occupation.STUDENT and rng.random() < 0.3 and not founder
                else rng.randint((today - duty.BEGAN).days // 365 + 19 if founder else 19, 66)
            )
            joined_on = (
                duty.BEGAN
                if founder
                else max(duty.BEGAN, today - dt.timedelta(days=rng.randrange(5000)))
            )
            member = Member(
                user=user,
                squad=squad,
                kind=kind,
                occupation=occupation,
                joined_on=joined_on,
                availability=rng.sample(Availability.values, rng.randint(1, 3)),
                home_area=rng.choice(self.areas_list[1:]),
                emergency_name=names.person_name(rng),
                emergency_phone=f"+86{names.mobile(rng, self.taken_phones)}",
            )
            member.set_id_number(id_number(rng, age=age, today=today, taken=self.taken_ids))
            if member.is_minor:
                member.guardian_name = names.person_name(rng)
                member.guardian_phone = f"+86{names.mobile(rng, self.taken_phones)}"
                member.guardian_consent_at = timezone.now()
                member.kind = Member.Kind.VOLUNTEER
            members.append(member)
        self.all_members = Member.objects.bulk_create(members, batch_size=500)
        skills = []
        for member in self.all_members:
            for skill in rng.sample(Skill.values, rng.choice((0, 0, 1, 1, 2, 3))):
                detail = (
                    rng.choice(("C1", "C2", "B2", "A2"))
                    if skill == Skill.DRIVING
                    else "英语"
                    if skill == Skill.LANGUAGE
                    else ""
                )
                skills.append(MemberSkill(member=member, skill=skill, detail=detail))
        MemberSkill.objects.bulk_create(skills, batch_size=1000)
        partners = PartnerOrganisation.objects.bulk_create(
            [
                PartnerOrganisation(
                    name="县法律援助热线",
                    kind=PartnerOrganisation.Kind.LEGAL_AID,
                    contact_name="刘律师",
                    contact_phone="12348",
                ),
                PartnerOrganisation(
                    name="县义工联合会",
                    kind=PartnerOrganisation.Kind.VOLUNTEERS,
                    contact_name="何会长",
                ),
                PartnerOrganisation(
                    name="爱心献血队", kind=PartnerOrganisation.Kind.BLOOD, contact_name="孙队长"
                ),
                PartnerOrganisation(
                    name="绿色环保志愿队",
                    kind=PartnerOrganisation.Kind.ENVIRONMENT,
                    contact_name="吴队长",
                ),
            ]
        )
        through = [m for m in self.all_members if rng.random() < 0.08]
        for member in through:
            member.partner = rng.choice(partners)
        Member.objects.bulk_update(through, ["partner"], batch_size=500)

    def rules(self) -> None:
        officer = self.patrollers[0]
        started = timezone.now() - dt.timedelta(days=400)
        for kind, title, texts in (
            (RulebookDocument.Kind.CHARTER, "协会章程", [rules_text.CHARTER]),
            (RulebookDocument.Kind.MANAGEMENT_RULES, "管理制度", [rules_text.MANAGEMENT_RULES]),
            (
                RulebookDocument.Kind.MEMBERSHIP_NOTICE,
                "入会须知",
                [rules_text.NOTICE_V1, rules_text.NOTICE_V2],
            ),
        ):
            document = RulebookDocument.objects.create(kind=kind, title=title)
            for number, text in enumerate(texts, start=1):
                version = RulebookVersion.objects.create(
                    document=document,
                    number=number,
                    body=text,
                    change_note="" if number == 1 else "增加保险与夜巡的说明",
                    published_at=started + dt.timedelta(days=200 * (number - 1)),
                    published_by=officer,
                )
        self.notice = version
        # Everyone has accepted the current notice, except a few who have not signed in since.
        NoticeAcceptance.objects.bulk_create(
            [NoticeAcceptance(user=m.user, version=version) for m in self.all_members[:-12]],
            batch_size=1000,
        )

    def insurance(self) -> None:
        year = self.today.year
        policy = InsurancePolicy.objects.create(
            insurer=INSURER,
            number=f"{INSURER_PREFIX}-{year}-0421",
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            sum_insured=Decimal("200000"),
            created_by=self.patrollers[0],
        )
        core = [m for m in self.all_members if m.kind == Member.Kind.CORE]
        # A handful of core members joined after the roster went to the insurer.
        Coverage.objects.bulk_create([Coverage(policy=policy, member=m) for m in core[:-5]])
        schedule_reminders(policy)  # the worker tells the officers before it ends

    def duties(self) -> None:
        self.made.update(duty.recent(self))

    def tips(self) -> None:
        self.made.update(tips.build(self, count=self.plan.tips))

    def bulletins(self) -> None:
        self.made.update(bulletins.build(self))

    def events(self) -> None:
        self.made.update(events.build(self))

    def public_site(self) -> None:
        """What the association tells the public about itself, as an officer would write it."""
        save_public_site(
            actor=self.patrollers[0],
            intro=rules_text.PUBLIC_INTRO,
            about_extra=rules_text.PUBLIC_ABOUT,
            contact=rules_text.PUBLIC_CONTACT,
            figures=[*DEFAULT_FIGURES, "events"],
        )

    def history(self) -> None:
        for name, count in duty.history(self, pace=self.plan.history_pace).items():
            self.made[name] = self.made.get(name, 0) + count

    def calendar(self) -> None:
        self.made.update(
            patrols.build(
                self,
                towns=self.plan.towns,
                weeks_back=self.plan.weeks_back,
                weeks_ahead=self.plan.weeks_ahead,
            )
        )

    def applications(self) -> None:
        rng = self.rng
        statuses = [Application.Status.PENDING] * (self.plan.applications - 3) + [
            Application.Status.NEEDS_INFO,
            Application.Status.REJECTED,
            Application.Status.PENDING,
        ]
        for index, status in enumerate(statuses):
            token = f"demo-application-{index}"
            application = Application(
                name=names.person_name(rng),
                phone=f"+86{names.mobile(rng, self.taken_phones)}",
                occupation=rng.choice(Occupation.values),
                skills=[{"skill": Skill.FIRST_AID, "detail": ""}] if rng.random() < 0.4 else [],
                availability=rng.sample(Availability.values, 2),
                home_area=rng.choice(self.areas_list[1:]),
                emergency_name=names.person_name(rng),
                emergency_phone=f"+86{names.mobile(rng, self.taken_phones)}",
                notice_version=self.notice,
                status=status,
                submitted_at=timezone.now() - dt.timedelta(hours=rng.randrange(1, 240)),
                access_digest=digest(token),
                access_encrypted=crypto.encrypt(token),
            )
            age = 17 if index == 1 else rng.randint(20, 55)
            application.set_id_number(
                id_number(rng, age=age, today=self.today, taken=self.taken_ids)
            )
            if age < 18:
                application.guardian_name, application.guardian_phone = (
                    names.person_name(rng),
                    "+8613900139000",
                )
                application.guardian_consent_at = timezone.now()
            if status == Application.Status.NEEDS_INFO:
                application.question, application.asked_at = (
                    "请问您能否参加周末夜间巡逻？",
                    timezone.now(),
                )
            if status == Application.Status.REJECTED:
                application.reason, application.decided_at = (
                    "所留手机号无法接通，请核实后重新申请。",
                    timezone.now(),
                )
            application.save()
        audit.record(actor=None, action="demo.association.built", data={"size": self.plan.squads})


def build(
    *, size: str = "full", seed: int = 2011, progress: Callable[[str], None] = lambda step: None
) -> dict[str, int]:
    """Create the demo association in an empty database and return what was made."""
    return Builder(size, seed, progress).build()
