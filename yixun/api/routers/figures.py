"""The association's figures for a period, squad or area, counted from the records."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError

from yixun.api.schemas import ERRORS, Day, Id
from yixun.members.models import Squad
from yixun.places.models import Area
from yixun.stats.access import allowed_scope
from yixun.stats.figures import FIGURES, Scope, compute

router = Router(tags=["figures"])


class FiguresFilter(Schema):
    first: Day | None = Field(None, description="First day counted (Asia/Shanghai); default: all")
    last: Day | None = Field(None, description="Last day counted; default: up to now")
    squad: Id | None = Field(None, description="Leaders always get a squad they lead")
    area: Id | None = Field(None, description="An area and every area within it")


class FigureOut(Schema):
    name: str
    label: str
    value: int | float


class FiguresOut(Schema):
    first: dt.date | None
    last: dt.date | None
    squad_id: int | None = Field(description="The squad counted: for a leader, always their own")
    area_id: int | None
    figures: list[FigureOut]


@router.get("/figures", response={200: FiguresOut, **ERRORS})
def figures(request: HttpRequest, filters: Query[FiguresFilter]) -> FiguresOut:
    """Every figure the association reports, with its label in the caller's language. Officers
    and police liaisons read any squad and area; a squad's leader or deputy their own squad only:
    asking for another squad, or for none, gets the first squad they lead (by name). The same
    rule as the figures page (`allowed_scope`). A period whose first day comes after its last
    holds no day, and counts nothing."""
    asked = Scope(
        first=filters.first,
        last=filters.last,
        squad=get_object_or_404(Squad, pk=filters.squad) if filters.squad else None,
        area=get_object_or_404(Area, pk=filters.area) if filters.area else None,
    )
    try:
        scope = allowed_scope(request.user, asked)
    except PermissionDenied:
        raise AuthorizationError from None
    values = compute(scope)
    return FiguresOut(
        first=scope.first,
        last=scope.last,
        squad_id=scope.squad.pk if scope.squad else None,
        area_id=scope.area.pk if scope.area else None,
        figures=[
            FigureOut(name=figure.name, label=str(figure.label), value=values[figure.name])
            for figure in FIGURES
        ],
    )
