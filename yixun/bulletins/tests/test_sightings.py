"""An urgent alert's sightings: "I saw them" from the public is a tip linked to the alert, screened
and rate-limited as tips are, that skips the queue (the liaison and the moderators on duty hear of
it at once); the liaison's map shows each pin and moves live, for the staff and nobody else."""

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.audit.sentences import describe
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, Kind, Sighting
from yixun.bulletins.sighting_live import SIGHTINGS
from yixun.bulletins.sightings import SightingRefused, report_sighting
from yixun.live.models import Event
from yixun.live.topics import TOPICS
from yixun.members.models import Member, Squad
from yixun.shifts.models import Claim, Shift
from yixun.tips import captcha
from yixun.tips.models import Tip, TipRules
from yixun.tips.services import intake
from yixun.tips.services.errors import TooMany

pytestmark = pytest.mark.django_db

SEEN = {
    "text": "在菜市场东门看到一位穿蓝色上衣的老人，往河边走了",
    "place": "城关镇菜市场东门",
    "latitude": "31.0012",
    "longitude": "114.0031",
}


@pytest.fixture
def urgent(police: User, write: Callable[..., Bulletin]) -> Bulletin:
    """An urgent alert a liaison sent at once, with its circle."""
    draft = write(
        police,
        kind=Kind.URGENT,
        title="紧急寻人：八旬老人走失",
        body="身穿蓝色上衣，今早在城关镇菜市场附近走失。",
        cap={"circle_latitude": 31.0, "circle_longitude": 114.0, "circle_radius_km": 3.0},
    )
    return services.send_at_once(actor=police, bulletin=draft)


def saw(text: str = SEEN["text"], **extra: object) -> intake.Report:
    return intake.Report(category="other", text=text, place=SEEN["place"], **extra)  # type: ignore[arg-type]


def on_duty(moderator: User, squad: Squad) -> None:
    """Put the moderator on an online moderation shift that is on now."""
    now = timezone.now()
    shift = Shift.objects.create(
        kind=Shift.Kind.MODERATION,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
        min_people=1,
        capacity=4,
    )
    member = Member.objects.create(user=moderator, squad=squad)
    Claim.objects.create(shift=shift, member=member, claimed_by=moderator)


@pytest.fixture
def moderator2(db: None) -> User:
    return accounts.create_user(
        phone="13900000009", name="钱版主", password="x-Yixun-2026", actor=None,
        roles=[Role.VOLUNTEER, Role.MODERATOR],
    )  # fmt: skip


def test_a_sighting_from_the_public_is_a_linked_tip_the_liaison_and_moderator_on_duty_hear_of(
    public, urgent, police, moderator, moderator2, squad, outbox
) -> None:
    on_duty(moderator, squad)
    page = public.get(reverse("bulletins:sighting", args=[urgent.pk]))
    assert page.status_code == 200 and "紧急寻人：八旬老人走失" in page.content.decode()
    key = page.context["form"]["key"].value()
    sent = public.post(reverse("bulletins:sighting", args=[urgent.pk]), {**SEEN, "key": key})
    assert sent.status_code == 302
    sighting = Sighting.objects.select_related("tip").get()
    tip = sighting.tip
    assert sighting.bulletin == urgent
    assert (tip.category, tip.is_urgent, tip.reporter) == (Tip.Category.MISSING_PERSON, True, None)
    assert (float(tip.latitude), float(tip.longitude)) == (31.0012, 114.0031)
    # The thank-you, once, with the tracking code and its link.
    thanks = public.get(sent.url).content.decode()
    assert tip.code in thanks and reverse("tips:track", args=[tip.code]) in thanks
    assert tip.code not in public.get(sent.url).content.decode()
    # The liaison and the moderator on duty are told of the sighting, with the tip's link; the
    # moderator off duty is not.
    told = [m for m in outbox if "紧急寻人：八旬老人走失" in m.subject]
    assert sorted(m.to for m in told) == sorted([police.phone, moderator.phone])
    assert all(f"/tips/{tip.pk}/" in m.body for m in told)
    assert all(f"/bulletins/{urgent.pk}/sightings/" in m.body for m in told)
    assert not any(m.to == moderator2.phone for m in outbox)
    # One message each: the sighting's, not also the "new tip" every tip sends.
    assert [m.to for m in outbox].count(moderator.phone) == 1
    entry = AuditEntry.objects.get(action="bulletins.sighting.reported")
    assert entry.target_id == str(sighting.pk) and entry.actor is None
    assert urgent.title in describe([entry])[0].sentence


