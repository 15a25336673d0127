from yixun.places.models.areas import Area, AreaLevel, AreaQuerySet, PoliceStation, areas_by_pk
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
    "areas_by_pk",
    "new_qr_token",
]
