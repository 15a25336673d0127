from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yixun.lib import fragments, generations


class AreaQuerySet(models.QuerySet["Area"]):
    def within(self, area: "Area") -> "AreaQuerySet":
        """The area and every area under it."""
        return self.filter(path__startswith=area.path)


class AreaLevel(models.TextChoices):
    COUNTY = "county", _("County")
    TOWN = "town", _("Town or street")
    COMMUNITY = "community", _("Community or village")


class PoliceStation(models.Model):
    """A police station (派出所) and the liaisons who work with the association from it."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("liaisons"),
        blank=True,
        related_name="police_stations",
    )

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A jurisdiction: the county, its towns and streets, their communities and villages."""

    Level = AreaLevel

    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    station = models.ForeignKey(
        PoliceStation,
        verbose_name=_("police station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="areas",
        help_text=_("Leave empty to use the station of the area it is part of."),
    )
    # "/1/5/12/": the ids from the root down, so "everything under" is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="area_name_unique_in_parent")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:  # the id is known only after the first save
            self.path = path
            Area.objects.filter(pk=self.pk).update(path=path)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def full_name(self) -> str:
        names = [self.name]
        parent = self.parent
        while parent is not None and parent.level != Area.Level.COUNTY:
            names.append(parent.name)
            parent = parent.parent
        return "".join(reversed(names))

    def police_station(self) -> PoliceStation | None:
        """The station responsible here: this area's own, or the nearest one above it."""
        ids = self.ancestor_ids()
        stations = dict(
            Area.objects.filter(pk__in=ids, station__isnull=False).values_list("pk", "station")
        )
        for area_id in reversed(ids):
            if area_id in stations:
                return PoliceStation.objects.get(pk=stations[area_id])
        return None


def areas_by_pk() -> dict[int, Area]:
    """Every area by id, in path order, cached until any area changes (`generations`): the
    calendar's filter reads them on every page load of the busiest page."""
    return fragments.kept(
        f"places:areas:{generations.current('places')}",
        fragments.LIFETIME,
        lambda: {area.pk: area for area in Area.objects.order_by("path")},
    )
