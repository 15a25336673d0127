"""Signing in through the pages, step by step, as a browser would (for the sign-in tests)."""

import re

from django.http import HttpResponse
from django.test import Client

from conftest import PASSWORD
from yixun.accounts.messaging import Message

OWNER_ADDRESS = "203.0.113.10"
STRANGER_ADDRESS = "198.51.100.4"


def browser(address: str = OWNER_ADDRESS) -> Client:
    """A browser at this address, reading English (so messages can be matched)."""
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def password(client: Client, phone: str, secret: str = PASSWORD, **data: str) -> HttpResponse:
    return client.post("/accounts/login/", {"phone": phone, "password": secret, **data})


def ask_code(client: Client, phone: str) -> HttpResponse:
    return client.post("/accounts/login/code/", {"phone": phone})


def enter_code(client: Client, code: str) -> HttpResponse:
    return client.post("/accounts/login/code/enter/", {"code": code})


def second_step(client: Client, **data: str) -> HttpResponse:
    return client.post("/accounts/login/second-step/", data)


def last_code(outbox: list[Message], phone: str) -> str:
    """The code in the latest text message to this E.164 number."""
    sent = [message for message in outbox if message.to == phone]
    assert sent, f"no message to {phone}"
    found = re.search(r"\b(\d{6})\b", sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


def signed_in(client: Client) -> int | None:
    """The id of the user this browser is signed in as, if any."""
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def refusal(response: HttpResponse) -> str:
    """The form-wide error a page showed."""
    form = response.context["form"]
    return " ".join(str(error) for error in form.non_field_errors())
