"""The public follow areas in one browser, without an account or an e-mail address, and stop
by the page or by the link each notification carries. Delivered to a push service on
127.0.0.1 that decrypts each payload with the browser's keys (test_push.PushService)."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from yixun.bulletins.channels import email, push_public
from yixun.bulletins.models import Kind, PushSubscription, Subscriber
from yixun.bulletins.tests.test_email import towns
from yixun.bulletins.tests.test_push import Browser, service, vapid
from yixun.places.models import Area
from yixun.worker.models import Delivery

__all__ = [
    "service",
    "towns",
    "vapid",
]  # fixtures: the push endpoint and the towns of test_push, test_email
pytestmark = pytest.mark.django_db


def page_client() -> tuple[Client, str]:
    """The public on the subscribe page: a client that checks CSRF, with the page's token."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("bulletins:subscribe"))
    assert page.status_code == 200
    return client, client.cookies["csrftoken"].value


def follow(browser: Browser, *, areas: list[Any], kinds: list[Any] | None = None) -> Any:
    client, token = page_client()
    return client.post(
        reverse("bulletins:push_follow"),
        {**browser.subscription(), "areas": areas, "kinds": kinds or []},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def test_a_browser_follows_a_town_and_gets_its_public_bulletins_with_why_and_how_to_stop(
    service, towns, moderator, police, officer, publish
):
    browser = service.browser("public")
    answer = follow(browser, areas=[towns["chengguan"].pk])
    assert answer.status_code == 200, answer.content
    assert answer.json()["message"] == "This browser will show the bulletins you chose."
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.confirmed_at is not None) == ("", True)
    assert PushSubscription.objects.get().subscriber == subscriber

    here = publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]])
    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["hekou"]])
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True)

    [received] = service.to(browser)
    stop = f"https://yixun.example.org/bulletins/push/stop/{subscriber.token}/"
    assert received.message == {
        "title": "Police alert: 近期电信诈骗高发",
        "body": "冒充公检法的电话，一律挂断。",
        "url": f"https://yixun.example.org/bulletins/{here.pk}/",
        "tag": f"bulletin-{here.pk}",
        "why": "You follow bulletins for 城关镇 in this browser.",
        "stop": stop,
        "stop_label": "Stop these",
    }
    assert Delivery.objects.get(channel=Delivery.Channel.PUSH).status == Delivery.Status.SENT
    assert mail.outbox == []  # no address: nothing goes by e-mail
    assert email.subscriber_recipients(here) == []


def test_following_again_changes_what_the_browser_follows(
    service, towns, moderator, police, publish
):
    browser = service.browser("public")
    follow(browser, areas=[towns["chengguan"].pk])
    answer = follow(browser, areas=[towns["hekou"].pk], kinds=[Kind.NOTICE])
    assert answer.status_code == 200
    subscriber = Subscriber.objects.get()
    assert list(subscriber.areas.all()) == [towns["hekou"]]
    assert subscriber.kinds == [Kind.NOTICE]
    assert PushSubscription.objects.count() == 1

    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["hekou"]])
    assert service.to(browser) == []  # an alert, and it follows notices only


def test_the_stop_link_asks_first_then_stops_that_browser(
    service, towns, moderator, police, publish, public
):
    browser = service.browser("public")
    follow(browser, areas=[])
    subscriber = Subscriber.objects.get()
    url = reverse("bulletins:push_stop", args=[subscriber.token])

    shown = public.get(url)
    assert shown.status_code == 200
    assert "Stop them" in shown.content.decode()
    assert PushSubscription.objects.exists()  # a link opened stops nothing

    assert public.post(url).status_code == 200
    assert public.post(url).status_code == 200  # twice changes nothing
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    assert not PushSubscription.objects.exists()
    publish(moderator, police, kind=Kind.ALERT, to_public=True)
    assert service.to(browser) == []
    assert public.get(reverse("bulletins:push_stop", args=["forged"])).status_code == 404


def test_the_page_stops_the_browser_that_presents_its_endpoint(service, towns):
    browser = service.browser("public")
    follow(browser, areas=[towns["county"].pk])
    client, token = page_client()
    answer = client.post(
        reverse("bulletins:push_unfollow"), {"endpoint": browser.endpoint},
        content_type="application/json", headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["message"] == "This browser will show no more bulletins."
    assert not PushSubscription.objects.exists()
    assert Subscriber.objects.get().unsubscribed_at is not None


@pytest.mark.parametrize(
    ("areas", "kinds", "code"),
    [
        (["city"], [], "unknown_area"),
        ([99999], [], "unknown_area"),
        ([True], [], "unknown_area"),
        ([], ["gossip"], "unknown_kind"),
        ("all", [], "invalid"),
    ],
)
def test_a_bad_choice_is_refused_and_nothing_stored(service, towns, areas, kinds, code):
    answer = follow(service.browser("public"), areas=areas, kinds=kinds)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert not Subscriber.objects.exists()
    assert not PushSubscription.objects.exists()


def test_a_community_is_too_small_to_follow(service, towns):
    community = Area.objects.create(
        name="东街社区", level=Area.Level.COMMUNITY, parent=towns["chengguan"]
    )
    answer = follow(service.browser("public"), areas=[community.pk])
    assert answer.json()["code"] == "unknown_area"


def test_one_network_address_follows_only_so_often(service, towns):
    for n in range(push_public.FOLLOW_PER_ADDRESS):
        assert follow(service.browser(f"b{n}"), areas=[]).status_code == 200
    answer = follow(service.browser("one-too-many"), areas=[])
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert Subscriber.objects.count() == push_public.FOLLOW_PER_ADDRESS


def test_the_subscribe_page_offers_the_browser_only_on_a_site_with_keys(settings, public):
    settings.YIXUN_VAPID_PRIVATE_KEY = settings.YIXUN_VAPID_PUBLIC_KEY = ""
    assert (
        'data-testid="push-follow"'
        not in public.get(reverse("bulletins:subscribe")).content.decode()
    )


def test_the_subscribe_page_offers_the_browser(vapid, public):
    page = public.get(reverse("bulletins:subscribe")).content.decode()
    assert 'data-testid="push-follow"' in page
    assert reverse("bulletins:push_follow") in page
    assert f'data-key="{vapid}"' in page
