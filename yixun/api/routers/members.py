"""Members and squads, through the same doors and services as the pages."""

import datetime as dt
from types import SimpleNamespace
from typing import Annotated, Any, Literal, cast

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yixun.accounts.models import User
from yixun.api.auth import MEMBERS, OFFICERS
from yixun.api.pagination import Pages
from yixun.api.schemas import ERRORS, Answer, BodyIn, Id, Lax, Mobile, Name, text
from yixun.lib import resident_id
from yixun.members.models import (
    Availability,
    ContactScope,
    Member,
    MemberKind,
    MemberSkill,
    MemberStatus,
    Occupation,
    PartnerOrganisation,
    Skill,
    Squad,
)
from yixun.members.models.members import MemberQuerySet
from yixun.members.models.personal import ADULT_AGE
from yixun.members.services import roster
from yixun.places.models import Area

router = Router(tags=["members"])


class SkillOut(Answer):
    skill: Skill
    detail: str = ""


class SkillIn(BodyIn):
    skill: Annotated[Skill, Lax]
    detail: str = Field("", max_length=60)


def contact_scope(context: dict[str, Any]) -> ContactScope:
    """The caller's ContactScope, worked out once per request however many members are shown."""
    request = context["request"]
    if not hasattr(request, "_yixun_contact_scope"):
        request._yixun_contact_scope = ContactScope(request.user)
    return request._yixun_contact_scope


class MemberOut(Answer):
    """A member as the caller may see them: contact details and ID only where allowed."""

    id: int
    name: str
    squad_id: int | None
    squad: str | None
    kind: MemberKind
    status: MemberStatus
    joined_on: dt.date
    is_minor: bool
    is_insured_today: bool
    skills: list[SkillOut]
    phone: str | None = Field(
        None, description="Only for officers, the squad's leaders and the member"
    )
    emergency_name: str | None = None
    emergency_phone: str | None = None
    id_number_masked: str | None = Field(None, description="Officers only, always masked")
    occupation: Occupation | None = Field(None, description="Officers only")

    @staticmethod
    def resolve_name(member: Member) -> str:
        return member.user.name

    @staticmethod
    def resolve_squad(member: Member) -> str | None:
        return member.squad.name if member.squad else None

    @staticmethod
    def resolve_is_insured_today(member: Member) -> bool:
        return bool(getattr(member, "is_covered", False))

    @staticmethod
    def resolve_skills(member: Member) -> list[SkillOut]:
        return [SkillOut(skill=Skill(s.skill), detail=s.detail) for s in member.skills.all()]

    @staticmethod
    def resolve_phone(member: Member, context: dict[str, Any]) -> str | None:
        return member.user.phone if contact_scope(context).covers(member) else None

    @staticmethod
    def resolve_emergency_name(member: Member, context: dict[str, Any]) -> str | None:
        return member.emergency_name if contact_scope(context).covers(member) else None

    @staticmethod
    def resolve_emergency_phone(member: Member, context: dict[str, Any]) -> str | None:
        return member.emergency_phone if contact_scope(context).covers(member) else None

    @staticmethod
    def resolve_id_number_masked(member: Member, context: dict[str, Any]) -> str | None:
        return member.id_number_masked if contact_scope(context).everyone else None

    @staticmethod
    def resolve_occupation(member: Member, context: dict[str, Any]) -> str | None:
        return member.occupation or None if contact_scope(context).everyone else None


class MemberFilter(Schema):
    q: str = Field("", max_length=50, description="Part of a name, in characters or pinyin")
    squad: Id | None = None
    kind: MemberKind | None = None
    status: MemberStatus | None = None
    skill: Skill | None = None
    occupation: Occupation | None = None
    insured: bool | None = None


def visible_members(request: HttpRequest) -> MemberQuerySet:
    return Member.objects.roster_for(request.user)


# What a row of the member list reads: the member's own columns, their name and squad's name,
# their number (shown only to whom ContactScope allows), their cover today.
ROW = (
    "id",
    "user_id",
    "user__name",
    "user__phone",
    "squad_id",
    "squad__name",
    "kind",
    "status",
    "joined_on",
    "birth_date",
    "emergency_name",
    "emergency_phone",
    "id_number_masked",
    "occupation",
    "is_covered",
)


