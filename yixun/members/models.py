from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role


class Squad(models.Model):
    """A patrol squad (小分队) with its leader."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_squads",
    )
    founded_on = models.DateField(_("founded"), default=timezone.localdate)

    class Meta:
        verbose_name = _("squad")
        verbose_name_plural = _("squads")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet["Member"]):
    def visible_to(self, user: Any) -> "MemberQuerySet":
        """Officers see every member; leaders and volunteers their own squad; others nobody."""
        if not user.is_authenticated:
            return self.none()
        if has_role(user, Role.OFFICER):
            return self.all()
        squads = Member.objects.filter(user=user, squad__isnull=False).values("squad")
        led = Squad.objects.filter(leader=user).values("pk")
        return self.filter(
            models.Q(squad__in=squads) | models.Q(squad__in=led) | models.Q(user=user)
        )

    def active(self) -> "MemberQuerySet":
        return self.filter(status=Member.Status.ACTIVE)


class Member(models.Model):
    """A person's membership of the association: which squad, which kind, which standing."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("Participating volunteer")
        REGISTERED = "registered", _("Registered member")
        CORE = "core", _("Core member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    squad = models.ForeignKey(
        Squad,
        verbose_name=_("squad"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VOLUNTEER)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("joined"), default=timezone.localdate)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["volunteer", "registered", "core"]),
                name="member_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "suspended", "left"]),
                name="member_status_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
