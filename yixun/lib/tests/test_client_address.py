from django.test import RequestFactory

from yixun.lib.http import client_address


def test_without_proxies_the_socket_address_is_the_client(settings) -> None:
    settings.YIXUN_TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.5"


def test_behind_one_proxy_its_last_hop_is_the_client(settings) -> None:
    settings.YIXUN_TRUSTED_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"


def test_a_short_forwarded_header_falls_back_to_the_socket(settings) -> None:
    settings.YIXUN_TRUSTED_PROXIES = 2
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "10.0.0.1"
