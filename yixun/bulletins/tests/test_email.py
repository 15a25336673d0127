"""Bulletins by e-mail, through a real SMTP server on 127.0.0.1: to members who chose it and to
the public's confirmed subscriptions, with the one-click unsubscribe (RFC 8058)."""

import datetime as dt
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from time_machine import travel

from yixun.bulletins import services
from yixun.bulletins.models import Kind, Preference, Subscriber
from yixun.places.models import Area
from yixun.tips.services.alerts import RETRIES
from yixun.worker.models import Delivery

pytestmark = pytest.mark.django_db


class Mailbox:
    """What the SMTP server was handed, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default)  # type: ignore[arg-type]
            )
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_down(settings: Any) -> Iterator[Server]:
    """Django's SMTP backend pointed at a port on 127.0.0.1 where no server listens (yet)."""
    server = Server(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.YIXUN_SITE_URL = "https://yixun.example.org"
    settings.LANGUAGE_CODE = "en"  # the public's mails are in the site's language
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_down: Server) -> Mailbox:
    smtp_down.start()
    return smtp_down.mailbox


@pytest.fixture
def towns() -> dict[str, Area]:
    county = Area.objects.create(name="义安县", level=Area.Level.COUNTY)
    return {
        "county": county,
        "chengguan": Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county),
        "hekou": Area.objects.create(name="河口镇", level=Area.Level.TOWN, parent=county),
    }


def subscriber(email: str, *areas: Area, confirmed: bool = True, **fields: Any) -> Subscriber:
    person = Subscriber.objects.create(
        email=email,
        token=f"token-{email.split('@')[0]}",
        confirmed_at=timezone.now() if confirmed else None,
        **fields,
    )
    person.areas.set(areas)
    return person


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_a_confirmed_subscriber_of_the_area_gets_the_alert(smtp, towns, moderator, police, publish):
    subscriber("zhang@example.com", towns["chengguan"])
    bulletin = publish(
        moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]]
    )

    [mail] = smtp.to("zhang@example.com")
    assert mail["Subject"].strip() == "Police alert: 近期电信诈骗高发"
    text, html = parts(mail)
    link = f"https://yixun.example.org/bulletins/{bulletin.pk}/"
    stop = "https://yixun.example.org/bulletins/unsubscribe/token-zhang/"
    assert link in text and f'href="{link}"' in html
    assert "冒充**公检法**的电话" in text and "<strong>公检法</strong>" in html
    assert "because you subscribed to bulletins for 城关镇" in text
    assert stop in text and stop in html
    # A long header is folded after its name; the parser keeps the fold's space.
    assert mail["List-Unsubscribe"].strip() == f"<{stop}>"
    assert mail["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    delivery = Delivery.objects.get(
        key=f"bulletin-{bulletin.pk}-r0-email-subscriber-{Subscriber.objects.get().pk}"
    )
    assert delivery.status == Delivery.Status.SENT
    assert delivery.recipient == "z***@example.com"
    assert delivery.about == f"bulletins.bulletin:{bulletin.pk}"


def test_an_urgent_alert_says_when_and_where_the_person_was_last_seen(
    smtp, towns, police, officer, publish
):
    subscriber("zhang@example.com", towns["chengguan"])
    seen = dt.datetime(2026, 12, 3, 1, 30, tzinfo=dt.UTC)  # 09:30 in China
    publish(
        police, officer, kind=Kind.URGENT, to_public=True, areas=[towns["chengguan"]],
        last_seen_at=seen, last_seen_place="城关镇农贸市场",
    )  # fmt: skip
    text, html = parts(smtp.to("zhang@example.com")[0])
    assert "Last seen: 2026-12-03 09:30, 城关镇农贸市场" in text
    assert "Last seen: 2026-12-03 09:30, 城关镇农贸市场" in html


def test_areas_above_and_below_match_and_others_do_not(smtp, towns, moderator, police, publish):
    subscriber("county@example.com", towns["county"])
    subscriber("everything@example.com")
    subscriber("hekou@example.com", towns["hekou"])
    subscriber("notices@example.com", towns["chengguan"], kinds=[Kind.NOTICE])
    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]])
    assert {m["To"] for m in smtp.messages} == {"county@example.com", "everything@example.com"}

    smtp.messages.clear()
    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["county"]])
    assert {m["To"] for m in smtp.messages} == {
        "county@example.com", "everything@example.com", "hekou@example.com",
    }  # fmt: skip