def test_every_moderator_hears_when_nobody_is_on_duty(
    urgent, police, moderator, moderator2, outbox
):
    report_sighting(bulletin=urgent, report=saw(), address="10.9.0.2")
    told = {m.to for m in outbox if urgent.title in m.subject}
    assert told == {police.phone, moderator.phone, moderator2.phone}


def test_a_resend_with_the_same_key_is_the_same_sighting(urgent, police, outbox) -> None:
    key = uuid.uuid4()
    first = report_sighting(bulletin=urgent, report=saw(), address="10.9.0.3", key=key)
    services.withdraw_bulletin(actor=police, bulletin=urgent, note="已找到，谢谢大家")
    again = report_sighting(bulletin=urgent, report=saw(), address="10.9.0.4", key=key)
    assert again == first and Tip.objects.count() == 1 and Sighting.objects.count() == 1
    assert len([m for m in outbox if urgent.title in m.subject]) == 1


def test_sightings_are_rate_limited_like_tips(public, urgent) -> None:
    rules = TipRules.current()
    url = reverse("bulletins:sighting", args=[urgent.pk])
    for n in range(rules.captcha_after):
        assert public.post(url, {**SEEN, "text": f"{SEEN['text']}，第{n}次"}).status_code == 302
        public.get(url)  # the thank-you
    page = public.get(url)
    assert page.context["wants_captcha"] and "tips/captcha.png" in page.content.decode()
    refused = public.post(url, {**SEEN, "text": "又在桥头看到了老人", "captcha": "0000"})
    assert refused.status_code == 400 and Sighting.objects.count() == rules.captcha_after
    # Solved, it goes in; the tips page asks the same of this address, as it is one rule.
    public.get(reverse("tips:captcha"))
    salt, expected = public.session[captcha.KEY]
    digits = next(
        f"{a}{b}{c}{d}"
        for a in "23456789"
        for b in "23456789"
        for c in "23456789"
        for d in "23456789"
        if captcha._hash(salt, f"{a}{b}{c}{d}") == expected
    )
    passed = public.post(url, {**SEEN, "text": "又在桥头看到了老人", "captcha": digits})
    assert passed.status_code == 302 and Sighting.objects.count() == rules.captcha_after + 1
    assert public.get(reverse("tips:report")).context["wants_captcha"]


def test_past_the_hourly_limit_a_sighting_is_refused_as_a_tip_is(urgent) -> None:
    TipRules.objects.update_or_create(pk=1, defaults={"tips_per_hour": 2, "captcha_after": 50})
    for n in range(2):
        report_sighting(
            bulletin=urgent, report=saw(text=f"看到老人了，第{n}次"), address="10.9.1.1"
        )
    with pytest.raises(TooMany):
        report_sighting(bulletin=urgent, report=saw(text="又看到老人了"), address="10.9.1.1")
    with pytest.raises(TooMany):  # the same address's next tip, as well
        intake.submit_tip(report=saw(text="路口井盖丢了，很危险"), address="10.9.1.1")
    assert Sighting.objects.count() == 2


