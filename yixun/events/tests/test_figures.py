"""Attendance feeds the figures: each person let in counts at once among the people reached,
the event among the events held, and both drill down to the event."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from yixun.events.services import door, manage
from yixun.events.tests.conftest import clock_at, new_event, register_public
from yixun.stats import figures
from yixun.stats.figures import Scope

pytestmark = pytest.mark.django_db


def test_people_let_in_count_at_once_and_the_report_may_add_more(login, officer) -> None:
    event = new_event(
        officer, starts_at=timezone.now() + dt.timedelta(minutes=30), title="防诈宣传"
    )
    before = figures.compute(Scope())
    for i in range(2):
        ticket = register_public(event, i)
        door.check_in(event=event, registration=ticket, actor=officer)
    door.add_walk_in(event=event, name="路过的市民", actor=officer)
    after = figures.compute(Scope())
    assert after["people_reached"] - before["people_reached"] == 3
    assert after["events"] - before["events"] == 1
    # A cancelled event counts nothing; a draft neither.
    other = new_event(officer, title="取消的讲座")
    manage.cancel_event(event=other, actor=officer, reason="场地有变")
    assert figures.compute(Scope())["events"] == after["events"]

    with clock_at(event.starts_at + dt.timedelta(hours=1)):
        manage.close_event(event=event, actor=officer, summary="发放传单", people_reached=200)
    assert figures.compute(Scope())["people_reached"] - before["people_reached"] == 200

    client = login(officer)
    rows = client.get(reverse("stats:records", args=["people_reached"])).content.decode()
    assert "防诈宣传" in rows and 'data-testid="total">200<' in rows
    held = client.get(reverse("stats:records", args=["events"])).content.decode()
    assert "防诈宣传" in held and "取消的讲座" not in held
