import secrets
from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yixun.lib.links import absolute
from yixun.places.models.areas import Area


class SiteKind(models.TextChoices):
    SCHOOL = "school", _("School")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    MARKET = "market", _("Market")
    STATION = "station", _("Bus or train station")
    HOSPITAL = "hospital", _("Hospital")
    BANK = "bank", _("Bank")
    RAILWAY_CROSSING = "railway_crossing", _("Railway crossing")
    PARK = "park", _("Park or square")
    VENUE = "venue", _("Entertainment venue")
    OTHER = "other", _("Other")


def new_qr_token() -> str:
    # 128 bits: a poster's code cannot be guessed from another's or enumerated.
    return secrets.token_urlsafe(16)


class Site(models.Model):
    """A key site (重点部位) volunteers patrol and check in at, with its QR poster."""

    Kind = SiteKind

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="sites"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude (WGS-84)"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude (WGS-84)"), max_digits=9, decimal_places=6)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    watch_from = models.TimeField(_("watched from"), null=True, blank=True)
    watch_until = models.TimeField(_("watched until"), null=True, blank=True)
    qr_token = models.CharField(max_length=32, unique=True, default=new_qr_token, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key site")
        verbose_name_plural = _("key sites")
        ordering = ["area__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="site_coordinates_on_earth",
            ),
            models.UniqueConstraint(fields=["area", "name"], name="site_name_unique_in_area"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def point(self) -> tuple[float, float]:
        return float(self.latitude), float(self.longitude)

    def check_in_url(self) -> str:
        """What the poster's QR code holds: an absolute link that names the site by its secret."""
        return absolute(reverse("places:check_in", args=[self.qr_token]))


class RouteKind(models.TextChoices):
    ROAD = "road", _("Road")
    RAILWAY = "railway", _("Railway")


class RouteSetting(models.TextChoices):
    TOWN = "town", _("Town")
    VILLAGE = "village", _("Village")


class Route(models.Model):
    """A patrol route: an ordered line of sites and waypoints."""

    Kind = RouteKind
    Setting = RouteSetting

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROAD)
    setting = models.CharField(
        _("setting"), max_length=10, choices=Setting.choices, default=Setting.TOWN
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="routes"
    )
    length_m = models.PositiveIntegerField(_("length (m)"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def length_km(self) -> Decimal:
        return (Decimal(self.length_m) / 1000).quantize(Decimal("0.1"))


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="route_stops"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="one_stop_per_position")
        ]

    def __str__(self) -> str:
        return self.name or str(self.site or "")
