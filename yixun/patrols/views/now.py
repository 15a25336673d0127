"""Who is on duty right now: for the police liaison and officers, a list and a map; a leader sees
their own squad only, and volunteers nobody else's position."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from yixun.accounts.http import SignedInRequest
from yixun.lib import geo
from yixun.lib.errors import DomainError
from yixun.patrols.services.watch import OnDuty, watch_on_duty
from yixun.places.services import map_centre, to_map


def on_duty_rows(seen: OnDuty) -> list[dict[str, Any]]:
    """Who is on duty now, as `watch_on_duty` let this person see them: positions, squads, and
    (for officers and police) how to reach each squad's leader."""
    rows = []
    for duty in seen.duties:
        shift = duty.shift
        if duty.latitude is not None and duty.longitude is not None:
            point: geo.Point | None = (float(duty.latitude), float(duty.longitude))
        elif shift.site is not None:
            point = shift.site.point
        else:
            point = None
        if point is not None:
            point = to_map(point)
        leader = duty.squad.leader if duty.squad else None
        rows.append(
            {
                "duty": duty,
                "name": duty.member.name,
                "squad": duty.squad.name if duty.squad else "",
                "place": shift.place_name,
                "kind": shift.get_kind_display(),
                "since": duty.checked_in_at,
                "leader": leader.name if leader else "",
                "leader_phone": leader.phone if leader and seen.sees_leaders else "",
                "point": point,
            }
        )
    return rows


@login_required
def now(request: SignedInRequest) -> HttpResponse:
    try:
        seen = watch_on_duty(user=request.user)
    except DomainError:
        raise PermissionDenied from None
    rows = on_duty_rows(seen)
    markers = [
        {
            "lat": row["point"][0],
            "lon": row["point"][1],
            "label": f"{row['name']} · {row['squad']} · {row['place']}",
        }
        for row in rows
        if row["point"]
    ]
    return render(
        request,
        "patrols/now.html",
        {
            "rows": rows,
            "markers": markers,
            "centre": map_centre(),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
        },
    )
