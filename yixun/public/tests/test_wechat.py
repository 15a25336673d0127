"""WeChat's share card: the JS-SDK signature (WeChat's own worked example), the access token
and jsapi ticket fetched from a real local server standing in for WeChat's API and cached, and
a WeChat that cannot be reached costing the page nothing."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from tests.browser.conftest import browser_context_args, browser_type_launch_args
from yixun.public import wechat
from yixun.tests.conftest import free_port, manage

# The system's Chromium, launched as the browser tests launch it.
__all__ = ["browser_context_args", "browser_type_launch_args"]

pytestmark = pytest.mark.django_db

SITE = "https://yixun.example.org"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
WECHAT = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.49.2600 NetType/WIFI"
}
PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36"}
CARD = "/wechat/card/"


def test_the_signature_is_wechats_worked_example() -> None:
    # The example in WeChat's JS-SDK documentation (附录1-JS-SDK使用权限签名算法).
    assert (
        wechat.signature(
            ticket="sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            noncestr="Wm3WZYTPz0wzccnW",
            timestamp=1414587457,
            url="http://mp.weixin.qq.com?params=value",
        )
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )


@dataclass
class FakeWeChat:
    """WeChat's API, as far as the card uses it, on a port of this machine."""

    answers: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "/cgi-bin/token": {"access_token": "TOKEN-1", "expires_in": 7200},
            "/cgi-bin/ticket/getticket": {
                "errcode": 0,
                "errmsg": "ok",
                "ticket": "TICKET-1",
                "expires_in": 7200,
            },
        }
    )
    asked: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [path for path, _ in self.asked]


@pytest.fixture
def fake_wechat(settings) -> Iterator[FakeWeChat]:
    fake = FakeWeChat()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            fake.asked.append((parts.path, parse_qs(parts.query)))
            body = json.dumps(fake.answers.get(parts.path, {"errcode": 404})).encode()
            self.send_response(200)  # WeChat answers its errors with 200 and an errcode too
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.YIXUN_WECHAT_API = f"http://127.0.0.1:{server.server_address[1]}"
    settings.YIXUN_WECHAT_APP_ID = APP_ID
    settings.YIXUN_WECHAT_APP_SECRET = APP_SECRET
    settings.YIXUN_SITE_URL = SITE
    cache.clear()
    yield fake
    server.shutdown()
    server.server_close()


def ask_card(client: Client, url: str = f"{SITE}/bulletins/?kind=alert") -> Any:
    return client.get(CARD, {"url": url})


def test_the_card_is_signed_with_a_ticket_fetched_once_and_cached(fake_wechat, public) -> None:
    first = ask_card(public)
    assert first.status_code == 200
    card = first.json()
    assert card["appId"] == APP_ID
    assert card["signature"] == wechat.signature(
        ticket="TICKET-1",
        noncestr=card["nonceStr"],
        timestamp=card["timestamp"],
        url=f"{SITE}/bulletins/?kind=alert",
    )
    token_query = dict(fake_wechat.asked[0][1])
    assert fake_wechat.paths() == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]
    assert token_query == {
        "grant_type": ["client_credential"],
        "appid": [APP_ID],
        "secret": [APP_SECRET],
    }
    assert fake_wechat.asked[1][1] == {"access_token": ["TOKEN-1"], "type": ["jsapi"]}
    again = ask_card(public, f"{SITE}/").json()
    assert again["nonceStr"] != card["nonceStr"]
    assert len(fake_wechat.asked) == 2  # the ticket came from the cache
    assert "no-cache" in first["Cache-Control"]  # each signature is for one use


def test_the_ticket_is_kept_for_less_than_its_life(fake_wechat, public, monkeypatch) -> None:
    kept: dict[str, int] = {}
    real_set = cache.set

    def remember(key: str, value: object, timeout: int | None = None) -> None:
        kept[key] = timeout or 0
        real_set(key, value, timeout)

    monkeypatch.setattr(cache, "set", remember)
    assert ask_card(public).status_code == 200
    assert 0 < kept[wechat.TOKEN_KEY] < 7200
    assert 0 < kept[wechat.TICKET_KEY] < 7200


def test_a_refusing_wechat_skips_the_card_and_is_left_alone_a_while(
    fake_wechat, public, caplog
) -> None:
    fake_wechat.answers["/cgi-bin/token"] = {
        "errcode": 40164,
        "errmsg": "invalid ip, not in whitelist",
    }
    with caplog.at_level("WARNING", logger="yixun.wechat"):
        assert ask_card(public).status_code == 503
    assert "40164" in caplog.text
    assert APP_SECRET not in caplog.text
    assert public.get("/", **WECHAT).status_code == 200
    assert ask_card(public).status_code == 503
    assert fake_wechat.paths() == ["/cgi-bin/token"]  # asked once in the pause


