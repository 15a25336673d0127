"""The duty pages: the poster's link, the offline queue's JSON answers, the leader's log page,
hours, who is on duty now; and who may see each."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, Inspection, PatrolLog
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.tests.conftest import make_shift, put_on

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_posters_link_leads_a_signed_in_volunteer_to_check_in(
    login, claim, volunteer, school
) -> None:
    client = login(volunteer)
    landing = client.get(reverse("places:check_in", args=[school.qr_token]))
    assert landing.status_code == 302 and landing.url == reverse(
        "patrols:scan", args=[school.qr_token]
    )
    page = client.get(landing.url)
    assert 'data-testid="check-in"' in page.content.decode()
    assert not Duty.objects.exists()  # looking changes nothing
    done = client.post(landing.url, {"key": str(uuid.uuid4())})
    assert done.status_code == 302
    assert Duty.objects.get().check_in_method == "qr"


def test_another_sites_poster_says_where_to_go(login, claim, volunteer, market) -> None:
    page = login(volunteer).get(reverse("patrols:scan", args=[market.qr_token]))
    assert "城关一中" in page.content.decode() and 'data-testid="problem"' in page.content.decode()


def test_the_queue_gets_one_record_for_a_resend(login, claim, volunteer, school) -> None:
    client = login(volunteer)
    url = reverse("patrols:inspection", args=[claim.shift.pk])
    data = {
        "site": school.pk,
        "finding": "normal",
        "note": "正常",
        "key": str(uuid.uuid4()),
        "at": "2020-01-01T00:00:00Z",
    }
    refused = client.post(url, data, **JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "outside_shift"
    data["at"] = ""
    first = client.post(url, data, **JSON)
    again = client.post(url, data, **JSON)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Inspection.objects.count() == 1


def test_bad_input_is_told_and_changes_nothing(login, claim, volunteer) -> None:
    client = login(volunteer)
    answer = client.post(
        reverse("patrols:incident", args=[claim.shift.pk]),
        {"kind": "rescue", "account": "", "people_helped": "-3", "key": str(uuid.uuid4())},
        **JSON,
    )
    assert answer.status_code == 400 and answer.json()["message"]
    too_far = client.post(
        reverse("patrols:check_in", args=[claim.pk]),
        {"latitude": "31.1", "longitude": "114.0", "key": str(uuid.uuid4())},
        **JSON,
    )
    assert too_far.status_code == 409 and "200" in too_far.json()["message"]
    assert not Duty.objects.exists()


@pytest.mark.parametrize("who", ["other_volunteer", "volunteer2"])
def test_another_squad_or_someone_off_the_shift_cannot_read_or_write_its_log(
    request, login, claim, volunteer, school, who
) -> None:
    logs.record_inspection(shift=claim.shift, actor=volunteer, site=school, finding="normal")
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("patrols:shift_log", args=[claim.shift.pk])).status_code == 404
    posted = client.post(
        reverse("patrols:inspection", args=[claim.shift.pk]),
        {"site": school.pk, "finding": "normal", "key": str(uuid.uuid4())},
    )
    assert posted.status_code == 404
    assert Inspection.objects.count() == 1


def test_the_public_sees_nothing(public, claim) -> None:
    for url in (
        reverse("patrols:duty"),
        reverse("patrols:shift_log", args=[claim.shift.pk]),
        reverse("patrols:now"),
        reverse("stats:figures"),
    ):
        answer = public.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer.url


def test_the_leader_checks_in_by_hand_summarises_and_approves(
    login, claim, leader, volunteer
) -> None:
    client = login(leader)
    waiting = client.get(reverse("patrols:duty")).content.decode()
    assert reverse("patrols:shift_log", args=[claim.shift.pk]) in waiting  # a log to approve
    client.post(reverse("patrols:manual_check_in", args=[claim.pk]), {"reason": "手机没电"})
    duty = Duty.objects.get()
    assert duty.check_in_method == "leader" and duty.manual_reason == "手机没电"
    with time_machine.travel(claim.shift.ends_at + dt.timedelta(minutes=1)):
        client.post(reverse("patrols:check_out", args=[duty.pk]))
        client.post(
            reverse("patrols:summary", args=[claim.shift.pk]),
            {"summary": "一切正常", "approve": "1"},
        )
    log = PatrolLog.objects.get()
    assert log.is_approved and log.approved_by == leader
    page = client.get(reverse("patrols:shift_log", args=[claim.shift.pk])).content.decode()
    assert 'data-testid="approved"' in page and "手机没电" in page


def test_on_duty_now_for_police_with_the_leaders_phone_and_a_trace(
    login, claim, volunteer, police, leader, other_volunteer, django_assert_max_num_queries
) -> None:
    duties.check_in(claim=claim, actor=volunteer, method="gps", point=(31.0005, 114.0))
    client = login(police)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("patrols:now")).content.decode()
    assert "张志愿" in page and leader.phone in page
    assert AuditEntry.objects.filter(action="patrols.on_duty.viewed", actor=police).exists()
    assert login(other_volunteer).get(reverse("patrols:now")).status_code == 403
    own = login(leader).get(reverse("patrols:now")).content.decode()
    assert "张志愿" in own and leader.phone not in own


def test_hours_by_month_and_year(login, school, volunteer) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=90), volunteer)
    duty, _ = duties.check_in(
        claim=claim, actor=volunteer, method="qr", token=school.qr_token, at=claim.shift.starts_at
    )
    duties.check_out(duty=duty, actor=volunteer)
    page = login(volunteer).get(reverse("patrols:hours")).content.decode()
    # The year in Shanghai, as the page adds them up: early on 1 January it is still last year in UTC.
    year = timezone.localtime(Duty.objects.get().checked_in_at).year
    assert f'data-testid="year-{year}">1.50<' in page


def test_officers_set_the_duty_rules_and_bad_values_change_nothing(login, officer, leader) -> None:
    from yixun.patrols.models import DutyRules

    assert login(leader).get(reverse("patrols:rules")).status_code == 403
    client = login(officer)
    values = {
        "radius_m": "300",
        "open_minutes_before": "20",
        "late_after_minutes": "5",
        "grace_minutes": "15",
        "round_to_minutes": "30",
        "rounding": "down",
    }
    assert client.post(reverse("patrols:rules"), {**values, "radius_m": "1"}).status_code == 400
    assert DutyRules.current().radius_m == 200
    client.post(reverse("patrols:rules"), values)
    rules = DutyRules.current()
    assert (rules.radius_m, rules.round_to_minutes, rules.rounding) == (300, 30, "down")
    assert AuditEntry.objects.get(action="patrols.duty_rules.changed").data["radius_m"] == "300"


def test_the_duty_pages_read_in_a_fixed_number_of_queries(
    login, claim, volunteer, leader, school, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        logs.record_inspection(
            shift=claim.shift, actor=volunteer, site=school, finding="normal", key=uuid.uuid4()
        )
        logs.record_incident(
            shift=claim.shift,
            actor=volunteer,
            kind="rescue",
            account="帮助老人过马路",
            people_helped=1,
            key=uuid.uuid4(),
        )
    duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    for user, name, args in (
        (volunteer, "patrols:duty", []),
        (volunteer, "patrols:hours", []),
        (leader, "patrols:shift_log", [claim.shift.pk]),
    ):
        client = login(user)
        with django_assert_max_num_queries(18):  # the same with one record or a hundred
            assert client.get(reverse(name, args=args)).status_code == 200
