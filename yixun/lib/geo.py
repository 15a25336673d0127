"""Distances on the Earth for WGS-84 positions (latitude, longitude in degrees)."""

import math

EARTH_RADIUS_M = 6_371_008.8
Point = tuple[float, float]


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine): good to a few metres at a patrol's scale."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
