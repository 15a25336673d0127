"""What the task worker keeps beside django-tasks-db's queue: who is alive (a heartbeat per
worker process, so that a lease can be judged), the tasks taken back from workers that died,
and the log of every message and webhook sent out, one row per delivery."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


class Worker(models.Model):
    """One worker process. It beats every quarter of a lease; a worker not seen for a whole
    lease is gone, and the tasks it held may be taken back."""

    id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.id


class Reclaim(models.Model):
    """A task taken back from a worker that died holding it: put back in the queue, or, after
    too many, given up and marked failed."""

    class Outcome(models.TextChoices):
        REQUEUED = "requeued", _("Queued again")
        ABANDONED = "abandoned", _("Given up: marked failed")

    task = models.ForeignKey(
        DBTaskResult, verbose_name=_("task"), on_delete=models.CASCADE, related_name="+"
    )
    task_path = models.CharField(_("task"), max_length=200)
    lost_worker = models.CharField(_("lost worker"), max_length=64)
    reclaimed_by = models.CharField(_("reclaimed by"), max_length=64)
    number = models.PositiveSmallIntegerField(_("reclaim number"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("reclaimed task")
        verbose_name_plural = _("reclaimed tasks")
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="worker_reclaim_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_path} #{self.number}"


class Delivery(models.Model):
    """One message or webhook post, found by its key before it is sent, so that a send cut off
    mid-request goes out again under the same key (receivers that drop duplicates can) and the
    log still holds one row, with the attempts it took."""

    class Channel(models.TextChoices):
        MESSAGE = "message", _("Message")
        ROBOT = "robot", _("Group robot")
        EMAIL = "email", _("E-mail")
        PUSH = "push", _("Web Push")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent out")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("delivery key"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # A masked phone number, or a robot's scheme and host (its secret is in its path or query).
    recipient = models.CharField(_("recipient"), max_length=200)
    # What the delivery is of, as "app.model:id" ("bulletins.bulletin:12"): the log of one
    # bulletin's deliveries is found by it. Empty for sign-in codes and the like.
    about = models.CharField(_("about"), max_length=60, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Which scheduled retry is due next (a robot is retried later); a run whose retry number
    # is below it has been settled already, so a re-run after a crash does nothing.
    retry = models.PositiveSmallIntegerField(_("retry"), default=0)
    last_answer = models.CharField(_("last answer"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempted_at = models.DateTimeField(_("last attempted at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient} ({self.status})"
