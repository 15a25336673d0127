"""Which area a tip's pin lies in, to preselect where a moderator forwards it. Areas have no
drawn boundaries in Yixun; their key sites have positions, so the pin's area is the area of the
nearest key site, if one is near enough to say so."""

import math

from yixun.lib import geo
from yixun.places.models import Area, Site
from yixun.tips.models import Tip

# Farther than this from every key site, a pin says nothing about the area: the moderator
# chooses, as before.
REACH_M = 3000.0


def area_at(point: geo.Point) -> Area | None:
    """The area of the key site nearest to a (WGS-84) point, within REACH_M."""
    lat, lon = point
    dlat = REACH_M / 111_000
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    near = Site.objects.filter(
        is_active=True,
        latitude__range=(lat - dlat, lat + dlat),
        longitude__range=(lon - dlon, lon + dlon),
    ).select_related("area")
    best = min(near, key=lambda site: geo.distance_m(point, site.point), default=None)
    if best is None or geo.distance_m(point, best.point) > REACH_M:
        return None
    return best.area


def forwarding_area(tip: Tip) -> Area | None:
    """The area a tip's forward form starts on: the one already set on it, else its pin's."""
    if tip.area_id is not None:
        return tip.area
    if tip.latitude is None or tip.longitude is None:
        return None
    return area_at((float(tip.latitude), float(tip.longitude)))
