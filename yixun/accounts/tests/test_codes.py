"""The one service for codes sent by SMS: six digits, stored keyed-hashed, ten minutes, once,
five tries, only for the session that asked, sending limited, audited without the code."""

import datetime as dt
import logging

import pytest
import time_machine
from django.utils import timezone, translation

from yixun.accounts import codes
from yixun.accounts.models import PhoneCode
from yixun.accounts.tests.steps import last_code
from yixun.audit.models import AuditEntry

PHONE = "+8613900000002"  # the volunteer's
HOLDER = "session-holder-a"
SIGN_IN = PhoneCode.Purpose.SIGN_IN


@pytest.fixture(autouse=True)
def in_english():
    """The refusals are read in English here; the Chinese ones are in the catalogue."""
    with translation.override("en"):
        yield


def send(*, phone: str = PHONE, holder: str = HOLDER, address: str = "203.0.113.10", user=None):
    return codes.send_code(purpose=SIGN_IN, phone=phone, holder=holder, address=address, user=user)


def check(code: str, *, holder: str = HOLDER, phone: str = PHONE) -> PhoneCode:
    return codes.check_code(purpose=SIGN_IN, phone=phone, holder=holder, code=code)


def wrong_for(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_sent_in_the_owners_language_and_stored_only_hashed(
    volunteer, outbox
) -> None:
    volunteer.language = "en"
    volunteer.save()
    sent = send(user=volunteer)
    code = last_code(outbox, PHONE)
    assert len(code) == 6 and code.isdigit()
    assert "sign-in code" in outbox[-1].body and "10 minutes" in outbox[-1].body
    volunteer.language = "zh-hans"  # the owner's language, whatever the request's
    volunteer.save()
    send(user=volunteer, holder="session-holder-b", address="203.0.113.11")
    assert "登录验证码" in outbox[-1].body
    stored = PhoneCode.objects.get(pk=sent.pk)
    row = " ".join(str(value) for value in stored.__dict__.values())
    assert code not in row and PHONE not in row and "13900000002" not in row
    assert stored.expires_at - stored.created_at == dt.timedelta(minutes=10)


def test_a_code_works_once(volunteer, outbox) -> None:
    send(user=volunteer)
    code = last_code(outbox, PHONE)
    assert check(code).used_at is not None
    with pytest.raises(codes.CodeRefused):
        check(code)


def test_a_code_expires_after_ten_minutes(volunteer, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send(user=volunteer)
        code = last_code(outbox, PHONE)
        clock.shift(dt.timedelta(minutes=10, seconds=1))
        with pytest.raises(codes.CodeRefused) as refused:
            check(code)
    assert refused.value.code == "code_wrong"


def test_a_code_survives_four_wrong_tries_and_not_five(volunteer, outbox) -> None:
    send(user=volunteer)
    code = last_code(outbox, PHONE)
    for left in (4, 3, 2, 1):
        with pytest.raises(codes.CodeRefused) as refused:
            check(wrong_for(code))
        assert f"{left} more tr" in refused.value.message
    with pytest.raises(codes.CodeRefused) as fifth:
        check(wrong_for(code))
    assert fifth.value.code == "code_spent"
    with pytest.raises(codes.CodeRefused):
        check(code)  # the right one, too late


def test_only_the_session_that_asked_can_use_or_spend_a_code(volunteer, outbox) -> None:
    send(user=volunteer)
    code = last_code(outbox, PHONE)
    for _ in range(10):  # a stranger's session guessing at the owner's number
        with pytest.raises(codes.CodeRefused):
            check(wrong_for(code), holder="stranger")
    with pytest.raises(codes.CodeRefused):
        check(code, holder="stranger")  # even the right digits
    assert check(code).used_at is not None  # the owner's code still has all its tries


def test_a_new_code_replaces_the_sessions_earlier_one(volunteer, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send(user=volunteer)
        first = last_code(outbox, PHONE)
        clock.shift(dt.timedelta(minutes=2))
        send(user=volunteer)
        second = last_code(outbox, PHONE)
        if first != second:
            with pytest.raises(codes.CodeRefused):
                check(first)
        assert check(second).used_at is not None


def test_sending_waits_a_minute_and_stops_at_five_an_hour_for_one_number_and_address(
    volunteer, outbox
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send(user=volunteer)
        with pytest.raises(codes.CodeRefused) as early:
            send(user=volunteer)
        assert "1 minute" in early.value.message
        for _ in range(4):
            clock.shift(dt.timedelta(minutes=1))
            send(user=volunteer)
        clock.shift(dt.timedelta(minutes=1))
        with pytest.raises(codes.CodeRefused):
            send(user=volunteer)
        send(user=volunteer, address="203.0.113.99")  # the owner, elsewhere, still gets one
    assert len(outbox) == 6


def test_sending_stops_at_ten_a_day_for_one_number_and_address(volunteer, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            send(user=volunteer)
            clock.shift(dt.timedelta(minutes=13))  # five in any hour
        with pytest.raises(codes.CodeRefused) as refused:
            send(user=volunteer)
        assert "hours" in refused.value.message
        clock.shift(dt.timedelta(days=1))
        send(user=volunteer)
    assert len(outbox) == 11


def test_one_address_may_ask_for_ten_codes_an_hour_across_numbers(db, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(10):  # YIXUN_CODES_PER_ADDRESS
            send(phone=f"+86137000000{i:02d}")
        with pytest.raises(codes.CodeRefused):
            send(phone="+8613700000099")
        send(phone="+8613700000099", address="203.0.113.99")
        clock.shift(dt.timedelta(hours=1))
        send(phone="+8613700000098")


def test_one_number_is_sent_at_most_twenty_codes_a_day_whoever_asks(volunteer, outbox) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(20):  # YIXUN_CODES_PER_NUMBER
            send(user=volunteer, address=f"10.0.0.{i + 1}", holder=f"bot-{i}")
        with pytest.raises(codes.CodeRefused):
            send(user=volunteer, address="203.0.113.99")
        clock.shift(dt.timedelta(days=1))
        send(user=volunteer, address="203.0.113.99")
    assert len(outbox) == 21


def test_a_request_that_delivers_nothing_counts_the_same(db, outbox) -> None:
    for i in range(10):
        codes.send_code(
            purpose=SIGN_IN,
            phone=f"+86137000000{i:02d}",
            holder=HOLDER,
            address="198.51.100.4",
            deliver=False,
        )
    with pytest.raises(codes.CodeRefused):
        send(address="198.51.100.4")
    assert outbox == []
    assert not PhoneCode.objects.exists()


def test_sending_and_using_are_audited_without_the_code(volunteer, outbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sent = send(user=volunteer)
    code = last_code(outbox, PHONE)
    with pytest.raises(codes.CodeRefused):
        check(wrong_for(code))
    check(code)
    trail = AuditEntry.objects.filter(target_type="accounts.phonecode", target_id=str(sent.pk))
    assert list(trail.order_by("pk").values_list("action", flat=True)) == [
        "accounts.phone_code.sent",
        "accounts.phone_code.failed",
        "accounts.phone_code.used",
    ]
    assert trail.get(action="accounts.phone_code.sent").data == {
        "purpose": "sign_in",
        "user": volunteer.pk,
    }
    for entry in trail:
        assert code not in str(entry.data) and code not in entry.target_label
    assert code not in caplog.text
