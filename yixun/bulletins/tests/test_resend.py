"""The officers' "send again what failed", on every channel: a delivery that failed for good goes
out once more under its own key and arrives once; pressed again, nothing more goes out; one
entry in the trail says how many went again on each channel; and only officers may press it.

Each channel fails against a real local stand-in: an SMTP server that is down and then up, a
text gateway that refuses a number until told otherwise, a push service that answers 503, and
a group robot's port where nobody listens until a server takes it."""

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yixun.accounts.messaging import MemorySender, Message
from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.bulletins import preferences
from yixun.bulletins.models import Bulletin, Kind, Preference, PushSubscription, Robot
from yixun.bulletins.tests.test_email import Server, free_port, subscriber
from yixun.bulletins.tests.test_push import SUBJECT, PushService, subscribe
from yixun.tips.services.alerts import RETRIES
from yixun.worker.models import Delivery
from yixun.worker.services.deliveries import DeliveryFailed

pytestmark = pytest.mark.django_db

RESENT = "bulletins.bulletin.deliveries_resent"


def press(client: Client, bulletin: Bulletin) -> Any:
    """The officer presses "Send again what failed" on the delivery log."""
    return client.post(reverse("bulletins:resend", args=[bulletin.pk]), follow=True)


def said(answer: Any) -> list[str]:
    return [str(message) for message in answer.context["messages"]]


# "1 delivery is going out again.", in whichever of the two languages the page was drawn in
# (the e-mail and push tests' settings draw it in English).
ONE_RESENT = [["1 delivery is going out again."], ["1 条消息正在重新发送。"]]


def deliveries(bulletin: Bulletin, channel: str) -> list[Delivery]:
    return list(
        Delivery.objects.filter(
            about=f"bulletins.bulletin:{bulletin.pk}", channel=channel
        ).order_by("pk")
    )


def run_every_retry(deferred_tasks: Any) -> None:
    for _retry in range(len(RETRIES) + 1):
        deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(days=1))


def trail(bulletin: Bulletin) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=RESENT, target_id=str(bulletin.pk)))


# E-mail.


@pytest.fixture
def smtp_down(settings: Any) -> Iterator[Server]:
    server = Server(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.LANGUAGE_CODE = "en"
    yield server
    server.stop()


def test_a_mail_that_failed_for_good_arrives_once_when_resent(
    smtp_down, login, officer, moderator, police, publish, deferred_tasks
):
    subscriber("zhang@example.com")
    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)
    run_every_retry(deferred_tasks)
    [mail] = deliveries(bulletin, Delivery.Channel.EMAIL)
    assert (mail.status, mail.attempts) == (Delivery.Status.FAILED, len(RETRIES) + 1)

    smtp_down.start()
    answer = press(login(officer), bulletin)
    assert said(answer) in ONE_RESENT
    [arrived] = smtp_down.mailbox.to("zhang@example.com")
    assert arrived["Message-ID"].strip().startswith(f"<{mail.key}@")  # the same message
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Delivery.Status.SENT, len(RETRIES) + 2)

    assert said(press(login(officer), bulletin)) == ["Nothing had failed that could be sent again."]
    assert len(smtp_down.mailbox.messages) == 1
    [entry] = trail(bulletin)
    assert entry.actor == officer
    assert entry.data == {"resent": 1, "robots": 0, "mails": 1, "sms": 0, "push": 0}


def test_a_mail_to_someone_who_stopped_e_mails_is_not_resent(
    smtp_down, login, officer, moderator, police, publish, deferred_tasks
):
    person = subscriber("zhang@example.com")
    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)
    run_every_retry(deferred_tasks)
    person.unsubscribed_at = timezone.now()
    person.save(update_fields=["unsubscribed_at"])

    smtp_down.start()
    press(login(officer), bulletin)
    assert smtp_down.mailbox.messages == []
    [mail] = deliveries(bulletin, Delivery.Channel.EMAIL)
    assert mail.status == Delivery.Status.FAILED
    assert trail(bulletin) == []


# Text messages.


class FlakyGateway:
    """A text gateway (outside Yixun: a stand-in is fair) that refuses the numbers in `down`
    until they are taken out, and hands the others to the test outbox."""

    down: ClassVar[set[str]] = set()

    def send(self, message: Message) -> None:
        if message.to in self.down:
            raise ConnectionError("gateway unavailable")
        MemorySender.outbox.append(message)


@pytest.fixture
def gateway(settings: Any) -> Iterator[type[FlakyGateway]]:
    settings.YIXUN_MESSAGE_SENDER = f"{__name__}.FlakyGateway"
    FlakyGateway.down.clear()
    yield FlakyGateway
    FlakyGateway.down.clear()


def texts(user: User) -> list[Message]:
    return [message for message in MemorySender.outbox if message.to == user.phone]


