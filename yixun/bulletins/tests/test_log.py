"""The delivery log of a bulletin: staff see each delivery with its answer; officers send again
what failed for good, and nobody else may."""

import datetime as dt
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.bulletins.models import Robot
from yixun.worker.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_robot(db):
    """A robot whose address refuses every connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Robot.objects.create(
        name="城关巡逻群",
        provider="wecom",
        url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k",
    )


def failed_for_good(moderator, police, publish, deferred_tasks):
    bulletin = publish(moderator, police)
    for _try in range(5):
        deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(days=1))
    return bulletin


def test_staff_see_the_log_and_officers_resend_what_failed(
    login, moderator, police, officer, dead_robot, publish, deferred_tasks
):
    bulletin = failed_for_good(moderator, police, publish, deferred_tasks)
    delivery = Delivery.objects.get(about=f"bulletins.bulletin:{bulletin.pk}", channel="robot")
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 4
    page = login(moderator).get(reverse("bulletins:deliveries", args=[bulletin.pk]))
    text = page.content.decode()
    assert "127.0.0.1" in text and "key=k" not in text  # the robot's secret stays out
    assert 'data-testid="resend"' not in text  # a moderator sees, an officer resends
    assert login(moderator).post(reverse("bulletins:resend", args=[bulletin.pk])).status_code == 403
    assert 'data-testid="resend"' in login(officer).get(page.request["PATH_INFO"]).content.decode()
    login(officer).post(reverse("bulletins:resend", args=[bulletin.pk]))
    delivery.refresh_from_db()
    assert delivery.attempts == 5  # tried once more, under its own key
    assert AuditEntry.objects.filter(action="bulletins.bulletin.deliveries_resent").count() == 1


def test_volunteers_and_the_public_see_no_log(login, public, volunteer, moderator, police, publish):
    bulletin = publish(moderator, police)
    path = reverse("bulletins:deliveries", args=[bulletin.pk])
    assert login(volunteer).get(path).status_code == 403
    assert public.get(path).status_code == 302  # to the sign-in page
    assert login(volunteer).post(reverse("bulletins:resend", args=[bulletin.pk])).status_code == 403
