"""Wrong passwords are counted per number and address, per address, and per number, so that a
stranger cannot lock a member out, and a botnet that reaches a number's ceiling still cannot
stop its owner, who signs in with a code."""

import datetime as dt
import re

import time_machine
from django.utils import timezone

from yixun.accounts.tests import steps
from yixun.accounts.tests.steps import OWNER_ADDRESS, STRANGER_ADDRESS, browser
from yixun.audit.models import AuditEntry

NUMBER = "13900000002"  # the volunteer's


def checked_failures() -> int:
    return AuditEntry.objects.filter(action="accounts.user.login_failed").count()


def test_a_strangers_guessing_never_stops_the_owner_from_elsewhere(volunteer) -> None:
    stranger = browser(STRANGER_ADDRESS)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Three hours of guessing, a try every five minutes, after a first burst.
        for _ in range(5):
            assert steps.password(stranger, NUMBER, "guess").status_code == 400
        for _ in range(36):
            clock.shift(dt.timedelta(minutes=5))
            assert steps.password(stranger, NUMBER, "guess").status_code == 400
        # The growing waits let through only a few of those guesses...
        assert checked_failures() <= 20
        # ...and the owner, from their own address, is not held up at all.
        owner = browser(OWNER_ADDRESS)
        assert steps.password(owner, NUMBER).status_code == 302
        assert steps.signed_in(owner) == volunteer.pk


def test_each_further_failure_from_one_address_waits_twice_as_long(volunteer) -> None:
    client = browser(STRANGER_ADDRESS)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):  # a few typos are free
            refused = steps.password(client, NUMBER, "guess")
            assert "do not match" in steps.refusal(refused)
        waits = []
        for seconds in (30, 60, 120, 240, 480, 900, 900):
            # Even the right password waits: a try in the wait is not checked at all.
            early = steps.password(client, NUMBER)
            assert early.status_code == 400 and steps.signed_in(client) is None
            waits.append(re.search(r"Wait (.+?) before", steps.refusal(early)).group(1))
            clock.shift(dt.timedelta(seconds=seconds - 1))
            assert "Wait" in steps.refusal(steps.password(client, NUMBER, "guess"))
            clock.shift(dt.timedelta(seconds=1))
            assert "do not match" in steps.refusal(steps.password(client, NUMBER, "guess"))
    assert waits == [
        "30 seconds",
        "1 minute",
        "2 minutes",
        "4 minutes",
        "8 minutes",
        "15 minutes",  # the longest wait (YIXUN_LOCKOUT_MINUTES)
        "15 minutes",
    ]
    assert checked_failures() == 3 + 7  # only the tries made after each wait were checked


def test_an_address_trying_many_numbers_is_stopped_for_an_hour(volunteer) -> None:
    sprayer = browser(STRANGER_ADDRESS)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(30):  # YIXUN_LOCKOUT_PER_ADDRESS: 30 an hour
            assert "do not match" in steps.refusal(
                steps.password(sprayer, f"137000000{i:02d}", "guess")
            )
        stopped = steps.password(sprayer, NUMBER)
        assert "from your network" in steps.refusal(stopped)
        assert "60 minutes" in steps.refusal(stopped)
        clock.shift(dt.timedelta(minutes=20))
        assert "from your network" in steps.refusal(steps.password(sprayer, NUMBER))
        # The number itself is not held up anywhere else.
        assert steps.password(browser(OWNER_ADDRESS), NUMBER).status_code == 302
        clock.shift(dt.timedelta(minutes=41))
        assert steps.password(sprayer, NUMBER).status_code == 302


CEILING = 20  # YIXUN_LOCKOUT_PER_NUMBER is 100; fewer requests make the same point faster


def botnet_guess(times: int, *, first: int = 0) -> None:
    for i in range(first, first + times):
        bot = browser(f"10.0.{i // 250}.{i % 250 + 1}")
        assert "do not match" in steps.refusal(steps.password(bot, NUMBER, "guess"))


def test_a_number_has_a_ceiling_that_only_many_addresses_reach(volunteer, settings) -> None:
    settings.YIXUN_LOCKOUT_PER_NUMBER = CEILING
    with time_machine.travel(timezone.now(), tick=False) as clock:
        botnet_guess(CEILING - 1)
        owner = browser(OWNER_ADDRESS)
        assert steps.password(owner, NUMBER).status_code == 302  # under the ceiling
        owner.logout()
        botnet_guess(1, first=CEILING - 1)  # the ceiling's worth of failures this hour
        paused = steps.password(browser("203.0.113.77"), NUMBER)
        assert "paused" in steps.refusal(paused)
        assert "code sent to your phone" in steps.refusal(paused)
        assert steps.password(browser("10.9.9.9"), NUMBER, "guess").status_code == 400
        assert checked_failures() == CEILING  # the botnet's next guesses are not checked
        clock.shift(dt.timedelta(minutes=61))
        assert steps.password(browser("203.0.113.77"), NUMBER).status_code == 302


def test_the_owner_gets_in_with_a_code_while_the_number_is_at_its_ceiling(
    volunteer, outbox, settings
) -> None:
    settings.YIXUN_LOCKOUT_PER_NUMBER = CEILING
    with time_machine.travel(timezone.now(), tick=False):
        botnet_guess(CEILING)
        owner = browser(OWNER_ADDRESS)
        assert "paused" in steps.refusal(steps.password(owner, NUMBER))
        assert steps.ask_code(owner, NUMBER).status_code == 302
        response = steps.enter_code(owner, steps.last_code(outbox, "+86" + NUMBER))
        assert response.status_code == 302
        assert steps.signed_in(owner) == volunteer.pk
    assert AuditEntry.objects.filter(
        action="accounts.user.logged_in", target_id=str(volunteer.pk), data__method="code"
    ).exists()


def test_a_new_password_reopens_a_paused_number(volunteer, login, settings) -> None:
    settings.YIXUN_LOCKOUT_PER_NUMBER = CEILING
    with time_machine.travel(timezone.now(), tick=False):
        botnet_guess(CEILING)
        assert "paused" in steps.refusal(steps.password(browser(OWNER_ADDRESS), NUMBER))
        login(volunteer).post(
            "/accounts/me/password/",
            {
                "old_password": "Patrol-2011-night",
                "new_password1": "Harbour-watch-2027",
                "new_password2": "Harbour-watch-2027",
            },
        )
        again = steps.password(browser(OWNER_ADDRESS), NUMBER, "Harbour-watch-2027")
        assert again.status_code == 302