def test_unconfirmed_and_unsubscribed_get_nothing(smtp, towns, moderator, police, publish):
    subscriber("waiting@example.com", towns["chengguan"], confirmed=False)
    subscriber("gone@example.com", towns["chengguan"], unsubscribed_at=timezone.now())
    subscriber("here@example.com", towns["chengguan"])
    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]])
    assert [m["To"] for m in smtp.messages] == ["here@example.com"]


def test_a_members_only_notice_goes_to_no_subscriber(smtp, towns, moderator, officer, publish):
    subscriber("public@example.com")
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True)
    assert smtp.messages == []


def test_a_member_with_email_on_gets_it_one_with_it_off_does_not(
    smtp, moderator, officer, volunteer, volunteer2, publish
):
    volunteer.language = "en"
    volunteer.save(update_fields=["language"])
    Preference.objects.create(user=volunteer, channels=["email"], email="zhi@example.com")
    Preference.objects.create(user=volunteer2, channels=["sms"], email="liu@example.com")
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, to_members=True)

    assert [m["To"] for m in smtp.messages] == ["zhi@example.com"]
    text, _html = parts(smtp.messages[0])
    assert "because you chose e-mail in your bulletin settings" in text
    assert Delivery.objects.filter(
        key=f"bulletin-{bulletin.pk}-r0-email-member-{volunteer.pk}", status=Delivery.Status.SENT
    ).exists()


def test_a_member_who_wants_other_kinds_gets_nothing(smtp, moderator, officer, volunteer, publish):
    Preference.objects.create(
        user=volunteer, channels=["email"], kinds=[Kind.URGENT], email="zhi@example.com"
    )
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True)
    assert smtp.messages == []


def test_a_members_one_click_unsubscribe_turns_email_off(
    smtp, moderator, officer, volunteer, publish, public
):
    Preference.objects.create(user=volunteer, channels=["sms", "email"], email="zhi@example.com")
    publish(moderator, officer, kind=Kind.NOTICE, to_members=True)
    header = smtp.messages[0]["List-Unsubscribe"].strip()
    stop = header.strip("<>").removeprefix("https://yixun.example.org")
    response = public.post(stop, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(user=volunteer).channels == ["sms"]


def test_the_one_click_post_unsubscribes_without_a_csrf_token(smtp, towns):
    person = subscriber("zhang@example.com", towns["chengguan"])
    other = subscriber("li@example.com", towns["chengguan"])
    browser = Client(enforce_csrf_checks=True)
    url = reverse("bulletins:unsubscribe", args=[person.token])

    page = browser.get(url)
    assert page.status_code == 200 and b"z***@example.com" in page.content
    person.refresh_from_db()
    assert person.unsubscribed_at is None  # opening the link (a mail scanner) changes nothing

    response = browser.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    other.refresh_from_db()
    assert person.unsubscribed_at is not None and other.unsubscribed_at is None


def test_a_forged_unsubscribe_link_changes_nothing(public, volunteer):
    Preference.objects.create(user=volunteer, channels=["email"], email="zhi@example.com")
    for token in ("nobody", f"{volunteer.pk}:forged"):
        response = public.post(reverse("bulletins:unsubscribe", args=[token]))
        assert response.status_code == 404
    assert Preference.objects.get(user=volunteer).channels == ["email"]


def main(page: bytes) -> str:
    return page.decode().split("<main", 1)[1].split("</main>", 1)[0]


def confirm_link(mail: EmailMessage) -> str:
    text, _html = parts(mail)
    found = re.search(r"https://yixun\.example\.org(/bulletins/subscribe/confirm/[^/\s]+/)", text)
    assert found is not None
    return found.group(1)


def test_subscribing_sends_a_link_and_only_confirming_starts_it(
    smtp, towns, public, moderator, police, publish
):
    response = public.post(
        reverse("bulletins:subscribe"),
        {"email": "wang@example.com", "areas": [towns["hekou"].pk], "kinds": [Kind.ALERT]},
    )
    assert response.status_code == 200
    [mail] = smtp.messages
    assert mail["To"] == "wang@example.com"
    link = confirm_link(mail)
    assert "河口镇" in parts(mail)[0]

    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["hekou"]])
    assert len(smtp.messages) == 1  # nothing before confirming

    assert public.get(link).status_code == 200
    assert Subscriber.objects.get().confirmed_at is None  # the link opened: a button, no more
    assert public.post(link).status_code == 200
    person = Subscriber.objects.get()
    assert person.confirmed_at is not None and person.kinds == [Kind.ALERT]
    assert list(person.areas.all()) == [towns["hekou"]]

    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["hekou"]])
    assert [m["To"] for m in smtp.messages] == ["wang@example.com", "wang@example.com"]