def test_a_text_the_gateway_refused_arrives_once_when_resent(
    gateway, login, officer, moderator, volunteer, volunteer2, publish, deferred_tasks
):
    # Held for the members' quiet hours, refused by the gateway in the morning.
    for member, wakes in ((volunteer, dt.time(7)), (volunteer2, dt.time(8))):
        preferences.save_preference(
            user=member, channels=[Preference.Channel.SMS], kinds=[], email="",
            quiet_from=dt.time(22), quiet_until=wakes,
        )  # fmt: skip
    gateway.down.update({volunteer.phone, volunteer2.phone})
    tonight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 30)))
    with time_machine.travel(tonight, tick=True) as clock:
        bulletin = publish(moderator, officer, kind=Kind.NOTICE, to_members=True)
        for hours in (7.5, 8.5):  # each member's morning
            clock.move_to(tonight + dt.timedelta(hours=hours))
            with pytest.raises(DeliveryFailed):
                deferred_tasks.run_deferred(until=timezone.now())
        text, other = deliveries(bulletin, Delivery.Channel.MESSAGE)
        assert text.key == f"bulletin-{bulletin.pk}-r0-sms-{volunteer.pk}"
        assert (text.status, text.attempts) == (Delivery.Status.FAILED, 1)  # no retries of its own
        assert other.status == Delivery.Status.FAILED

        # The gateway is back; volunteer2 turned texts off meanwhile.
        gateway.down.clear()
        preferences.save_preference(
            user=volunteer2, channels=[], kinds=[], email="", quiet_from=None, quiet_until=None
        )
        answer = press(login(officer), bulletin)
        assert said(answer) in ONE_RESENT
        [arrived] = texts(volunteer)
        assert arrived.key == text.key and arrived.template == "YIXUN_BULLETIN"
        assert texts(volunteer2) == []
        text.refresh_from_db()
        other.refresh_from_db()
        assert (text.status, text.attempts) == (Delivery.Status.SENT, 2)
        assert other.status == Delivery.Status.FAILED

        press(login(officer), bulletin)
        assert len(texts(volunteer)) == 1 and deferred_tasks.deferred == []
    [entry] = trail(bulletin)
    assert entry.data == {"resent": 1, "robots": 0, "mails": 0, "sms": 1, "push": 0}


# Browser notifications.


@pytest.fixture
def service(settings: Any) -> Iterator[PushService]:
    out = StringIO()
    call_command("vapid_keys", stdout=out, stderr=StringIO())
    pair = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.YIXUN_VAPID_PRIVATE_KEY = pair["YIXUN_VAPID_PRIVATE_KEY"]
    settings.YIXUN_VAPID_PUBLIC_KEY = pair["YIXUN_VAPID_PUBLIC_KEY"]
    settings.YIXUN_VAPID_SUBJECT = SUBJECT
    settings.YIXUN_SITE_URL = "https://yixun.example.org"
    settings.LANGUAGE_CODE = "en"
    running = PushService()
    running.public_key = pair["YIXUN_VAPID_PUBLIC_KEY"]
    yield running
    running.stop()
    assert not running.problems, running.problems


def test_a_notification_that_failed_for_good_arrives_once_when_resent(
    service, login, officer, moderator, police, volunteer, volunteer2, publish, deferred_tasks
):
    gone = subscribe(volunteer2, service.browser("gone"))  # first: it is pushed to first
    browser = service.browser("volunteer")
    subscribe(volunteer, browser)
    service.plan.put(410)  # the browser dropped its subscription: forgotten, never resent
    for _try in range(len(RETRIES) + 1):
        service.plan.put(503)
    bulletin = publish(moderator, police, kind=Kind.ALERT, to_public=True)
    run_every_retry(deferred_tasks)
    lost, failed = deliveries(bulletin, Delivery.Channel.PUSH)
    assert lost.status == failed.status == Delivery.Status.FAILED
    assert not PushSubscription.objects.filter(pk=gone.pk).exists()

    answer = press(login(officer), bulletin)
    assert said(answer) in ONE_RESENT
    assert [push.status for push in service.to(browser)] == [503] * (len(RETRIES) + 1) + [201]
    assert service.to(browser)[-1].message["title"] == "Police alert: 近期电信诈骗高发"
    failed.refresh_from_db()
    lost.refresh_from_db()
    assert failed.status == Delivery.Status.SENT and lost.status == Delivery.Status.FAILED

    press(login(officer), bulletin)
    assert len(service.to(browser)) == len(RETRIES) + 2
    [entry] = trail(bulletin)
    assert entry.data == {"resent": 1, "robots": 0, "mails": 0, "sms": 0, "push": 1}


# Group robots, and who may press.


class Group(BaseHTTPRequestHandler):
    """A WeCom group's robot: it takes every post."""

    posts: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Group.posts.append((self.headers["Idempotency-Key"], body["text"]["content"]))
        payload = json.dumps({"errcode": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot_down() -> Iterator[Callable[[], None]]:
    """A robot at a port where nobody listens; calling the fixture's value brings it up."""
    port = free_port()
    Robot.objects.create(
        name="城关巡逻群",
        provider="wecom",
        url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k",
    )
    Group.posts = []
    servers: list[ThreadingHTTPServer] = []

    def up() -> None:
        server = ThreadingHTTPServer(("127.0.0.1", port), Group)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)

    yield up
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_robot_post_that_failed_for_good_arrives_once_and_only_officers_resend(
    robot_down, login, officer, moderator, police, publish, deferred_tasks
):
    bulletin = publish(moderator, police)
    run_every_retry(deferred_tasks)
    [post] = deliveries(bulletin, Delivery.Channel.ROBOT)
    assert post.status == Delivery.Status.FAILED
    robot_down()

    assert login(moderator).post(reverse("bulletins:resend", args=[bulletin.pk])).status_code == 403
    assert Group.posts == []
    post.refresh_from_db()
    assert post.status == Delivery.Status.FAILED

    assert said(press(login(officer), bulletin)) in [
        [text] for texts in ONE_RESENT for text in texts
    ]
    [(key, text)] = Group.posts
    assert key == post.key and "近期电信诈骗高发" in text
    post.refresh_from_db()
    assert post.status == Delivery.Status.SENT

    press(login(officer), bulletin)
    assert len(Group.posts) == 1
    [entry] = trail(bulletin)
    assert entry.data == {"resent": 1, "robots": 1, "mails": 0, "sms": 0, "push": 0}
