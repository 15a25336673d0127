"""Browser notifications (Web Push), through a real push endpoint on 127.0.0.1 that decrypts
what it is sent with the browser's own keys (RFC 8291) and checks the VAPID signature (RFC 8292)
as a push service would."""

import base64
import datetime as dt
import json
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from time_machine import travel

from yixun.accounts.models import User
from yixun.bulletins import preferences, services
from yixun.bulletins.channels import push
from yixun.bulletins.models import Kind, Preference, PushSubscription
from yixun.tips.services.alerts import RETRIES
from yixun.worker.models import Delivery

pytestmark = pytest.mark.django_db

SUBJECT = "mailto:office@yixun.example.org"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass
class Browser:
    """A browser's side of a subscription: its P-256 key pair and its authentication secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        """As `PushSubscription.toJSON()` gives it."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(public_bytes(self.key)), "auth": b64(self.auth)},
        }


@dataclass
class Push:
    """One POST the push endpoint received, decrypted."""

    path: str
    headers: dict[str, str]
    message: dict[str, str]
    status: int


class PushService:
    """A push service on 127.0.0.1: it answers each POST with the next planned status (201
    when none is planned), decrypts the payload for the browser whose path it came to, and
    checks the VAPID token against the site's public key."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.plan: queue.Queue[int] = queue.Queue()
        self.received: list[Push] = []
        self.problems: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = service.plan.get_nowait() if not service.plan.empty() else 201
                try:
                    service.receive(self.path, dict(self.headers.items()), body, status)
                except Exception as error:  # the test reads it from `problems`
                    service.problems.append(repr(error))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.public_key = ""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def browser(self, name: str) -> Browser:
        self.browsers[f"/push/{name}"] = Browser(endpoint=f"{self.origin}/push/{name}")
        return self.browsers[f"/push/{name}"]

    def receive(self, path: str, headers: dict[str, str], body: bytes, status: int) -> None:
        browser = self.browsers[path]
        headers = {name.lower(): value for name, value in headers.items()}
        assert headers["content-encoding"] == "aes128gcm"
        self.check_vapid(headers["authorization"])
        plain = http_ece.decrypt(
            body, private_key=browser.key, dh=None, auth_secret=browser.auth, version="aes128gcm"
        )
        self.received.append(Push(path, headers, json.loads(plain), status))

    def check_vapid(self, authorization: str) -> None:
        """RFC 8292: `vapid t=<JWT>, k=<the site's public key>`, the JWT signed (ES256) by its
        private key, for this push service's origin, from the association, not expired."""
        scheme, _space, params = authorization.partition(" ")
        assert scheme == "vapid"
        values = dict(part.strip().split("=", 1) for part in params.split(","))
        assert values["k"] == self.public_key
        header, claims, signature = values["t"].split(".")
        raw = unb64(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(self.public_key))
        try:
            key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise AssertionError("the VAPID token is not signed by the site's key") from None
        assert json.loads(unb64(header)) == {"typ": "JWT", "alg": "ES256"}
        token = json.loads(unb64(claims))
        assert token["aud"] == self.origin
        assert token["sub"] == SUBJECT
        now = timezone.now().timestamp()
        assert now < token["exp"] <= now + 24 * 3600

    def to(self, browser: Browser) -> list[Push]:
        return [p for p in self.received if p.path == f"/push/{browser.endpoint.rsplit('/', 1)[1]}"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vapid(settings: Any) -> str:
    """The site's key pair, as `manage.py vapid_keys` prints it; returns the public key."""
    out = StringIO()
    call_command("vapid_keys", stdout=out, stderr=StringIO())
    pair = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.YIXUN_VAPID_PRIVATE_KEY = pair["YIXUN_VAPID_PRIVATE_KEY"]
    settings.YIXUN_VAPID_PUBLIC_KEY = pair["YIXUN_VAPID_PUBLIC_KEY"]
    settings.YIXUN_VAPID_SUBJECT = SUBJECT
    settings.YIXUN_SITE_URL = "https://yixun.example.org"
    settings.LANGUAGE_CODE = "en"
    return pair["YIXUN_VAPID_PUBLIC_KEY"]


@pytest.fixture
def service(vapid: str) -> Iterator[PushService]:
    running = PushService()
    running.public_key = vapid
    yield running
    running.stop()
    assert not running.problems, running.problems


def subscribe(
    user: User, browser: Browser, *, kinds: list[str] | None = None, **quiet: Any
) -> PushSubscription:
    """The member turns notifications on in this browser, and chooses them alone (no text
    messages) for these kinds."""
    subscription = push.subscribe_member(
        user=user, keys=push.read_subscription(browser.subscription())
    )
    assert Preference.Channel.PUSH in preferences.of(user).channels
    chosen = preferences.of(user)
    preferences.save_preference(
        user=user, channels=[Preference.Channel.PUSH], kinds=kinds or [], email=chosen.email,
        quiet_from=quiet.get("quiet_from"), quiet_until=quiet.get("quiet_until"),
    )  # fmt: skip
    return subscription


def push_deliveries() -> list[Delivery]:
    return list(Delivery.objects.filter(channel=Delivery.Channel.PUSH).order_by("pk"))


# Bulletins reach the browsers.


def test_a_published_alert_reaches_the_members_browser(
    service, volunteer, moderator, police, publish
):
    browser = service.browser("volunteer")
    subscription = subscribe(volunteer, browser)

    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)

    [received] = service.to(browser)
    assert received.message == {
        "title": "Police alert: 近期电信诈骗高发",
        "body": "冒充公检法的电话，一律挂断。",
        "url": f"https://yixun.example.org/bulletins/{bulletin.pk}/",
        "tag": f"bulletin-{bulletin.pk}",
        "why": "You get this because you turned on browser notifications for bulletins.",
        "stop": "https://yixun.example.org/inbox/settings/",
        "stop_label": "Stop these",
    }
    assert received.headers["urgency"] == "normal"
    assert received.headers["topic"] == f"bulletin-{bulletin.pk}"
    assert 0 < int(received.headers["ttl"]) <= 24 * 3600
    [delivery] = push_deliveries()
    assert delivery.key == f"bulletin-{bulletin.pk}-r0-push-{subscription.pk}"
    assert delivery.about == f"bulletins.bulletin:{bulletin.pk}"
    assert delivery.status == Delivery.Status.SENT
    assert delivery.recipient == f"127.0.0.1 #{subscription.pk}"  # never the endpoint's path


