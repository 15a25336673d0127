from yixun.places.models.areas import Area, AreaLevel, AreaQuerySet, PoliceStation
from yixun.places.models.sites import (
    Route,
    RouteKind,
    RouteSetting,
    RouteStop,
    Site,
    SiteKind,
    new_qr_token,
)

__all__ = [
    "Area",
    "AreaLevel",
    "AreaQuerySet",
    "PoliceStation",
    "Route",
    "RouteKind",
    "RouteSetting",
    "RouteStop",
    "Site",
    "SiteKind",
    "new_qr_token",
]
