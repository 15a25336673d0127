"""Staff (officers, police liaisons, moderators) sign in with their password AND a code sent to
their phone, in either order, never with one alone; halfway, they reach nothing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from conftest import PHONES
from yixun.accounts.tests import steps
from yixun.accounts.tests.steps import browser
from yixun.audit.models import AuditEntry

STAFF = ["officer", "police", "moderator"]


def e164(who: str) -> str:
    return "+86" + PHONES[who]


def halfway(client) -> None:
    """Nothing is reachable: not a page, not the API."""
    assert steps.signed_in(client) is None
    assert client.get("/accounts/me/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/audit/entries").status_code == 401


@pytest.mark.parametrize("who", STAFF)
def test_staff_need_the_password_and_then_the_code(request, who: str, outbox) -> None:
    user = request.getfixturevalue(who)
    client = browser()
    first = steps.password(client, PHONES[who], next="/accounts/me/")
    assert first["Location"] == "/accounts/login/second-step/"
    halfway(client)
    page = client.get("/accounts/login/second-step/")
    assert page.status_code == 200
    assert user.masked_phone in page.content.decode()
    done = steps.second_step(client, code=steps.last_code(outbox, e164(who)))
    assert done["Location"] == "/accounts/me/"
    assert steps.signed_in(client) == user.pk
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(
        action="accounts.user.logged_in", target_id=str(user.pk), data__method="password_and_code"
    ).exists()


def test_the_password_step_starts_a_new_session(officer, volunteer, outbox) -> None:
    client = browser()
    steps.ask_code(client, PHONES["volunteer"])  # the browser has a session already
    before = client.cookies["sessionid"].value
    steps.password(client, PHONES["officer"])
    # Whoever planted or read the old session key holds nothing of this sign-in.
    assert client.cookies["sessionid"].value != before


@pytest.mark.parametrize("who", STAFF)
def test_a_code_alone_never_signs_staff_in(request, who: str, outbox) -> None:
    user = request.getfixturevalue(who)
    client = browser()
    steps.ask_code(client, PHONES[who])
    after_code = steps.enter_code(client, steps.last_code(outbox, e164(who)))
    assert after_code["Location"] == "/accounts/login/second-step/"
    halfway(client)
    page = client.get("/accounts/login/second-step/")
    assert 'name="password"' in page.content.decode()
    wrong = steps.second_step(client, password="not-it")
    assert wrong.status_code == 400 and steps.signed_in(client) is None
    assert steps.second_step(client, password="Patrol-2011-night").status_code == 302
    assert steps.signed_in(client) == user.pk


def test_a_wrong_code_signs_no_staff_in(officer, outbox) -> None:
    client = browser()
    steps.password(client, PHONES["officer"])
    code = steps.last_code(outbox, e164("officer"))
    wrong = steps.second_step(client, code=f"{(int(code) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400
    assert "4 more tries" in steps.refusal(wrong)
    halfway(client)


def test_staff_can_ask_for_a_new_code_within_limits(officer, outbox) -> None:
    client = browser()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        steps.password(client, PHONES["officer"])
        first = steps.last_code(outbox, e164("officer"))
        too_soon = client.post("/accounts/login/second-step/resend/", follow=True)
        assert "1 minute" in too_soon.content.decode()
        clock.shift(dt.timedelta(minutes=1))
        client.post("/accounts/login/second-step/resend/")
        second = steps.last_code(outbox, e164("officer"))
        assert len(outbox) == 2
        if first != second:
            assert steps.second_step(client, code=first).status_code == 400
        assert steps.second_step(client, code=second).status_code == 302


def test_staff_can_cancel_the_second_step(officer, outbox) -> None:
    client = browser()
    steps.password(client, PHONES["officer"])
    code = steps.last_code(outbox, e164("officer"))
    assert client.post("/accounts/login/second-step/cancel/")["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/second-step/")["Location"] == "/accounts/login/"
    assert steps.second_step(client, code=code)["Location"] == "/accounts/login/"
    assert steps.signed_in(client) is None


def test_the_second_step_lapses_after_fifteen_minutes(officer, outbox) -> None:
    client = browser()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        steps.password(client, PHONES["officer"])
        clock.shift(dt.timedelta(minutes=9))
        client.post("/accounts/login/second-step/resend/")
        code = steps.last_code(outbox, e164("officer"))
        clock.shift(dt.timedelta(minutes=6, seconds=1))
        assert steps.second_step(client, code=code)["Location"] == "/accounts/login/"
    assert steps.signed_in(client) is None


def test_staff_at_the_ceiling_get_in_with_a_code_and_then_the_password(
    officer, outbox, settings
) -> None:
    settings.YIXUN_LOCKOUT_PER_NUMBER = 20
    with time_machine.travel(timezone.now(), tick=False):
        for i in range(20):
            steps.password(browser(f"10.0.0.{i + 1}"), PHONES["officer"], "guess")
        client = browser()
        assert "paused" in steps.refusal(steps.password(client, PHONES["officer"]))
        steps.ask_code(client, PHONES["officer"])
        steps.enter_code(client, steps.last_code(outbox, e164("officer")))
        halfway(client)
        assert steps.second_step(client, password="Patrol-2011-night").status_code == 302
        assert steps.signed_in(client) == officer.pk


def test_the_second_step_page_without_a_first_step_sends_to_sign_in(db) -> None:
    client = browser()
    assert client.get("/accounts/login/second-step/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/second-step/resend/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/second-step/cancel/")["Location"] == "/accounts/login/"


def test_force_login_in_tests_is_unchanged(login, officer) -> None:
    assert login(officer).get("/api/v1/audit/entries").status_code == 200
