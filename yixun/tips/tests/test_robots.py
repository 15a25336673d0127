"""Group robots hear of each new tip in their own JSON; a failed delivery is retried, and after
the last try the failure is in the audit trail: never lost silently. A real local server stands
in for the robots' webhooks."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from yixun.audit.models import AuditEntry
from yixun.tips.services import alerts
from yixun.tips.tests.conftest import send


class Robot(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    answer: dict = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Robot.received.append((self.path, body))
        payload = json.dumps(Robot.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[str]:
    Robot.received = []
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


def test_a_robot_that_cannot_be_reached_is_retried(db, deferred_tasks) -> None:
    assert alerts.deliver_to_robot.call("http://127.0.0.1:9/hook", "测试", 0) is False
    assert len(deferred_tasks.deferred) == 1
