"""The association's figures for any period, squad and area, each drilling down to its records."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yixun.accounts.http import SignedInRequest
from yixun.lib import days
from yixun.members.models import Squad
from yixun.places.models import Area
from yixun.stats import figures
from yixun.stats.access import allowed_scope, areas, squads_for


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def scope_from(request: HttpRequest) -> figures.Scope:
    """The scope in the link; anything malformed is ignored rather than refused."""
    first = days.parse(request.GET.get("first"), days.FIRST) if request.GET.get("first") else None
    last = days.parse(request.GET.get("last"), days.LAST) if request.GET.get("last") else None
    squad_id, area_id = _number(request.GET.get("squad")), _number(request.GET.get("area"))
    return figures.Scope(
        first=first,
        last=last,
        squad=Squad.objects.filter(pk=squad_id).first() if squad_id else None,
        area=Area.objects.filter(pk=area_id).first() if area_id else None,
    )


def _query(scope: figures.Scope) -> str:
    parts = []
    if scope.first:
        parts.append(f"first={scope.first:%Y-%m-%d}")
    if scope.last:
        parts.append(f"last={scope.last:%Y-%m-%d}")
    if scope.squad:
        parts.append(f"squad={scope.squad.pk}")
    if scope.area:
        parts.append(f"area={scope.area.pk}")
    return "&".join(parts)


@login_required
def figures_page(request: SignedInRequest) -> HttpResponse:
    scope = allowed_scope(request.user, scope_from(request))
    values = figures.compute(scope)
    return render(
        request,
        "stats/figures.html",
        {
            "scope": scope,
            "query": _query(scope),
            "figures": [(figure, values[figure.name]) for figure in figures.FIGURES],
            "squads": squads_for(request.user),
            "areas": areas(),
        },
    )


@login_required
def drill_down(request: SignedInRequest, name: str) -> HttpResponse:
    figure = figures.BY_NAME.get(name)
    if figure is None:
        raise Http404
    scope = allowed_scope(request.user, scope_from(request))
    rows = figures.records(name, scope)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/records.html",
        {
            "figure": figure,
            "scope": scope,
            "page": page,
            "query": _query(scope),
            "total": figures.compute(scope)[name],
        },
    )