def test_a_correction_replaces_the_notification(service, volunteer, moderator, police, publish):
    browser = service.browser("volunteer")
    subscribe(volunteer, browser)
    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)

    services.correct_bulletin(
        actor=police, bulletin=bulletin, note="电话号码更正", title=bulletin.title, body="新的内容"
    )

    first, correction = service.to(browser)
    assert correction.message["title"] == "Correction: Police alert: 近期电信诈骗高发"
    assert correction.message["body"] == "电话号码更正"
    assert correction.message["tag"] == first.message["tag"]


def test_a_member_without_push_or_the_kind_gets_nothing(
    service, volunteer, volunteer2, moderator, officer, publish
):
    off = service.browser("off")
    subscribe(volunteer, off)
    preferences.save_preference(
        user=volunteer, channels=[Preference.Channel.SMS], kinds=[], email="", quiet_from=None, quiet_until=None
    )  # fmt: skip
    other_kind = service.browser("other-kind")
    subscribe(volunteer2, other_kind, kinds=[Kind.ALERT])

    publish(moderator, officer, kind=Kind.NOTICE, to_members=True)

    assert service.received == []
    assert push_deliveries() == []


def test_nothing_is_queued_without_keys(service, settings, volunteer, moderator, police, publish):
    subscribe(volunteer, service.browser("volunteer"))
    settings.YIXUN_VAPID_PRIVATE_KEY = settings.YIXUN_VAPID_PUBLIC_KEY = ""

    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)

    assert push.queue(bulletin, 0) == 0
    assert service.received == []


