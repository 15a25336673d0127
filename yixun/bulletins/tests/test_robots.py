"""Bulletins posted to the squads' and areas' group robots: each provider in its own JSON and
with its own signature, each robot a delivery of its own that is retried on failure and never
arrives twice, a correction and a withdrawal posted again, and what failed for good resent.

A real local server stands in for WeCom, DingTalk and Feishu, and checks each post the way the
provider does: the JSON's shape, and the signature recomputed from the shared secret, with a
timestamp no more than an hour off."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.audit.models import AuditEntry
from yixun.bulletins import channels, services
from yixun.bulletins.channels import robots as bulletin_robots
from yixun.bulletins.models import Bulletin, Kind, Robot
from yixun.places.models import Area
from yixun.worker.models import Delivery
from yixun.worker.services import robots

pytestmark = pytest.mark.django_db

HOUR = 3600


@dataclass
class Received:
    provider: str
    token: str
    key: str
    text: str
    outcome: str  # accepted, refused, error or timeout


@dataclass
class Hub:
    """What the fake providers know: each robot's signing secret, how each robot is to answer
    next (a queue of "ok", "refuse", "500", "slow"; "ok" once it is empty), and every post."""

    address: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def next_answer(self, token: str) -> str:
        with self.lock:
            queue = self.answers.get(token) or []
            return queue.pop(0) if queue else "ok"

    def accepted(self, token: str | None = None) -> list[Received]:
        return [
            post
            for post in self.received
            if post.outcome == "accepted" and token in (None, post.token)
        ]


def _hmac_b64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _dingtalk_refusal(query: dict[str, list[str]], secret: str) -> str:
    """DingTalk: `timestamp` (ms) and `sign` in the query, the sign an HMAC keyed with the
    secret over "timestamp\\nsecret", base64, URL-encoded (parse_qs decodes it back)."""
    try:
        timestamp, sign = int(query["timestamp"][0]), query["sign"][0]
    except (KeyError, ValueError):
        return "no signature"
    if abs(time.time() * 1000 - timestamp) > HOUR * 1000:
        return "timestamp is more than an hour off"
    if not hmac.compare_digest(sign, _hmac_b64(secret, f"{timestamp}\n{secret}")):
        return "sign not match"
    return ""


def _feishu_refusal(body: dict[str, Any], secret: str) -> str:
    """Feishu: `timestamp` (s) and `sign` in the body, the sign an HMAC keyed with
    "timestamp\\nsecret" over nothing, base64."""
    try:
        timestamp, sign = int(body["timestamp"]), body["sign"]
    except (KeyError, ValueError):
        return "no signature"
    if abs(time.time() - timestamp) > HOUR:
        return "timestamp is more than an hour off"
    if not hmac.compare_digest(sign, _hmac_b64(f"{timestamp}\n{secret}", "")):
        return "sign match fail"
    return ""


class Provider(BaseHTTPRequestHandler):
    hub: ClassVar[Hub]

    def do_POST(self) -> None:
        hub = Provider.hub
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if parts.path == "/cgi-bin/webhook/send":
            provider, token = robots.WECOM, query["key"][0]
        elif parts.path == "/robot/send":
            provider, token = robots.DINGTALK, query["access_token"][0]
        else:
            provider, token = robots.FEISHU, parts.path.rsplit("/", 1)[-1]
        if provider == robots.FEISHU:
            text = body.get("content", {}).get("text") if body.get("msg_type") == "text" else None
        else:
            text = body.get("text", {}).get("content") if body.get("msgtype") == "text" else None
        answer = hub.next_answer(token)
        refusal = "not a text message" if not isinstance(text, str) else ""
        secret = hub.secrets.get(token)
        if secret and provider == robots.DINGTALK:
            refusal = refusal or _dingtalk_refusal(query, secret)
        if secret and provider == robots.FEISHU:
            refusal = refusal or _feishu_refusal(body, secret)
        if answer == "refuse":
            refusal = refusal or "robot switched off in the group"
        outcome = {"slow": "timeout", "500": "error"}.get(
            answer, "refused" if refusal else "accepted"
        )
        with hub.lock:
            hub.received.append(
                Received(provider, token, self.headers["Idempotency-Key"], text or "", outcome)
            )
        if answer == "slow":
            hub.release.wait(5)  # longer than the sender waits; let go when the test ends
            self.close_connection = True
            return
        if answer == "500":
            self.send_error(500)
            return
        if provider == robots.FEISHU:
            reply = {"code": 19021, "msg": refusal} if refusal else {"code": 0, "msg": "success"}
        else:
            reply = {"errcode": 310000, "errmsg": refusal} if refusal else {"errcode": 0}
        payload = json.dumps(reply).encode()
        self.send_response(200)  # the robots answer 200 also when they refuse
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    Provider.hub = Hub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.daemon_threads = True
    Provider.hub.address = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Provider.hub
    Provider.hub.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def robot(hub: Hub) -> Callable[..., Robot]:
    """A robot of the fake providers: `robot("wecom", "甲", squad=squad)`. Signing robots are
    given a secret the provider knows, unless `secret=` says otherwise."""

    def make(provider: str, token: str, *, secret: str | None = None, **fields: Any) -> Robot:
        base = hub.address
        url = {
            robots.WECOM: f"{base}/cgi-bin/webhook/send?key={token}",
            robots.DINGTALK: f"{base}/robot/send?access_token={token}",
            robots.FEISHU: f"{base}/open-apis/bot/v2/hook/{token}",
        }[provider]
        signs = provider != robots.WECOM
        known = f"SEC{token}-shared+/=" if signs else ""  # +, / and =: URL-encoding matters
        if signs:
            hub.secrets[token] = known
        return Robot.objects.create(
            name=f"{provider} 巡逻群",
            provider=provider,
            url=url,
            secret=known if secret is None else secret,
            **fields,
        )

    return make


def key(bulletin: Bulletin, revision: int, robot: Robot) -> str:
    return f"bulletin-{bulletin.pk}-r{revision}-robot-{robot.pk}"


def deliveries_of(bulletin: Bulletin) -> dict[str, Delivery]:
    return {d.key: d for d in Delivery.objects.filter(about=f"bulletins.bulletin:{bulletin.pk}")}


def run_retries(deferred_tasks: Any) -> None:
    """Run the retries queued so far, as the worker would when their time comes."""
    deferred_tasks.run_deferred(until=timezone.now() + dt.timedelta(hours=1))


def test_every_provider_takes_its_own_payload_and_signature(
    hub, robot, moderator, police, publish
) -> None:
    wecom = robot(robots.WECOM, "wx1")
    dingtalk = robot(robots.DINGTALK, "dd1")
    feishu = robot(robots.FEISHU, "fs1")
    bulletin = publish(
        moderator, police, title="近期电信诈骗高发", body="冒充**公检法**的电话，一律挂断。"
    )

    assert {(post.provider, post.outcome) for post in hub.received} == {
        (robots.WECOM, "accepted"),
        (robots.DINGTALK, "accepted"),
        (robots.FEISHU, "accepted"),
    }
    for post in hub.received:
        assert "近期电信诈骗高发" in post.text
        assert "冒充公检法的电话" in post.text  # the text, without its Markdown marks
        assert post.text.endswith(f"/bulletins/{bulletin.pk}/")
    assert {post.key for post in hub.received} == {
        key(bulletin, 0, each) for each in (wecom, dingtalk, feishu)
    }
    logged = deliveries_of(bulletin)
    assert {(d.channel, d.status, d.attempts) for d in logged.values()} == {
        (Delivery.Channel.ROBOT, Delivery.Status.SENT, 1)
    }
    assert all("dd1" not in d.recipient and "fs1" not in d.recipient for d in logged.values())
    delivered = AuditEntry.objects.get(action="bulletins.bulletin.delivered")
    assert delivered.data["robots"] == 3


def test_a_wrong_secret_is_refused_by_the_provider(hub, robot, moderator, police, publish) -> None:
    robot(robots.DINGTALK, "dd2", secret="SECnot-the-one")
    robot(robots.FEISHU, "fs2", secret="SECnot-the-one")
    bulletin = publish(moderator, police)
    assert {(post.provider, post.outcome) for post in hub.received} == {
        (robots.DINGTALK, "refused"),
        (robots.FEISHU, "refused"),
    }
    logged = deliveries_of(bulletin).values()
    assert {(d.status, d.retry) for d in logged} == {(Delivery.Status.QUEUED, 1)}  # to try again
    assert all("sign" in d.last_answer for d in logged)


def test_a_long_text_is_cut_short_with_its_link(hub, robot, moderator, police, publish) -> None:
    robot(robots.WECOM, "wx3")
    bulletin = publish(moderator, police, body="提醒" * 400)
    [post] = hub.accepted()
    _heading, excerpt, link = post.text.split("\n")
    assert len(excerpt) == bulletin_robots.EXCERPT and excerpt.endswith("…")
    assert link.endswith(f"/bulletins/{bulletin.pk}/")


def test_a_squads_bulletin_posts_to_that_squads_robot_only(
    hub, robot, moderator, officer, squad, other_squad, publish
) -> None:
    ours = robot(robots.WECOM, "ours", squad=squad)
    robot(robots.WECOM, "theirs", squad=other_squad)
    robot(robots.FEISHU, "county", area=Area.objects.create(name="义安县", level=Area.Level.COUNTY))
    robot(robots.WECOM, "off", squad=squad, is_active=False)
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, squads=[squad])
    assert [(post.token, post.key) for post in hub.received] == [("ours", key(bulletin, 0, ours))]


def test_an_areas_bulletin_posts_to_the_robots_of_the_areas_in_it(
    hub, robot, moderator, officer, publish
) -> None:
    county = Area.objects.create(name="义安县", level=Area.Level.COUNTY)
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county)
    elsewhere = Area.objects.create(name="枞阳县", level=Area.Level.COUNTY)
    robot(robots.WECOM, "county", area=county)
    robot(robots.DINGTALK, "town", area=town)
    robot(robots.WECOM, "elsewhere", area=elsewhere)
    publish(moderator, officer, kind=Kind.NOTICE, areas=[county])
    assert sorted(post.token for post in hub.accepted()) == ["county", "town"]


def test_a_robot_down_then_back_gets_each_post_exactly_once(
    hub, robot, moderator, police, publish, deferred_tasks
) -> None:
    down = robot(robots.DINGTALK, "down")
    up = robot(robots.FEISHU, "up")
    hub.answers["down"] = ["500"]
    bulletin = publish(moderator, police)

    # The robot that is down holds up no other.
    assert [post.token for post in hub.accepted()] == ["up"]
    logged = deliveries_of(bulletin)
    failed = logged[key(bulletin, 0, down)]
    assert (failed.status, failed.retry, failed.attempts) == (Delivery.Status.QUEUED, 1, 1)
    assert "500" in failed.last_answer
    [retry] = deferred_tasks.deferred
    assert retry.task.run_after >= timezone.now() + robots.RETRIES[0] - dt.timedelta(seconds=5)

    run_retries(deferred_tasks)
    assert sorted(post.token for post in hub.accepted()) == ["down", "up"]
    assert [post.key for post in hub.received if post.token == "down"] == [
        key(bulletin, 0, down)
    ] * 2  # the failed try and the one that arrived, under one key
    logged = deliveries_of(bulletin)
    assert (logged[key(bulletin, 0, down)].status, logged[key(bulletin, 0, down)].attempts) == (
        Delivery.Status.SENT,
        2,
    )
    assert logged[key(bulletin, 0, up)].attempts == 1

    # The retry's task run again (its worker died before marking it done) sends nothing more.
    assert bulletin_robots.post.call(*retry.args) is True
    assert len(hub.accepted("down")) == 1 and deferred_tasks.deferred == []


def test_a_robot_that_times_out_holds_up_no_other(
    hub, robot, moderator, police, publish, deferred_tasks, monkeypatch
) -> None:
    monkeypatch.setattr(robots, "TIMEOUT_SECONDS", 0.5)  # the real ten seconds, shortened
    slow = robot(robots.WECOM, "a-slow")
    robot(robots.WECOM, "b-quick")
    hub.answers["a-slow"] = ["slow"]
    bulletin = publish(moderator, police)
    assert [post.token for post in hub.accepted()] == ["b-quick"]
    waited = deliveries_of(bulletin)[key(bulletin, 0, slow)]
    assert waited.status == Delivery.Status.QUEUED and "timed out" in waited.last_answer
    run_retries(deferred_tasks)
    assert sorted(post.token for post in hub.accepted()) == ["a-slow", "b-quick"]


def test_a_robot_that_never_answers_is_in_the_trail_and_can_be_resent(
    hub, robot, moderator, police, officer, publish, deferred_tasks
) -> None:
    gone = robot(robots.FEISHU, "gone-token")
    hub.answers["gone-token"] = ["refuse"] * (len(robots.RETRIES) + 1)
    bulletin = publish(moderator, police)
    for _try in robots.RETRIES:
        run_retries(deferred_tasks)
    assert deferred_tasks.deferred == []
    failed = deliveries_of(bulletin)[key(bulletin, 0, gone)]
    assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, len(robots.RETRIES) + 1)
    trail = AuditEntry.objects.get(action="bulletins.bulletin.robot_failed")
    assert (trail.target_id, trail.data["tries"]) == (str(bulletin.pk), len(robots.RETRIES) + 1)
    assert "gone-token" not in json.dumps(trail.data) and "gone-token" not in failed.last_answer
    assert hub.accepted() == []

    # The officers resend what failed, once the group has its robot back.
    assert channels.resend_failed(actor=officer, bulletin=bulletin)["robots"] == 1
    resent = deliveries_of(bulletin)[key(bulletin, 0, gone)]
    assert (resent.status, resent.attempts) == (Delivery.Status.SENT, len(robots.RETRIES) + 2)
    [arrived] = hub.accepted()
    assert arrived.key == key(bulletin, 0, gone) and "近期电信诈骗高发" in arrived.text
    # Nothing sent is sent again.
    assert sum(channels.resend_failed(actor=officer, bulletin=bulletin).values()) == 0
    assert bulletin_robots.resend(resent) is False
    assert len(hub.accepted()) == 1
    assert AuditEntry.objects.get(action="bulletins.bulletin.deliveries_resent").actor == officer


def test_a_correction_and_a_withdrawal_post_again_with_their_prefix(
    hub, robot, moderator, police, publish
) -> None:
    group = robot(robots.DINGTALK, "dd4")
    bulletin = publish(moderator, police)
    services.correct_bulletin(
        actor=police,
        bulletin=bulletin,
        title="近期电信诈骗高发（更正）",
        body="冒充公检法、客服的电话，一律挂断。",
        note="增加了冒充客服的诈骗",
    )
    services.withdraw_bulletin(actor=police, bulletin=bulletin, note="提醒已过期")
    with translation.override(settings.LANGUAGE_CODE):
        correction, withdrawn = _("Correction:"), _("Withdrawn:")
    first, corrected, withdrawal = hub.accepted()
    assert [post.key for post in (first, corrected, withdrawal)] == [
        key(bulletin, revision, group) for revision in (0, 1, 2)
    ]
    assert not first.text.startswith((correction, withdrawn))
    assert corrected.text.startswith(correction)
    assert "增加了冒充客服的诈骗" in corrected.text and "冒充公检法、客服" in corrected.text
    assert withdrawal.text.startswith(withdrawn) and "提醒已过期" in withdrawal.text


def test_a_closed_urgent_alert_posts_no_description(hub, robot, police, write) -> None:
    robot(robots.WECOM, "wx5")
    alert = write(
        police,
        kind=Kind.URGENT,
        title="寻找走失儿童",
        body="男孩，七岁，身穿红色外套，最后见于城关镇。",
    )
    services.send_at_once(actor=police, bulletin=alert)
    services.withdraw_bulletin(actor=police, bulletin=alert, note="孩子已找到，谢谢大家")
    sent, closed = hub.accepted()
    assert "红色外套" in sent.text
    assert "孩子已找到" in closed.text and "红色外套" not in closed.text