def test_no_sighting_for_a_closed_alert_or_a_bulletin_that_is_not_one(
    public, urgent, police, moderator, publish
) -> None:
    alert = publish(moderator, police, title="近期夜间盗窃电动车警情")
    with pytest.raises(SightingRefused):
        report_sighting(bulletin=alert, report=saw(), address="10.9.2.1")
    assert public.get(reverse("bulletins:sighting", args=[alert.pk])).status_code == 404
    services.withdraw_bulletin(actor=police, bulletin=urgent, note="已找到，谢谢大家")
    urgent.refresh_from_db()
    with pytest.raises(SightingRefused):
        report_sighting(bulletin=urgent, report=saw(), address="10.9.2.1")
    closed = public.get(reverse("bulletins:sighting", args=[urgent.pk]))
    assert (
        closed.status_code == 410 and 'data-testid="sighting-form"' not in closed.content.decode()
    )
    assert public.post(reverse("bulletins:sighting", args=[urgent.pk]), SEEN).status_code == 410
    assert not Tip.objects.exists() and not Sighting.objects.exists()


def test_no_sighting_for_an_urgent_alert_not_yet_out(public, login, police, write) -> None:
    draft = write(police, kind=Kind.URGENT, title="紧急寻人：草稿")
    with pytest.raises(SightingRefused):
        report_sighting(bulletin=draft, report=saw(), address="10.9.3.1")
    for client in (public, login(police)):  # the writer sees the draft, but no form for it
        assert client.get(reverse("bulletins:sighting", args=[draft.pk])).status_code == 404


def test_the_liaison_sees_the_pins_and_the_volunteer_and_the_public_do_not(
    public, login, urgent, police, moderator, officer, volunteer, django_assert_max_num_queries
) -> None:
    report_sighting(bulletin=urgent, report=saw(point=(31.0012, 114.0031)), address="10.9.4.1")
    report_sighting(bulletin=urgent, report=saw(text="桥头也看到了，没有位置"), address="10.9.4.2")
    url = reverse("bulletins:sightings", args=[urgent.pk])
    liaison = login(police)
    with django_assert_max_num_queries(12):
        page = liaison.get(url)
    assert page.status_code == 200
    markers = page.context["markers"]
    assert [(m["lat"], m["lon"], m["text"]) for m in markers] == [(31.0012, 114.0031, SEEN["text"])]
    assert page.context["circle"] == {"centre": [31.0, 114.0], "metres": 3000.0}
    html = page.content.decode()
    assert 'data-live="sightings"' in html and f'data-live-ref="{urgent.pk}"' in html
    assert "桥头也看到了" in html
    for staff in (moderator, officer):
        assert SEEN["text"] in login(staff).get(url).content.decode()
    refused = login(volunteer).get(url)
    assert refused.status_code == 403 and SEEN["text"] not in refused.content.decode()
    anonymous = public.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.url
    assert login(police).get(reverse("bulletins:sightings", args=[10**6])).status_code == 404


def test_a_live_event_for_each_sighting_that_only_the_staff_may_hear(
    urgent, police, moderator, officer, volunteer
) -> None:
    assert TOPICS.get("sightings") is SIGHTINGS  # registered at start-up (apps.py)
    before = Event.objects.filter(topic="sightings").count()
    report_sighting(bulletin=urgent, report=saw(), address="10.9.5.1")
    report_sighting(bulletin=urgent, report=saw(text="桥头也看到了老人"), address="10.9.5.2")
    events = Event.objects.filter(topic="sightings").order_by("pk")[before:]
    assert [event.ref for event in events] == [str(urgent.pk)] * 2
    for staff in (police, moderator, officer):
        assert SIGHTINGS.may_follow(staff) and SIGHTINGS.may_see(staff, str(urgent.pk))  # type: ignore[misc]
    assert not SIGHTINGS.may_follow(volunteer)
    assert not SIGHTINGS.may_see(volunteer, str(urgent.pk))  # type: ignore[misc]
    from django.contrib.auth.models import AnonymousUser

    assert not SIGHTINGS.may_follow(AnonymousUser())
