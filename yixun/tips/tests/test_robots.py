"""Group robots hear of each new tip in their own JSON; a failed delivery is retried, and after
the last try the failure is in the audit trail: never lost silently. Every try of one post
carries one delivery key, and the delivery log holds one row for it. A real local server stands
in for the robots' webhooks."""

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from yixun.audit.models import AuditEntry
from yixun.tips.services import alerts
from yixun.tips.tests.conftest import send
from yixun.worker.models import Delivery


class Robot(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    keys: list[tuple[str, str]] = []  # (Idempotency-Key, X-Delivery-Key) of each post
    answer: dict = {"errcode": 0, "errmsg": "ok"}
    hang_up: int = 0  # posts to cut off before answering, as a dropped connection does

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Robot.received.append((self.path, body))
        Robot.keys.append((self.headers["Idempotency-Key"], self.headers["X-Delivery-Key"]))
        if Robot.hang_up:
            Robot.hang_up -= 1
            self.close_connection = True
            return  # no answer at all: the sender's request is cut off mid-way
        payload = json.dumps(Robot.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[str]:
    Robot.received, Robot.keys, Robot.hang_up = [], [], 0
    Robot.answer = {"errcode": 0, "errmsg": "ok"}
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_each_robot_gets_its_own_format(
    robot, settings, moderator, django_capture_on_commit_callbacks
) -> None:
    settings.YIXUN_TIP_ROBOTS = [f"{robot}/cgi-bin/webhook/send?key=x", f"{robot}/feishu/hook/abc"]
    with django_capture_on_commit_callbacks(execute=True):
        send("商场门口发生火情，浓烟很大", "fire")
    paths = dict(Robot.received)
    wecom = paths["/cgi-bin/webhook/send?key=x"]
    feishu = paths["/feishu/hook/abc"]
    assert wecom["msgtype"] == "text" and "商场门口发生火情" in wecom["text"]["content"]
    assert feishu["msg_type"] == "text" and "商场门口发生火情" in feishu["content"]["text"]
    # Each post has a key of its own, in both headers, and one row in the delivery log.
    keys = {
        path.split("?")[0]: key
        for (path, _body), (key, _same) in zip(Robot.received, Robot.keys, strict=True)
    }
    assert all(key == same and key.startswith("robot-") for key, same in Robot.keys)
    assert len(set(keys.values())) == 2
    robots = Delivery.objects.filter(channel=Delivery.Channel.ROBOT)
    assert {(d.key, d.status, d.attempts) for d in robots} == {
        (key, Delivery.Status.SENT, 1) for key in keys.values()
    }
    assert {d.recipient for d in robots} == {robot}  # scheme and host: never the secret


def test_a_refusing_robot_is_retried_and_its_failure_recorded(db, robot, deferred_tasks) -> None:
    Robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    url = f"{robot}/cgi-bin/webhook/send?key=secret"
    assert alerts.deliver_to_robot.call(url, "测试", 0) is False
    for attempt in range(1, len(alerts.RETRIES) + 1):
        [retry] = deferred_tasks.deferred
        deferred_tasks.deferred.clear()
        assert retry.args[2] == attempt
        assert alerts.deliver_to_robot.call(*retry.args) is False
    assert deferred_tasks.deferred == []
    failure = AuditEntry.objects.get(action="tips.robot.failed")
    assert failure.data["tries"] == len(alerts.RETRIES) + 1 and "secret" not in json.dumps(
        failure.data
    )
    assert len(Robot.received) == len(alerts.RETRIES) + 1
    # One delivery, tried four times under one key; its secret is not in the log either.
    assert len(set(Robot.keys)) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.recipient) == (
        Delivery.Status.FAILED,
        len(alerts.RETRIES) + 1,
        robot,
    )
    assert "invalid webhook url" in delivery.last_answer


FEISHU_TOKEN = "6b1f0c2e-93d4-4a57-8e0b-secret"


def test_a_feishu_robot_keeps_its_secret_out_of_every_log(
    db, robot, deferred_tasks, caplog
) -> None:
    """Feishu's secret is in the path, not the query: /open-apis/bot/v2/hook/<token>."""
    Robot.answer = {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
    url = f"{robot}/open-apis/bot/v2/hook/{FEISHU_TOKEN}"
    attempt = len(alerts.RETRIES)  # the last try: the failure goes to the log and the trail
    with caplog.at_level(logging.INFO, logger="yixun.tips"):
        assert alerts.deliver_to_robot.call(url, "测试", attempt, "robot-f1") is False
    assert Robot.received[0][0] == f"/open-apis/bot/v2/hook/{FEISHU_TOKEN}"  # it was posted
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.status) == (robot, Delivery.Status.FAILED)
    assert "token invalid" in delivery.last_answer
    failure = AuditEntry.objects.get(action="tips.robot.failed")
    assert failure.data["robot"] == robot
    assert f"group robot {robot} failed" in caplog.text
    for kept in (delivery.recipient, delivery.last_answer, json.dumps(failure.data), caplog.text):
        assert FEISHU_TOKEN not in kept and "/hook/" not in kept


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        # An officer who left out https:// : urllib repeats the whole address.
        (f"open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_TOKEN}", "unknown url type"),
        # A token pasted with a space: http.client repeats the path (and raises no OSError).
        (f"https://open.feishu.cn/open-apis/bot/v2/hook/ {FEISHU_TOKEN}", "control characters"),
    ],
)
def test_a_malformed_address_is_refused_without_showing_it(db, caplog, url, refusal) -> None:
    with caplog.at_level(logging.INFO, logger="yixun.tips"):
        assert alerts.deliver_to_robot.call(url, "测试", len(alerts.RETRIES), "robot-f2") is False
    delivery = Delivery.objects.get()
    failure = AuditEntry.objects.get(action="tips.robot.failed")
    assert refusal in delivery.last_answer
    for kept in (delivery.recipient, delivery.last_answer, json.dumps(failure.data), caplog.text):
        assert FEISHU_TOKEN not in kept


def test_a_post_cut_off_mid_request_is_sent_again_under_its_key(db, robot, deferred_tasks) -> None:
    Robot.hang_up = 1
    url = f"{robot}/cgi-bin/webhook/send?key=secret"
    assert alerts.deliver_to_robot.call(url, "商场门口发生火情", 0, "robot-k1") is False
    [retry] = deferred_tasks.deferred
    assert retry.args == [url, "商场门口发生火情", 1, "robot-k1"]
    assert alerts.deliver_to_robot.call(*retry.args) is True
    assert Robot.keys == [("robot-k1", "robot-k1"), ("robot-k1", "robot-k1")]
    delivery = Delivery.objects.get()
    assert (delivery.key, delivery.status, delivery.attempts) == ("robot-k1", "sent", 2)


def test_a_post_already_sent_is_not_sent_again(db, robot) -> None:
    """Its task run again (the worker died after the post, before marking the task done)."""
    url = f"{robot}/cgi-bin/webhook/send?key=secret"
    assert alerts.deliver_to_robot.call(url, "测试", 0, "robot-k2") is True
    assert alerts.deliver_to_robot.call(url, "测试", 0, "robot-k2") is True
    assert len(Robot.received) == 1
    assert Delivery.objects.get().attempts == 1


def test_a_robot_that_cannot_be_reached_is_retried(db, deferred_tasks) -> None:
    assert alerts.deliver_to_robot.call("http://127.0.0.1:9/hook", "测试", 0) is False
    assert len(deferred_tasks.deferred) == 1
