"""The changes pushed to open pages, kept for a while so that a page that lost its connection
catches up on what it missed (`Last-Event-ID`)."""

from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One change, named by its topic and the object it concerns, never by what that object
    says: the page that hears of it fetches what it shows through its own doors."""

    topic = models.CharField(max_length=20)
    ref = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.topic} {self.ref}"
