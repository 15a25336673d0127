"""Volunteers and leaders can sign in with a code sent to their phone, and nobody learns from
the pages which numbers have an account."""

import datetime as dt
import re

import time_machine
from django.utils import timezone

from yixun.accounts.models import PhoneCode
from yixun.accounts.tests import steps
from yixun.accounts.tests.steps import browser
from yixun.audit.models import AuditEntry


def test_a_volunteer_signs_in_with_a_code_and_goes_where_they_were_going(volunteer, outbox) -> None:
    client = browser()
    page = client.get("/accounts/login/?next=/calendar/")
    assert b"/accounts/login/code/?next=/calendar/" in page.content
    asked = client.post("/accounts/login/code/?next=/calendar/", {"phone": "139 0000 0002"})
    assert asked["Location"] == "/accounts/login/code/enter/"
    enter = client.get("/accounts/login/code/enter/")
    assert "139****0002" in enter.content.decode()
    code = steps.last_code(outbox, "+8613900000002")
    done = steps.enter_code(client, code)
    assert done["Location"] == "/calendar/"
    assert steps.signed_in(client) == volunteer.pk
    assert AuditEntry.objects.filter(
        action="accounts.user.logged_in", target_id=str(volunteer.pk), data__method="code"
    ).exists()


def test_a_leader_signs_in_with_a_code_in_full_width_digits(leader, outbox) -> None:
    client = browser()
    steps.ask_code(client, "13900000001")
    code = steps.last_code(outbox, "+8613900000001")
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in code)
    assert steps.enter_code(client, f"{full_width[:3]} {full_width[3:]}").status_code == 302
    assert steps.signed_in(client) == leader.pk


def test_a_wrong_or_malformed_code_is_explained_and_signs_nobody_in(volunteer, outbox) -> None:
    client = browser()
    steps.ask_code(client, "13900000002")
    code = steps.last_code(outbox, "+8613900000002")
    malformed = steps.enter_code(client, "12ab")
    assert malformed.status_code == 400
    assert "6 digits" in str(malformed.context["form"].errors["code"])
    wrong = steps.enter_code(client, f"{(int(code) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400
    assert "4 more tries" in steps.refusal(wrong)
    assert steps.signed_in(client) is None


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens, which differ on every page of every session."""
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1", html)


def test_a_number_without_an_account_gets_the_same_answer_and_no_message(volunteer, outbox) -> None:
    answers = []
    for number in ("13900000002", "13700000000"):
        client = browser()
        asked = steps.ask_code(client, number)
        page = client.get(asked["Location"])
        masked = f"{number[:3]}****{number[-4:]}"
        answers.append(
            (
                asked.status_code,
                asked["Location"],
                page.status_code,
                without_tokens(page.content.decode()).replace(masked, "NUMBER"),
            )
        )
    assert answers[0] == answers[1]
    assert [message.to for message in outbox] == ["+8613900000002"]


def test_the_sending_limits_answer_alike_with_or_without_an_account(volunteer, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        refusals = []
        for number in ("13900000002", "13700000000"):
            client = browser()
            steps.ask_code(client, number)
            again = steps.ask_code(client, number)  # within the minute
            refusals.append((again.status_code, steps.refusal(again)))
    assert refusals[0] == refusals[1]
    assert refusals[0][0] == 400 and "1 minute" in refusals[0][1]


def test_a_code_can_be_sent_again_after_a_minute(volunteer, outbox) -> None:
    client = browser()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        steps.ask_code(client, "13900000002")
        too_soon = client.post("/accounts/login/code/resend/", follow=True)
        assert "1 minute" in too_soon.content.decode()
        clock.shift(dt.timedelta(minutes=1))
        client.post("/accounts/login/code/resend/")
        assert len(outbox) == 2
        assert (
            steps.enter_code(client, steps.last_code(outbox, "+8613900000002")).status_code == 302
        )


def test_the_code_page_without_a_number_goes_back_to_asking(db) -> None:
    client = browser()
    assert client.get("/accounts/login/code/enter/")["Location"] == "/accounts/login/code/"
    assert client.post("/accounts/login/code/enter/", {"code": "123456"}).status_code == 302
    assert client.post("/accounts/login/code/resend/")["Location"] == "/accounts/login/code/"


def test_another_browser_cannot_use_the_code(volunteer, outbox) -> None:
    owner, stranger = browser(), browser("198.51.100.4")
    steps.ask_code(owner, "13900000002")
    code = steps.last_code(outbox, "+8613900000002")
    steps.ask_code(stranger, "13900000002")  # a second code goes to the owner's phone
    assert steps.enter_code(stranger, code).status_code == 400
    assert steps.signed_in(stranger) is None
    assert steps.enter_code(owner, code).status_code == 302
    assert steps.signed_in(owner) == volunteer.pk


def test_an_inactive_account_gets_no_code(volunteer, outbox) -> None:
    volunteer.is_active = False
    volunteer.save()
    steps.ask_code(browser(), "13900000002")
    assert outbox == []
    assert not PhoneCode.objects.exists()
