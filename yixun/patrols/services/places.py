"""Where a shift is, for the geofence and the QR rule: its site, its route's line, its area."""

from yixun.lib import geo
from yixun.places.models import Area, RouteStop, Site
from yixun.shifts.models import Shift


def area_of(shift: Shift) -> Area | None:
    """The area a shift counts in for the figures."""
    if shift.site is not None:
        return shift.site.area
    if shift.route is not None:
        return shift.route.area
    return shift.area


def sites_of(shift: Shift) -> list[Site]:
    """The sites whose posters check a volunteer in for this shift."""
    if shift.site is not None:
        return [shift.site]
    if shift.route_id:
        stops = RouteStop.objects.filter(route=shift.route_id, site__isnull=False).select_related(
            "site"
        )
        return [stop.site for stop in stops if stop.site and stop.site.is_active]
    if shift.area is not None:
        area = shift.area
        return list(Site.objects.filter(area__path__startswith=area.path, is_active=True))
    return []


def distance_from(shift: Shift, point: geo.Point) -> float | None:
    """Metres from a position to the shift's place: to the site, to the nearest leg of the
    route, or to the nearest key site of the area. None where the place has no position."""
    if shift.site is not None:
        return geo.distance_m(point, shift.site.point)
    if shift.route_id:
        line = [
            (float(stop.latitude), float(stop.longitude))
            for stop in RouteStop.objects.filter(route=shift.route_id).order_by("position")
        ]
        return geo.distance_to_line_m(point, line) if line else None
    sites = sites_of(shift)
    if not sites:
        return None
    return min(geo.distance_m(point, site.point) for site in sites)
