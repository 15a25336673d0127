"""Group accident insurance policies and who they cover (officers)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from yixun.api.auth import OFFICERS
from yixun.api.schemas import ERRORS, BodyIn, Day, Id, Lax, Money, Whole, text
from yixun.members.models import InsurancePolicy, Member, MemberKind, Squad
from yixun.members.services import insurance

router = Router(tags=["insurance"], auth=OFFICERS)


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
    return InsurancePolicy.objects.visible_to(request.user).annotate(covered=Count("coverages"))


@router.get("/insurance/policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request: HttpRequest) -> list[PolicyOut]:
    return [policy_out(p) for p in _policies(request)]


@router.get("/insurance/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: Id) -> PolicyOut:
    return policy_out(get_object_or_404(_policies(request), pk=policy_id), with_members=True)


class PolicyIn(BodyIn):
    """A policy's cover runs from `starts_on` for `days` days, counting the first (365 for a
    common year). Given as a length, a period cannot end before it starts; and at most a year
    of it (the association's group accident policies are bought by the year, and a policy that
    starts in 2099 still ends within the 2100 the records reach)."""

    insurer: str = text(max_length=80, least=1)
    number: str = text(max_length=60, least=1)
    starts_on: Day
    days: Annotated[int, Field(ge=1, le=366), Whole] = Field(
        description="How many days the cover runs, the first included: at most 366"
    )
    sum_insured: Money
    notes: str = Field("", max_length=2000)


def _save(request: HttpRequest, payload: PolicyIn, policy: InsurancePolicy | None = None) -> int:
    saved = insurance.save_policy(
        actor=request.user,
        policy=policy,
        insurer=payload.insurer,
        number=payload.number,
        starts_on=payload.starts_on,
        ends_on=payload.starts_on + dt.timedelta(days=payload.days - 1),
        sum_insured=payload.sum_insured,
        notes=payload.notes,
    )
    return saved.pk


@router.post("/insurance/policies", response={201: PolicyOut, **ERRORS})
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    saved = _save(request, payload)
    return Status(201, policy_out(get_object_or_404(_policies(request), pk=saved)))


@router.put("/insurance/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def update_policy(request: HttpRequest, policy_id: Id, payload: PolicyIn) -> PolicyOut:
    policy = get_object_or_404(_policies(request), pk=policy_id)
    _save(request, payload, policy)
    return policy_out(get_object_or_404(_policies(request), pk=policy_id))


class CoverIn(BodyIn):
    member_ids: list[Id] = Field(default_factory=list, max_length=5000)
    squad_id: Id | None = Field(
        None, description="Instead of ids: every active member of this squad…"
    )
    kind: Annotated[MemberKind, Lax] | None = Field(None, description="…and/or of this kind")


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
