"""Secret links: calendar feeds and one-tap invitations."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yixun.lib.links import absolute


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A secret, revocable iCalendar address: a member's own patrols, or a squad's."""

    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="feeds"
    )
    squad = models.ForeignKey(
        "members.Squad", null=True, blank=True, on_delete=models.CASCADE, related_name="feeds"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, squad__isnull=True)
                | Q(member__isnull=True, squad__isnull=False),
                name="feed_of_a_member_or_a_squad",
            ),
        ]

    def __str__(self) -> str:
        return f"feed of {self.member or self.squad}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def url(self) -> str:
        return absolute(reverse("shifts:feed", args=[self.token]))


class Invitation(models.Model):
    """A leader's invitation to fill a place, with a link that claims it in one tap."""

    shift = models.ForeignKey("shifts.Shift", on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation of {self.member} to {self.shift}"
