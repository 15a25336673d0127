"""Check-out before the shift's end asks first and says what ending now credits; after it, the
page says what was credited. A newcomer's one tap once ended a 16:30 duty at 16:06, silently."""

import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, DutyRules
from yixun.patrols.services import duty as duties
from yixun.patrols.tests.conftest import put_on
from yixun.shifts.models import Shift

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AT_16_06 = dt.datetime(2025, 5, 6, 16, 6, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def in_english_pages(volunteer, leader) -> None:
    """These tests read the pages' English; a user's own language decides a page's."""
    type(volunteer).objects.filter(pk__in=[volunteer.pk, leader.pk]).update(language="en")


@pytest.fixture
def on_duty(school, volunteer) -> Duty:
    """On duty since 15:42 on a 14:30–16:30 shift; the clock says 16:06."""
    shift = Shift.objects.create(
        site=school,
        starts_at=dt.datetime(2025, 5, 6, 14, 30, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2025, 5, 6, 16, 30, tzinfo=SHANGHAI),
        min_people=1,
        capacity=4,
    )
    claim = put_on(shift, volunteer)
    with time_machine.travel(AT_16_06, tick=False):
        duty, _ = duties.check_in(
            claim=claim,
            actor=volunteer,
            method="qr",
            token=school.qr_token,
            at=AT_16_06 - dt.timedelta(minutes=24),
        )
    return duty


@pytest.fixture
def clock_16_06():
    with time_machine.travel(AT_16_06, tick=False):
        yield


def test_an_early_check_out_asks_first_and_changes_nothing(
    login, on_duty, volunteer, clock_16_06
) -> None:
    page = login(volunteer).post(reverse("patrols:check_out", args=[on_duty.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="check-out-confirm"' in text
    assert "16:30" in text and "16:06" in text and "15:42" in text
    assert "30 minutes" in text  # 24 minutes served, to the nearest quarter hour
    assert "Check-in on this shift is then closed" in text and "My hours" in text
    assert 'name="confirm" value="1"' in text
    on_duty.refresh_from_db()
    assert on_duty.status == Duty.Status.ON_DUTY
    assert not AuditEntry.objects.filter(action="patrols.duty.checked_out").exists()


def test_confirming_ends_the_duty_and_says_what_was_credited(
    login, on_duty, volunteer, clock_16_06
) -> None:
    client = login(volunteer)
    key = uuid.uuid4()
    answer = client.post(
        reverse("patrols:check_out", args=[on_duty.pk]), {"confirm": "1", "key": str(key)}
    )
    assert answer.status_code == 302
    on_duty.refresh_from_db()
    assert on_duty.status == Duty.Status.DONE and on_duty.minutes == 30
    assert on_duty.check_out_key == key
    page = client.get(answer.url).content.decode()
    assert "Checked out at 16:06: 30 minutes of service credited." in page


def test_the_phones_outbox_is_asked_too_and_told_after(
    login, on_duty, volunteer, clock_16_06
) -> None:
    client = login(volunteer)
    url = reverse("patrols:check_out", args=[on_duty.pk])
    question = client.post(
        url, {"at": AT_16_06.isoformat()}, headers={"accept": "application/json"}
    )
    assert question.status_code == 409 and question.json()["code"] == "confirm_early"
    assert "16:30" in question.json()["message"] and question.json()["minutes"] == 30
    assert Duty.objects.get().status == Duty.Status.ON_DUTY
    sent = client.post(
        url, {"confirm": "1", "key": str(uuid.uuid4())}, headers={"accept": "application/json"}
    )
    assert sent.json()["ok"] and sent.json()["minutes"] == 30
    # The outbox reloads the page once sent: the message waits there.
    assert "30 minutes of service credited" in client.get(reverse("patrols:duty")).content.decode()


def test_after_the_shift_ends_one_tap_checks_out(login, on_duty, volunteer) -> None:
    with time_machine.travel(on_duty.shift.ends_at + dt.timedelta(minutes=3), tick=False):
        answer = login(volunteer).post(reverse("patrols:check_out", args=[on_duty.pk]))
    assert answer.status_code == 302
    on_duty.refresh_from_db()
    assert (
        on_duty.status == Duty.Status.DONE and on_duty.minutes == 45
    )  # 15:42–16:33, to the nearest quarter hour


def test_the_leader_is_asked_too_and_lands_back_on_the_log(
    login, on_duty, leader, clock_16_06
) -> None:
    client = login(leader)
    url = reverse("patrols:check_out", args=[on_duty.pk])
    asked = client.post(url).content.decode()
    assert "张志愿" in asked and "16:30" in asked
    done = client.post(url, {"confirm": "1"})
    assert done.url == reverse("patrols:shift_log", args=[on_duty.shift_id])
    assert Duty.objects.get().check_out_method == Duty.CheckOut.LEADER


def test_a_bad_time_is_refused_and_changes_nothing(login, on_duty, volunteer, clock_16_06) -> None:
    client = login(volunteer)
    answer = client.post(
        reverse("patrols:check_out", args=[on_duty.pk]), {"confirm": "1", "at": "yesterday"}
    )
    assert answer.status_code == 302
    assert Duty.objects.get().status == Duty.Status.ON_DUTY
    assert "Enter a valid date/time." in client.get(answer.url).content.decode()


def test_another_volunteer_cannot_check_someone_out(login, on_duty, other_volunteer) -> None:
    answer = login(other_volunteer).post(
        reverse("patrols:check_out", args=[on_duty.pk]), {"confirm": "1"}
    )
    assert answer.status_code == 404
    assert Duty.objects.get().status == Duty.Status.ON_DUTY


@pytest.mark.parametrize(
    ("step", "rounding", "credited"),
    [(15, "nearest", 30), (60, "nearest", 24), (30, "down", 24), (60, "up", 60), (1, "down", 24)],
)
def test_rounding_never_turns_24_minutes_into_none(step, rounding, credited) -> None:
    rules = DutyRules(grace_minutes=30, round_to_minutes=step, rounding=rounding)
    start = timezone.now()
    end = start + dt.timedelta(minutes=24)
    assert rules.service_minutes(start=start, end=end, shift_minutes=120) == credited
    assert rules.service_minutes(start=start, end=start, shift_minutes=120) == 0


def test_the_police_see_duties_but_are_not_asked_to_end_them(
    login, on_duty, police, clock_16_06
) -> None:
    client = login(police)
    answer = client.post(reverse("patrols:check_out", args=[on_duty.pk]))
    assert answer.status_code == 302  # refused with a message, not offered the question
    assert Duty.objects.get().status == Duty.Status.ON_DUTY
    question = client.post(
        reverse("patrols:check_out", args=[on_duty.pk]), headers={"accept": "application/json"}
    )
    assert question.status_code == 403 and question.json()["code"] != "confirm_early"
