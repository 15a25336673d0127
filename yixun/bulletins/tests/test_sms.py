"""Text messages: by each member's choice (an urgent alert by default), from approved templates
with the link, never in quiet hours but for an urgent alert, and within the daily cap."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.bulletins import preferences, services
from yixun.bulletins.models import Kind, Preference
from yixun.worker.models import Delivery

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def texts_to(outbox, user):
    return [m for m in outbox if m.to == user.phone]


@pytest.fixture
def evening():
    at = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 30)))
    with time_machine.travel(at, tick=True):
        yield at


def choose(user, *, channels, kinds=(), quiet=None):
    preferences.save_preference(
        user=user,
        channels=list(channels),
        kinds=list(kinds),
        email="",
        quiet_from=quiet[0] if quiet else None,
        quiet_until=quiet[1] if quiet else None,
    )


def test_an_urgent_alert_goes_by_text_to_everyone_by_default(police, volunteer, write, outbox):
    alert = write(police, kind=Kind.URGENT, title="紧急寻人：走失的八岁男孩，身穿红色外套")
    services.send_at_once(actor=police, bulletin=alert)
    (text,) = texts_to(outbox, volunteer)
    assert text.template == "YIXUN_URGENT"
    assert len(text.params["title"]) <= 20
    assert (
        text.params["link"].endswith(f"/bulletins/{alert.pk}/") and text.params["link"] in text.body
    )
    delivery = Delivery.objects.get(key=f"bulletin-{alert.pk}-r0-sms-{volunteer.pk}")
    assert delivery.about == f"bulletins.bulletin:{alert.pk}" and delivery.status == "sent"


def test_other_kinds_go_by_text_only_to_those_who_chose_them(
    moderator, police, officer, volunteer, volunteer2, publish, outbox
):
    choose(volunteer, channels=["sms"], kinds=[Kind.ADVICE])
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True, to_public=False)
    assert not texts_to(outbox, volunteer) and not texts_to(outbox, volunteer2)
    publish(moderator, police, kind=Kind.ADVICE)
    assert len(texts_to(outbox, volunteer)) == 1 and not texts_to(outbox, volunteer2)


def test_quiet_hours_hold_a_notice_but_not_an_urgent_alert(
    moderator, police, officer, volunteer, write, publish, outbox, deferred_tasks, evening
):
    choose(volunteer, channels=["sms"], quiet=(dt.time(22), dt.time(7)))
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True, to_public=False)
    assert not texts_to(outbox, volunteer)
    alert = write(police, kind=Kind.URGENT)
    services.send_at_once(actor=police, bulletin=alert)
    assert len(texts_to(outbox, volunteer)) == 1  # the urgent one, at once
    morning = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(evening) + dt.timedelta(days=1), dt.time(7))
    )
    deferred_tasks.run_deferred(until=morning - dt.timedelta(minutes=1))
    assert len(texts_to(outbox, volunteer)) == 1
    deferred_tasks.run_deferred(until=morning)
    assert len(texts_to(outbox, volunteer)) == 2


def test_quiet_hours_within_a_day_and_over_midnight():
    at = dt.datetime(2026, 12, 4, 13, 0, tzinfo=SHANGHAI)
    lunch = Preference(channels=["sms"], quiet_from=dt.time(12), quiet_until=dt.time(14))
    assert timezone.localtime(preferences.quiet_until(lunch, Kind.NOTICE, at)).time() == dt.time(14)
    night = Preference(channels=["sms"], quiet_from=dt.time(22), quiet_until=dt.time(7))
    assert preferences.quiet_until(night, Kind.NOTICE, at) is None
    late = dt.datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI)
    ends = timezone.localtime(preferences.quiet_until(night, Kind.NOTICE, late))
    assert (ends.date(), ends.time()) == (dt.date(2026, 12, 5), dt.time(7))
    assert preferences.quiet_until(night, Kind.URGENT, late) is None


def test_past_the_daily_cap_texts_stop_and_the_officers_are_told_once(
    settings, police, officer, volunteer, volunteer2, write, outbox
):
    settings.YIXUN_SMS_DAILY_LIMIT = 2  # the officer, a member by role, is one of the takers
    for title in ("第一条紧急协查", "第二条紧急协查"):
        alert = write(police, kind=Kind.URGENT, title=title)
        services.send_at_once(actor=police, bulletin=alert)
    sent = Delivery.objects.filter(about__startswith="bulletins.", channel="message")
    assert sent.count() == 2
    told = [m for m in texts_to(outbox, officer) if not m.template]
    assert len(told) == 1 and "YIXUN_SMS_DAILY_LIMIT" in told[0].body
    assert AuditEntry.objects.filter(action="bulletins.bulletin.sms_capped").count() == 2


def test_a_member_chooses_on_their_page_and_bad_input_changes_nothing(login, volunteer):
    client = login(volunteer)
    page = client.post(reverse("bulletins:settings"), {"channels": ["email"], "email": ""})
    assert "errorlist" in page.content.decode()
    assert not Preference.objects.exists()
    client.post(
        reverse("bulletins:settings"),
        {"channels": ["sms"], "kinds": ["advice"], "quiet_from": "22:00", "quiet_until": "07:00"},
    )
    chosen = Preference.objects.get(user=volunteer)
    assert (chosen.channels, chosen.kinds, chosen.quiet_until) == (["sms"], ["advice"], dt.time(7))
    assert client.get(reverse("bulletins:settings")).status_code == 200