def test_quiet_hours_delay_a_notice_but_not_an_urgent_alert(
    service, deferred_tasks, volunteer, moderator, officer, police, publish, write
):
    browser = service.browser("volunteer")
    subscribe(volunteer, browser, quiet_from=dt.time(22), quiet_until=dt.time(7))
    tonight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 30)))
    morning = tonight + dt.timedelta(hours=7, minutes=30)

    with travel(tonight, tick=True) as clock:
        notice = publish(moderator, officer, kind=Kind.NOTICE, to_members=True, title="周末例会")
        assert service.to(browser) == []

        urgent = write(police, kind=Kind.URGENT, to_members=True, title="寻找走失老人")
        services.send_at_once(actor=police, bulletin=urgent)
        [alert] = service.to(browser)
        assert alert.message["title"] == "Urgent alert: 寻找走失老人"
        assert alert.headers["urgency"] == "high"

        assert deferred_tasks.run_deferred(until=morning - dt.timedelta(minutes=1)) == []
        clock.move_to(morning)
        assert deferred_tasks.run_deferred(until=morning) == [True]

    _alert, later = service.to(browser)
    assert later.message["title"] == "Association notice: 周末例会"
    assert later.message["url"].endswith(f"/bulletins/{notice.pk}/")


# What the push service answers.


def test_a_browser_that_is_gone_is_forgotten(service, volunteer, moderator, police, publish):
    browser = service.browser("volunteer")
    subscription = subscribe(volunteer, browser)
    service.plan.put(410)

    publish(moderator, police, kind=Kind.ALERT, to_public=True)

    assert len(service.to(browser)) == 1
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    [delivery] = push_deliveries()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_answer == "410 from the push service"


def test_a_push_service_that_fails_is_tried_again_and_delivers_once(
    service, deferred_tasks, volunteer, moderator, police, publish
):
    browser = service.browser("volunteer")
    subscribe(volunteer, browser)
    service.plan.put(500)

    publish(moderator, police, kind=Kind.ALERT, to_public=True)
    [delivery] = push_deliveries()
    assert delivery.status == Delivery.Status.QUEUED and delivery.retry == 1

    soon = timezone.now() + RETRIES[0]
    assert deferred_tasks.run_deferred(until=soon - dt.timedelta(seconds=5)) == []
    assert deferred_tasks.run_deferred(until=soon + dt.timedelta(seconds=5)) == [True]
    assert deferred_tasks.run_deferred(until=soon + dt.timedelta(days=1)) == []

    assert [p.status for p in service.to(browser)] == [500, 201]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2


def test_a_push_service_that_keeps_failing_is_given_up(
    service, deferred_tasks, volunteer, moderator, police, publish
):
    browser = service.browser("volunteer")
    subscription = subscribe(volunteer, browser)
    for _try in range(len(RETRIES) + 1):
        service.plan.put(503)

    publish(moderator, police, kind=Kind.ALERT, to_public=True)
    deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(days=1))
    deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(days=1))
    deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(days=1))

    assert len(service.to(browser)) == len(RETRIES) + 1
    [delivery] = push_deliveries()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(RETRIES) + 1
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()  # only 404/410 forget it


# Turning them on and off in a browser.


