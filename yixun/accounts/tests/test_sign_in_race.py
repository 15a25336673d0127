"""A burst of guesses sent at the same moment gets no more checks than guesses sent one by one.

Each request counts itself before it is judged, by the requests counted before it; checking
first and counting after would let a whole burst through before any of it was counted. Run it
on PostgreSQL (DATABASE_URL=postgres://…) for the proof; SQLite serialises writers, and the
same assertions hold there.
"""

import threading
from collections.abc import Callable

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory

from conftest import PHONES
from yixun.accounts import codes, signin
from yixun.accounts.models import PhoneCode
from yixun.accounts.tests.steps import last_code
from yixun.audit.models import AuditEntry

BURST = 20


def at_once(work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(BURST)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            work(i)
        except (signin.LoginRefused, codes.CodeRefused):
            pass
        except BaseException as error:  # any other failure is a failure of the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_passwords_gets_only_the_free_tries_checked(volunteer) -> None:
    def guess(i: int) -> None:
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.4")
        request.session = SessionStore()
        signin.sign_in(
            request=request, phone=PHONES["volunteer"], password=f"guess-{i}", next_url="/"
        )

    assert at_once(guess) == []
    checked = AuditEntry.objects.filter(action="accounts.user.login_failed").count()
    assert 1 <= checked <= 3  # YIXUN_LOCKOUT_FREE_TRIES


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_codes_gets_only_the_codes_tries(volunteer, outbox) -> None:
    phone = "+86" + PHONES["volunteer"]
    sent = codes.send_code(
        purpose=PhoneCode.Purpose.SIGN_IN,
        phone=phone,
        holder="holder",
        address="203.0.113.10",
        user=volunteer,
    )
    assert sent is not None
    right = last_code(outbox, phone)

    def guess(i: int) -> None:
        wrong = f"{(int(right) + 1 + i) % 1_000_000:06d}"
        codes.check_code(
            purpose=PhoneCode.Purpose.SIGN_IN, phone=phone, holder="holder", code=wrong
        )

    assert at_once(guess) == []
    sent.refresh_from_db()
    assert sent.tries == PhoneCode.TRIES
    assert AuditEntry.objects.filter(action="accounts.phone_code.failed").count() == PhoneCode.TRIES
