"""Writes to places: sites and routes, and renewing a site's QR code."""

import itertools
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Avg
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib import geo
from yixun.lib.errors import DomainError
from yixun.lib.geo import distance_m
from yixun.places.models import Area, Route, RouteStop, Site, new_qr_token


class PlaceError(DomainError):
    pass


def _require_officer(actor: Any) -> None:
    if not has_role(actor, Role.OFFICER):
        raise PlaceError(
            _("Only an officer of the association may change places."), code="forbidden"
        )


def save_site(*, actor: Any, site: Site | None = None, **values: Any) -> Site:
    _require_officer(actor)
    latitude, longitude = Decimal(values["latitude"]), Decimal(values["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PlaceError(_("The position is not on the Earth."), code="bad_position")
    with transaction.atomic():
        clash = Site.objects.filter(area=values["area"], name=values["name"].strip())
        if site is not None:
            clash = clash.exclude(pk=site.pk)
        if clash.exists():
            raise PlaceError(
                _("This area has a site of that name already."), code="site_name_taken"
            )
        creating = site is None
        site = site or Site()
        for name, value in values.items():
            setattr(site, name, value.strip() if isinstance(value, str) else value)
        site.save()
        audit.record(
            actor=actor, action="places.site." + ("created" if creating else "changed"), target=site
        )
    return site


def renew_qr(*, site: Site, actor: Any) -> Site:
    """A new code for the site: posters printed before stop working (one was copied, or stolen)."""
    _require_officer(actor)
    with transaction.atomic():
        site.qr_token = new_qr_token()
        site.save(update_fields=["qr_token"])
        audit.record(actor=actor, action="places.site.qr_renewed", target=site)
    return site


def save_route(
    *,
    actor: Any,
    name: str,
    kind: str,
    setting: str,
    area: Area,
    stops: list[Site],
    route: Route | None = None,
) -> Route:
    """A route through sites, in order; its length is measured along them."""
    _require_officer(actor)
    with transaction.atomic():
        clash = Route.objects.filter(name=name.strip())
        if route is not None:
            clash = clash.exclude(pk=route.pk)
        if clash.exists():
            raise PlaceError(_("A route of that name exists already."), code="route_name_taken")
        creating = route is None
        route = route or Route()
        route.name, route.kind, route.setting, route.area = name.strip(), kind, setting, area
        route.length_m = round(
            sum(distance_m(a.point, b.point) for a, b in itertools.pairwise(stops))
        )
        route.save()
        route.stops.all().delete()
        RouteStop.objects.bulk_create(
            RouteStop(
                route=route,
                position=index,
                site=site,
                name=site.name,
                latitude=site.latitude,
                longitude=site.longitude,
            )
            for index, site in enumerate(stops)
        )
        audit.record(
            actor=actor,
            action="places.route." + ("created" if creating else "changed"),
            target=route,
        )
    return route


def to_map(point: geo.Point) -> geo.Point:
    """A stored (WGS-84) position as the configured map tiles expect it."""
    return geo.wgs84_to_gcj02(point) if settings.YIXUN_MAP_DATUM == "gcj02" else point


def from_map(point: geo.Point) -> geo.Point:
    """A position picked on the map, back to WGS-84 for storing."""
    return geo.gcj02_to_wgs84(point) if settings.YIXUN_MAP_DATUM == "gcj02" else point


def map_centre() -> list[float]:
    """Where a map opens: the middle of the association's key sites, as the tiles expect it."""
    middle = Site.objects.filter(is_active=True).aggregate(
        lat=Avg("latitude"), lon=Avg("longitude")
    )
    if middle["lat"] is None:
        return [35.0, 105.0]  # China as a whole
    return list(to_map((float(middle["lat"]), float(middle["lon"]))))