def test_an_expired_token_is_fetched_anew(fake_wechat, public) -> None:
    cache.set(wechat.TOKEN_KEY, "OLD-TOKEN", 600)
    fake_wechat.answers["/cgi-bin/ticket/getticket"] = {
        "errcode": 42001,
        "errmsg": "access_token expired",
    }
    assert ask_card(public).status_code == 503
    assert cache.get(wechat.TOKEN_KEY) is None
    cache.delete(wechat.FAILED_KEY)  # the pause over
    fake_wechat.answers["/cgi-bin/ticket/getticket"] = {
        "errcode": 0,
        "ticket": "TICKET-2",
        "expires_in": 7200,
    }
    assert ask_card(public).status_code == 200
    assert fake_wechat.asked[-1][1]["access_token"] == ["TOKEN-1"]


def test_an_unreachable_wechat_skips_the_card(settings, fake_wechat, public) -> None:
    settings.YIXUN_WECHAT_API = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    assert ask_card(public).status_code == 503
    page = public.get("/", **WECHAT)
    assert page.status_code == 200


def test_only_addresses_of_this_site_are_signed(fake_wechat, public) -> None:
    assert ask_card(public, "https://evil.example.com/").status_code == 400
    assert ask_card(public, f"{SITE}/#top").status_code == 400
    assert ask_card(public, "javascript:alert(1)").status_code == 400
    assert ask_card(public, "http://testserver/bulletins/").status_code == 200  # as asked
    assert public.post(CARD, {"url": f"{SITE}/"}).status_code == 405


def test_the_card_is_off_unless_set_up(settings, public) -> None:
    settings.YIXUN_WECHAT_APP_ID = ""
    assert ask_card(public).status_code == 404
    assert b"jweixin" not in public.get("/", **WECHAT).content


def test_public_pages_load_the_sdk_in_wechat_only(fake_wechat, public, login, volunteer) -> None:
    in_wechat = public.get("/", **WECHAT).content.decode()
    assert "/static/vendor/wechat/jweixin.js" in in_wechat
    assert CARD in in_wechat
    assert "updateAppMessageShareData" in in_wechat and "updateTimelineShareData" in in_wechat
    assert b"jweixin" not in public.get("/", **PHONE).content
    assert b"jweixin" not in login(volunteer).get("/", **WECHAT).content
    assert fake_wechat.asked == []  # the page never waits for WeChat


def test_a_malformed_app_id_stops_start_up(tmp_path) -> None:
    result = manage(
        tmp_path, "check", YIXUN_WECHAT_APP_ID="gh_0123456789ab", YIXUN_WECHAT_APP_SECRET=APP_SECRET
    )
    assert result.returncode != 0
    assert "YIXUN_WECHAT_APP_ID must be an AppID" in result.stderr
    result = manage(tmp_path, "check", YIXUN_WECHAT_APP_ID=APP_ID)
    assert "Set both YIXUN_WECHAT_APP_ID and YIXUN_WECHAT_APP_SECRET" in result.stderr
    result = manage(
        tmp_path, "check", YIXUN_WECHAT_APP_ID=APP_ID, YIXUN_WECHAT_APP_SECRET=APP_SECRET
    )
    assert result.returncode == 0, result.stderr


# WeChat's bridge, which its browser gives every page and jweixin.js talks to: here it records
# what the page asks and says yes, as WeChat does once the signature checks out.
FAKE_BRIDGE = """
window.asked = [];
window.WeixinJSBridge = {
  invoke: function (name, args, done) { window.asked.push([name, args]); done({ err_msg: name + ":ok" }); },
  on: function () {},
  call: function () {}
};
"""


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.django_db(transaction=True)
def test_a_page_in_wechat_hands_it_the_card(browser, live_server, fake_wechat, settings) -> None:
    settings.YIXUN_SITE_URL = live_server.url
    context = browser.new_context(user_agent=WECHAT["HTTP_USER_AGENT"], locale="zh-CN")
    context.add_init_script(FAKE_BRIDGE)
    page = context.new_page()
    page.goto(f"{live_server.url}/bulletins/?kind=alert#top")
    page.wait_for_function(
        "window.asked.some(function (a) { return a[0] === 'updateTimelineShareData'; })"
    )
    asked = dict(page.evaluate("window.asked"))
    config = asked["preVerifyJSAPI"]
    assert config["appId"] == APP_ID
    assert config["verifySignature"] == wechat.signature(
        ticket="TICKET-1",
        noncestr=config["verifyNonceStr"],
        timestamp=int(config["verifyTimestamp"]),
        url=f"{live_server.url}/bulletins/?kind=alert",  # as the browser has it, without the #
    )
    card = asked["updateAppMessageShareData"]
    og = {
        name: page.locator(f'meta[property="og:{name}"]').get_attribute("content")
        for name in ("title", "description", "url", "image")
    }
    assert (card["title"], card["desc"], card["link"], card["imgUrl"]) == (
        og["title"], og["description"], og["url"], og["image"]
    )  # fmt: skip
    assert card["link"] == f"{live_server.url}/bulletins/"
    assert asked["updateTimelineShareData"]["imgUrl"] == og["image"]
    context.close()
