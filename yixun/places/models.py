from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaQuerySet(models.QuerySet["Area"]):
    def within(self, area: "Area") -> "AreaQuerySet":
        """The area and every area under it."""
        return self.filter(path__startswith=area.path)


class AreaLevel(models.TextChoices):
    COUNTY = "county", _("County")
    TOWN = "town", _("Town or street")
    COMMUNITY = "community", _("Community or village")


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
    police_station = models.CharField(_("police station"), max_length=80, blank=True)
    # "/1/5/12/": the ids from the root down, so "everything under" is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="area_name_unique_in_parent"),
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

    def full_name(self) -> str:
        names = [self.name]
        parent = self.parent
        while parent is not None and parent.level != Area.Level.COUNTY:
            names.append(parent.name)
            parent = parent.parent
        return "".join(reversed(names))
