"""Distances on the Earth for WGS-84 positions (latitude, longitude in degrees)."""

import itertools
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


def distance_to_segment_m(p: Point, a: Point, b: Point) -> float:
    """Distance in metres from `p` to the segment a–b, on a local flat projection (good for
    the few kilometres between a route's stops)."""
    lat0 = math.radians((a[0] + b[0] + p[0]) / 3)
    scale = math.radians(1) * EARTH_RADIUS_M

    def flat(q: Point) -> tuple[float, float]:
        return q[1] * scale * math.cos(lat0), q[0] * scale

    (px, py), (ax, ay), (bx, by) = flat(p), flat(a), flat(b)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_to_line_m(p: Point, line: list[Point]) -> float:
    """Distance in metres from `p` to a polyline (a route); to the point if it has one."""
    if not line:
        raise ValueError("a line needs at least one point")
    if len(line) == 1:
        return distance_m(p, line[0])
    return min(distance_to_segment_m(p, a, b) for a, b in itertools.pairwise(line))


# GCJ-02 ("Mars coordinates") is the offset datum maps published in mainland China must use.
# Yixun stores WGS-84 (what GPS gives); convert only at the edge, for such a map provider.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.006_693_421_622_965_943


def is_outside_china(p: Point) -> bool:
    """Outside the rough box where GCJ-02 applies: there WGS-84 is shown as it is."""
    lat, lon = p
    return not (0.8293 <= lat <= 55.8271 and 72.004 <= lon <= 137.8347)


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(p: Point) -> Point:
    """A WGS-84 position as a map provider in mainland China expects it (GCJ-02)."""
    if is_outside_china(p):
        return p
    dlat, dlon = _gcj_offset(*p)
    return p[0] + dlat, p[1] + dlon


def gcj02_to_wgs84(p: Point) -> Point:
    """Back from GCJ-02 to WGS-84, by iteration: within a few centimetres."""
    if is_outside_china(p):
        return p
    guess = p
    for _ in range(10):
        there = wgs84_to_gcj02(guess)
        guess = (guess[0] + p[0] - there[0], guess[1] + p[1] - there[1])
        if abs(p[0] - there[0]) < 1e-9 and abs(p[1] - there[1]) < 1e-9:
            break
    return guess