def test_subscribing_again_resends_the_link_and_changes_nothing_until_followed(smtp, towns, public):
    person = subscriber("zhang@example.com", towns["chengguan"])
    asked = {"email": "zhang@example.com", "areas": [towns["hekou"].pk]}
    first = public.post(reverse("bulletins:subscribe"), asked)
    fresh = public.post(reverse("bulletins:subscribe"), {**asked, "email": "new@example.com"})
    # No telling who was there: the same page, but for the address (and the CSRF token).
    assert main(first.content).replace("zhang@", "new@") == main(fresh.content)

    person.refresh_from_db()
    assert list(person.areas.all()) == [towns["chengguan"]]
    public.post(confirm_link(smtp.to("zhang@example.com")[0]))
    assert list(person.areas.all()) == [towns["hekou"]]


def test_subscribing_is_limited_per_address(smtp, public):
    for _n in range(3):
        public.post(reverse("bulletins:subscribe"), {"email": "zhang@example.com"})
    refused = public.post(reverse("bulletins:subscribe"), {"email": "zhang@example.com"})
    assert refused.status_code == 429
    assert len(smtp.messages) == 3


def test_an_expired_or_forged_confirmation_link_is_refused(smtp, public):
    public.post(reverse("bulletins:subscribe"), {"email": "zhang@example.com"})
    link = confirm_link(smtp.messages[0])
    assert public.post(link[:-3] + "xx/").status_code == 404
    with travel(timezone.now() + dt.timedelta(days=8)):
        assert public.post(link).status_code == 404
    assert Subscriber.objects.get().confirmed_at is None


def test_a_mail_server_down_then_back_gets_the_mail_once(
    smtp_down, towns, moderator, police, publish, deferred_tasks
):
    subscriber("zhang@example.com", towns["chengguan"])
    bulletin = publish(
        moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]]
    )
    delivery = Delivery.objects.get(about=f"bulletins.bulletin:{bulletin.pk}")
    assert delivery.status == Delivery.Status.QUEUED and delivery.retry == 1
    assert "zhang@" not in delivery.last_answer

    smtp_down.start()
    deferred_tasks.run_deferred(until=timezone.now() + RETRIES[0])
    deferred_tasks.run_deferred(until=timezone.now() + sum(RETRIES, dt.timedelta()))
    assert len(smtp_down.mailbox.to("zhang@example.com")) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2


def test_a_mail_server_down_for_good_is_recorded_as_failed(
    smtp_down, towns, moderator, police, publish, deferred_tasks
):
    subscriber("zhang@example.com", towns["chengguan"])
    publish(moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]])
    for _retry in RETRIES:
        deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(RETRIES) + 1
    assert not deferred_tasks.deferred


def test_a_correction_says_so(smtp, towns, moderator, police, publish):
    subscriber("zhang@example.com", towns["chengguan"])
    bulletin = publish(
        moderator, police, kind=Kind.ALERT, to_public=True, areas=[towns["chengguan"]]
    )
    services.correct_bulletin(
        actor=police, bulletin=bulletin, title=bulletin.title, body="一律挂断，并拨打110。",
        note="加上报警电话",
    )  # fmt: skip
    _first, correction = smtp.to("zhang@example.com")
    assert correction["Subject"].strip() == "Correction: Police alert: 近期电信诈骗高发"
    text, _html = parts(correction)
    assert "加上报警电话" in text and "拨打110" in text


def test_a_withdrawn_urgent_alert_carries_no_description(smtp, towns, police, officer, publish):
    subscriber("zhang@example.com")
    bulletin = publish(police, officer, kind=Kind.URGENT, to_public=True, body="身穿红色外套")
    services.withdraw_bulletin(actor=police, bulletin=bulletin, note="已找到，谢谢")
    _first, withdrawal = smtp.to("zhang@example.com")
    assert withdrawal["Subject"].strip().startswith("Withdrawn: Urgent alert: ")
    text, html = parts(withdrawal)
    assert "已找到" in text
    assert "红色外套" not in text and "红色外套" not in html
