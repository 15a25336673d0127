"""Where the squads patrol, as the public may know it: each squad's name and its area, and each
area marked at the middle of its key sites. Never a route, a patrol time, a site, who leads a
squad or who is on duty: what a thief would like to know of the patrols stays inside."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yixun.lib import geo
from yixun.members.models import Squad
from yixun.places.models import Area, Site
from yixun.places.services import to_map


@dataclass
class AreaOnMap:
    area: Area | None
    squads: list[str] = field(default_factory=list)
    point: geo.Point | None = None

    @property
    def name(self) -> str:
        return self.area.full_name() if self.area else _("Across the county")


def areas_with_squads() -> list[AreaOnMap]:
    """Each area some squad patrols, with the squads' names, in the order of the squads."""
    squads = Squad.objects.in_natural_order()
    areas = {area.pk: area for area in Area.objects.select_related("parent__parent")}
    places: dict[int | None, AreaOnMap] = {}
    for squad in squads:
        area = areas.get(squad.area_id) if squad.area_id else None
        entry = places.setdefault(area.pk if area else None, AreaOnMap(area=area))
        entry.squads.append(squad.name)
    sites = list(
        Site.objects.filter(is_active=True).values_list("area__path", "latitude", "longitude")
    )
    for entry in places.values():
        if entry.area is None:
            continue
        inside = [
            (float(lat), float(lon)) for path, lat, lon in sites if path.startswith(entry.area.path)
        ]
        if inside:
            middle = (
                sum(lat for lat, _lon in inside) / len(inside),
                sum(lon for _lat, lon in inside) / len(inside),
            )
            entry.point = to_map(middle)
    return list(places.values())


def markers(entries: list[AreaOnMap]) -> list[dict[str, object]]:
    """What the map script draws: a point and a line of text per area, nothing else."""
    return [
        {
            "lat": round(entry.point[0], 5),
            "lon": round(entry.point[1], 5),
            "name": entry.name,
            "label": entry.name
            + pgettext("label separator", ": ")
            + pgettext("list separator", ", ").join(entry.squads),
        }
        for entry in entries
        if entry.point is not None
    ]
