"""Who is on duty right now: for the police liaison and officers, a list and a map; a leader sees
their own squad only, and volunteers nobody else's position."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib import geo
from yixun.members.models import squads_led_by
from yixun.patrols.models import Duty
from yixun.places.services import map_centre, to_map


def on_duty_rows(user: Any) -> list[dict[str, Any]]:
    """Who is on duty now, as this person may see them: positions, squads, and (for officers
    and police) how to reach each squad's leader."""
    sees_leaders = has_role(user, Role.OFFICER) or has_role(user, Role.POLICE)
    duties = (
        Duty.objects.visible_to(user)
        .on_duty_now()
        .select_related(
            "member__user", "squad__leader", "shift__site", "shift__route", "shift__area"
        )
        .order_by("squad__name", "checked_in_at")
    )
    rows = []
    for duty in duties:
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
                "leader_phone": leader.phone if leader and sees_leaders else "",
                "point": point,
            }
        )
    return rows


@login_required
def now(request: SignedInRequest) -> HttpResponse:
    user = request.user
    watcher = has_role(user, Role.OFFICER) or has_role(user, Role.POLICE)
    if not watcher and not squads_led_by(user).exists():
        raise PermissionDenied
    rows = on_duty_rows(user)
    if watcher and rows:  # leaders' phone numbers and volunteers' positions were shown
        audit.record(actor=user, action="patrols.on_duty.viewed", data={"people": len(rows)})
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
