"""Group accident insurance policies and who they cover (officers)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from yixun.accounts.roles import Role
from yixun.api.auth import require_role
from yixun.api.schemas import ERRORS, Day, Id
from yixun.members.models import InsurancePolicy, Member, MemberKind, Squad
from yixun.members.services import insurance

router = Router(tags=["insurance"])


class PolicyOut(Schema):
    id: int
    insurer: str
    number: str
    starts_on: dt.date
    ends_on: dt.date
    sum_insured: Decimal
    notes: str
    in_force_today: bool
    covered: int
    member_ids: list[int] | None = Field(None, description="On a single policy only")


def policy_out(policy: InsurancePolicy, *, with_members: bool = False) -> PolicyOut:
    return PolicyOut(
        id=policy.pk,
        insurer=policy.insurer,
        number=policy.number,
        starts_on=policy.starts_on,
        ends_on=policy.ends_on,
        sum_insured=policy.sum_insured,
        notes=policy.notes,
        in_force_today=policy.is_in_force(),
        covered=getattr(policy, "covered", 0),
        member_ids=list(policy.coverages.values_list("member_id", flat=True))
        if with_members
        else None,
    )


def _policies(request: HttpRequest):  # type: ignore[no-untyped-def]
    require_role(request, Role.OFFICER)
    return InsurancePolicy.objects.visible_to(request.user).annotate(covered=Count("coverages"))


@router.get("/insurance/policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request: HttpRequest) -> list[PolicyOut]:
    return [policy_out(p) for p in _policies(request)]


@router.get("/insurance/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: Id) -> PolicyOut:
    return policy_out(get_object_or_404(_policies(request), pk=policy_id), with_members=True)


class PolicyIn(Schema):
    insurer: str = Field(min_length=1, max_length=80)
    number: str = Field(min_length=1, max_length=60)
    starts_on: Day
    ends_on: Day
    sum_insured: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    notes: str = Field("", max_length=2000)


@router.post("/insurance/policies", response={201: PolicyOut, **ERRORS})
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    require_role(request, Role.OFFICER)
    policy = insurance.save_policy(actor=request.user, **payload.dict())
    return Status(201, policy_out(get_object_or_404(_policies(request), pk=policy.pk)))


@router.put("/insurance/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def update_policy(request: HttpRequest, policy_id: Id, payload: PolicyIn) -> PolicyOut:
    policy = get_object_or_404(_policies(request), pk=policy_id)
    insurance.save_policy(actor=request.user, policy=policy, **payload.dict())
    return policy_out(get_object_or_404(_policies(request), pk=policy_id))


class CoverIn(Schema):
    member_ids: list[Id] = Field(default_factory=list, max_length=5000)
    squad_id: Id | None = Field(
        None, description="Instead of ids: every active member of this squad…"
    )
    kind: MemberKind | None = Field(None, description="…and/or of this kind")


class CoveredOut(Schema):
    added: int


@router.post("/insurance/policies/{policy_id}/members", response={200: CoveredOut, **ERRORS})
def cover(request: HttpRequest, policy_id: Id, payload: CoverIn) -> CoveredOut:
    policy = get_object_or_404(_policies(request), pk=policy_id)
    chosen = Member.objects.active().filter(erased_at__isnull=True)
    if payload.member_ids:
        chosen = chosen.filter(pk__in=payload.member_ids)
    else:
        if payload.squad_id:
            chosen = chosen.filter(squad=get_object_or_404(Squad, pk=payload.squad_id))
        if payload.kind:
            chosen = chosen.filter(kind=payload.kind)
    return CoveredOut(
        added=insurance.cover_members(policy=policy, members=chosen, actor=request.user)
    )


@router.delete(
    "/insurance/policies/{policy_id}/members/{member_id}", response={204: None, **ERRORS}
)
def uncover(request: HttpRequest, policy_id: Id, member_id: Id) -> Status[None]:
    policy = get_object_or_404(_policies(request), pk=policy_id)
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=member_id)
    insurance.uncover_member(policy=policy, member=member, actor=request.user)
    return Status(204, None)
