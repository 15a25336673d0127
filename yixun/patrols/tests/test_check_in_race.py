"""A phone that lost its answer sends the check-in again while the first is still being written,
and so does the volunteer's second tap: however many arrive at once, there is one duty.
Run on PostgreSQL for the real race; SQLite serialises writers, and the same must hold."""

import threading
import uuid

import pytest
from django.db import connection

from yixun.patrols.models import Duty
from yixun.patrols.services import duty as duties
from yixun.shifts.models import Claim

SENDS = 8


@pytest.mark.django_db(transaction=True)
def test_many_check_ins_at_once_make_one_duty(claim, volunteer, school) -> None:
    same_key = uuid.uuid4()
    keys = [same_key] * (SENDS // 2) + [uuid.uuid4() for _ in range(SENDS // 2)]
    barrier = threading.Barrier(SENDS)
    answers: list[int] = []
    errors: list[BaseException] = []

    def send(key: uuid.UUID) -> None:
        try:
            mine = Claim.objects.select_related("shift__site", "member__user", "member__squad").get(
                pk=claim.pk
            )
            barrier.wait(timeout=30)
            duty, _ = duties.check_in(
                claim=mine, actor=volunteer, method="qr", token=school.qr_token, key=key
            )
            answers.append(duty.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Duty.objects.count() == 1
    assert set(answers) == {Duty.objects.get().pk} and len(answers) == SENDS
