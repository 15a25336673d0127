"""Who may read the figures, and for which squads: the one door to the scope a person asks for."""

from typing import Any

from django.core.exceptions import PermissionDenied

from yixun.accounts.roles import Role, has_role
from yixun.members.models import Squad, squads_led_by
from yixun.places.models import Area
from yixun.stats.figures import Scope


def allowed_scope(user: Any, scope: Scope) -> Scope:
    """Officers and police liaisons read any scope. A squad leader reads their own squads' figures
    only: a scope for another squad, or for everyone, becomes their first squad's. Nobody else
    reads figures here (the public figures are a later issue's)."""
    if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
        return scope
    led = list(squads_led_by(user).order_by("name"))
    if not led:
        raise PermissionDenied
    squad = scope.squad if scope.squad in led else led[0]
    return Scope(first=scope.first, last=scope.last, squad=squad, area=scope.area)


def squads_for(user: Any) -> list[Squad]:
    if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
        return list(Squad.objects.order_by("name"))
    return list(squads_led_by(user).order_by("name"))


def areas() -> list[Area]:
    return list(Area.objects.exclude(level="community").order_by("path"))
