"""Signing in through the pages, as people do: staff finish the second step with the code from
the test sender's outbox: the live server runs in this process, so its messages land there."""

import re

from playwright.sync_api import Page, expect

from yixun.accounts.messaging import MemorySender


def latest_code(phone: str) -> str:
    """The code in the latest text message to this number (national form, as typed)."""
    sent = [message for message in MemorySender.outbox if message.to == "+86" + phone]
    assert sent, f"no message to {phone}"
    found = re.search(r"\b(\d{6})\b", sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


def finish_second_step(page: Page, phone: str) -> None:
    expect(page.get_by_test_id("step-form")).to_be_visible()
    page.fill("input[name=code]", latest_code(phone))
    page.get_by_test_id("finish-sign-in").click()
    expect(page.get_by_test_id("step-form")).to_have_count(0)