def csrf_client(user: User) -> tuple[Client, str]:
    """A client that checks CSRF as a browser's page would be checked, with the page's token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("bulletins:inbox"))
    return client, client.cookies["csrftoken"].value


def test_a_signed_in_member_turns_notifications_on_and_off(service, volunteer):
    browser = service.browser("volunteer")
    client, token = csrf_client(volunteer)
    url = reverse("bulletins:push_subscribe")

    refused = client.post(url, browser.subscription(), content_type="application/json")
    assert refused.status_code == 403  # no CSRF token
    assert not PushSubscription.objects.exists()

    answer = client.post(
        url, browser.subscription(), content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["message"] == "Browser notifications are on in this browser."
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint) == (volunteer, browser.endpoint)
    assert stored.p256dh == browser.subscription()["keys"]["p256dh"]
    assert Preference.Channel.PUSH in Preference.objects.get(user=volunteer).channels

    answer = client.post(
        reverse("bulletins:push_unsubscribe"), browser.subscription(),
        content_type="application/json", headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert answer.status_code == 200
    assert not PushSubscription.objects.exists()
    assert Preference.Channel.PUSH not in Preference.objects.get(user=volunteer).channels


def test_the_public_cannot_subscribe(service, public):
    answer = public.post(
        reverse("bulletins:push_subscribe"),
        service.browser("anyone").subscription(),
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "signed_out"
    assert not PushSubscription.objects.exists()


def test_nobody_else_turns_off_a_members_browser(service, volunteer, other_volunteer, login):
    browser = service.browser("volunteer")
    subscribe(volunteer, browser)

    answer = login(other_volunteer).post(
        reverse("bulletins:push_unsubscribe"),
        {"endpoint": browser.endpoint},
        content_type="application/json",
    )

    assert answer.status_code == 200  # the same answer: whose browser it is is not told
    assert PushSubscription.objects.get().user == volunteer


def broken(subscription: dict[str, Any], **changes: Any) -> dict[str, Any]:
    keys = {**subscription["keys"], **changes.pop("keys", {})}
    return {**subscription, **changes, "keys": keys}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"endpoint": "http://push.example.com/send/abc"}, "endpoint"),  # not HTTPS
        ({"endpoint": "ftp://127.0.0.1/send/abc"}, "endpoint"),
        ({"endpoint": "https:///no-host"}, "endpoint"),
        ({"endpoint": 42}, "endpoint"),
        ({"keys": {"p256dh": b64(b"\x04" + bytes(63))}}, "keys"),  # 64 bytes
        ({"keys": {"p256dh": b64(b"\x04" + bytes(64))}}, "keys"),  # 65 bytes, not on the curve
        ({"keys": {"p256dh": "not base64url!"}}, "keys"),
        ({"keys": {"auth": b64(bytes(15))}}, "keys"),
        ({"keys": {"auth": None}}, "keys"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_stored(service, volunteer, login, change, code):
    answer = login(volunteer).post(
        reverse("bulletins:push_subscribe"), broken(service.browser("volunteer").subscription(), **change),
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert not PushSubscription.objects.exists()
    assert not Preference.objects.filter(user=volunteer).exists()


def test_a_body_that_is_no_subscription_is_refused(service, volunteer, login):
    answer = login(volunteer).post(
        reverse("bulletins:push_subscribe"), "not json", content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "This browser sent no subscription."


def test_http_to_127_0_0_1_is_refused_in_production(service, settings, volunteer, login):
    settings.PRODUCTION, settings.DEBUG = True, False
    answer = login(volunteer).post(
        reverse("bulletins:push_subscribe"),
        service.browser("volunteer").subscription(),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert not PushSubscription.objects.exists()


# The button and the service worker.


def render_button(user: Any) -> str:
    request = RequestFactory().get("/inbox/settings/")
    request.user = user
    return render_to_string("bulletins/_push.html", request=request)


def test_the_button_is_offered_to_members_on_a_site_with_keys(vapid, settings, volunteer):
    html = render_button(volunteer)
    assert "Get browser notifications" in html
    assert f'data-key="{vapid}"' in html
    assert "WeChat" in html  # the note a browser without Web Push shows instead
    assert reverse("bulletins:push_worker") in html

    settings.YIXUN_VAPID_PRIVATE_KEY = settings.YIXUN_VAPID_PUBLIC_KEY = ""
    assert render_button(volunteer).strip() == ""


def test_the_button_is_not_offered_to_the_public(vapid):
    from django.contrib.auth.models import AnonymousUser

    assert render_button(AnonymousUser()).strip() == ""


def test_the_service_worker_is_served_for_the_whole_site(public):
    assert reverse("bulletins:push_worker") == "/push-sw.js"
    answer = public.get("/push-sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    script = answer.content.decode()
    assert "showNotification" in script and "notificationclick" in script


def test_a_mismatched_key_pair_is_refused_loudly(
    vapid, settings, service, volunteer, moderator, police, publish
):
    other = StringIO()
    call_command("vapid_keys", stdout=other, stderr=StringIO())
    settings.YIXUN_VAPID_PUBLIC_KEY = dict(line.split("=", 1) for line in other.getvalue().split())[
        "YIXUN_VAPID_PUBLIC_KEY"
    ]
    subscribe(volunteer, service.browser("volunteer"))

    with pytest.raises(Exception, match="not the pair"):
        publish(moderator, police, kind=Kind.ALERT, to_public=True)