class MemberPages(Pages):
    """The member list's pages: the rows read with `values()` and shaped here as MemberOut's
    resolvers shape a member (see Answer), the skills of the page in one more query."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        rows = list(page["items"].prefetch_related(None).values(*ROW))
        skills: dict[int, list[dict[str, str]]] = {row["id"]: [] for row in rows}
        for member_id, skill, detail in MemberSkill.objects.filter(member__in=skills).values_list(
            "member_id", "skill", "detail"
        ):
            skills[member_id].append({"skill": skill, "detail": detail})
        scope = contact_scope({"request": request})
        today = timezone.localdate()
        page["items"] = [_row(row, skills[row["id"]], scope, today) for row in rows]
        return page


def _row(
    row: dict[str, Any], skills: list[dict[str, str]], scope: ContactScope, today: dt.date
) -> dict[str, Any]:
    # ContactScope.covers reads a member's user and squad only.
    covered = scope.covers(
        cast(Member, SimpleNamespace(user_id=row["user_id"], squad_id=row["squad_id"]))
    )
    born = row["birth_date"]
    return {
        "id": row["id"],
        "name": row["user__name"],
        "squad_id": row["squad_id"],
        "squad": row["squad__name"],
        "kind": row["kind"],
        "status": row["status"],
        "joined_on": row["joined_on"],
        "is_minor": born is not None and resident_id.age_on(born, today) < ADULT_AGE,
        "is_insured_today": bool(row["is_covered"]),
        "skills": skills,
        "phone": row["user__phone"] if covered else None,
        "emergency_name": row["emergency_name"] if covered else None,
        "emergency_phone": row["emergency_phone"] if covered else None,
        "id_number_masked": row["id_number_masked"] if scope.everyone else None,
        "occupation": (row["occupation"] or None) if scope.everyone else None,
    }


@router.get("/members", response={200: list[MemberOut], **ERRORS})
@paginate(MemberPages)
def list_members(request: HttpRequest, filters: Query[MemberFilter]) -> MemberQuerySet:
    """Members the caller may see, in pinyin order: officers all, others their own squad."""
    return (
        visible_members(request)
        .matching(
            query=filters.q,
            squad=filters.squad,
            kind=filters.kind or "",
            status=filters.status or "",
            skill=filters.skill or "",
            occupation=filters.occupation or "",
            insured=filters.insured,
        )
        .in_pinyin_order()
    )


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_object_or_404(visible_members(request), pk=member_id)


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS})
def get_member(request: HttpRequest, member_id: Id) -> Member:
    return _member(request, member_id)


class DetailsIn(BodyIn):
    """Only the fields sent change; null or "" empties one."""

    availability: list[Annotated[Availability, Lax]] | None = Field(None, max_length=6)
    home_area_id: Id | None = None
    emergency_name: str | None = Field(None, max_length=50)
    emergency_phone: Mobile | Literal[""] | None = None
    skills: list[SkillIn] | None = Field(None, max_length=10)
    occupation: Annotated[Occupation, Lax] | None = Field(None, description="Officers only")
    partner_id: Id | None = Field(None, description="Officers only")


@router.patch("/members/{member_id}", auth=MEMBERS, response={200: MemberOut, **ERRORS})
def update_member(request: HttpRequest, member_id: Id, payload: DetailsIn) -> Member:
    """Change details: a member their own availability, skills, home area and emergency
    contact; an officer those and the occupation and partner."""
    member = _member(request, member_id)
    changes: dict[str, Any] = {}
    sent = payload.model_fields_set
    if "availability" in sent:
        changes["availability"] = [str(a) for a in payload.availability or []]
    if "home_area_id" in sent:
        changes["home_area"] = (
            get_object_or_404(Area, pk=payload.home_area_id) if payload.home_area_id else None
        )
    if "emergency_name" in sent:
        changes["emergency_name"] = (payload.emergency_name or "").strip()
    if "emergency_phone" in sent:
        changes["emergency_phone"] = payload.emergency_phone or ""  # E.164, or none
    if "skills" in sent:
        changes["skills"] = [
            {"skill": str(s.skill), "detail": s.detail} for s in payload.skills or []
        ]
    if "occupation" in sent:
        changes["occupation"] = str(payload.occupation or "")
    if "partner_id" in sent:
        changes["partner"] = (
            get_object_or_404(PartnerOrganisation, pk=payload.partner_id)
            if payload.partner_id
            else None
        )
    roster.update_details(member=member, actor=request.user, **changes)
    return _member(request, member_id)


class StatusIn(BodyIn):
    status: Annotated[MemberStatus, Lax]
    reason: str = text(max_length=200, least=1)


@router.post("/members/{member_id}/status", auth=OFFICERS, response={200: MemberOut, **ERRORS})
def change_status(request: HttpRequest, member_id: Id, payload: StatusIn) -> Member:
    """Suspend, reactivate or record the leaving of a member (officers), with a reason."""
    member = _member(request, member_id)
    roster.change_status(
        member=member, status=payload.status, reason=payload.reason, actor=request.user
    )
    return _member(request, member_id)


class TransferIn(BodyIn):
    squad_id: Id | None = Field(description="The new squad; null for none")
    reason: str = Field("", max_length=200)


@router.post("/members/{member_id}/transfer", auth=MEMBERS, response={200: MemberOut, **ERRORS})
def transfer(request: HttpRequest, member_id: Id, payload: TransferIn) -> Member:
    """Move a member to another squad (officers; a leader from their own squad)."""
    member = _member(request, member_id)
    squad = get_object_or_404(Squad, pk=payload.squad_id) if payload.squad_id else None
    roster.transfer_member(member=member, to_squad=squad, reason=payload.reason, actor=request.user)
    return _member(request, member_id)


class RevealIn(BodyIn):
    reason: str = text(max_length=200, least=4)


class RevealOut(Schema):
    id_number: str


@router.post(
    "/members/{member_id}/reveal-id-number", auth=OFFICERS, response={200: RevealOut, **ERRORS}
)
def reveal_id_number(request: HttpRequest, member_id: Id, payload: RevealIn) -> RevealOut:
    """The full resident ID number, for an officer who gives a reason; the look is audited."""
    member = _member(request, member_id)
    return RevealOut(
        id_number=roster.reveal_id_number(member=member, actor=request.user, reason=payload.reason)
    )


class SquadOut(Schema):
    id: int
    name: str
    area: str | None
    leader_id: int | None
    leader: str | None
    deputy_ids: list[int]
    size: int


def squad_out(squad: Squad) -> SquadOut:
    return SquadOut(
        id=squad.pk,
        name=squad.name,
        area=squad.area.name if squad.area else None,
        leader_id=squad.leader_id,
        leader=squad.leader.name if squad.leader else None,
        deputy_ids=[user.pk for user in squad.deputies.all()],
        size=getattr(squad, "size", 0),
    )


def squads() -> Any:
    return (
        Squad.objects.select_related("leader", "area")
        .prefetch_related("deputies")
        .annotate(size=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
    )


@router.get("/squads", response={200: list[SquadOut], **ERRORS})
def list_squads(request: HttpRequest) -> list[SquadOut]:
    """Every squad with its leader and size (names of squads are not personal data)."""
    return [squad_out(squad) for squad in squads()]


@router.get("/squads/{squad_id}", response={200: SquadOut, **ERRORS})
def get_squad(request: HttpRequest, squad_id: Id) -> SquadOut:
    return squad_out(get_object_or_404(squads(), pk=squad_id))


class SquadIn(BodyIn):
    name: Name
    area_id: Id | None = None


@router.post("/squads", auth=OFFICERS, response={201: SquadOut, **ERRORS})
def create_squad(request: HttpRequest, payload: SquadIn) -> Status[SquadOut]:
    """Create a squad (officers)."""
    area = get_object_or_404(Area, pk=payload.area_id) if payload.area_id else None
    squad = roster.create_squad(name=payload.name, area=area, leader=None, actor=request.user)
    return Status(201, squad_out(get_object_or_404(squads(), pk=squad.pk)))


class DeputiesIn(BodyIn):
    user_ids: list[Id] = Field(max_length=20)


@router.put("/squads/{squad_id}/deputies", auth=MEMBERS, response={200: SquadOut, **ERRORS})
def set_deputies(request: HttpRequest, squad_id: Id, payload: DeputiesIn) -> SquadOut:
    """Set a squad's deputies (officers, and the squad's own leader)."""
    squad = get_object_or_404(Squad, pk=squad_id)
    # Only the squad's own active members can be found here: any other id is "not found".
    users = list(
        User.objects.filter(
            pk__in=payload.user_ids, membership__squad=squad, membership__status="active"
        )
    )
    if len(users) != len(set(payload.user_ids)):
        raise Http404
    roster.set_deputies(squad=squad, deputies=users, actor=request.user)
    return squad_out(get_object_or_404(squads(), pk=squad_id))
