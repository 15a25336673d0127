"""The figures come from the records: cross-checked against raw SQL, drilling down to the rows
they count, in a fixed number of queries, and only for who may read them."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.stats import figures
from yixun.stats.figures import Scope

# Records made hours ago must still fall on today's date (conftest.midday).
pytestmark = pytest.mark.usefixtures("midday")


def patrol(school, market, *users):
    """A finished shift with duties, inspections and incidents."""
    shift = make_shift(school, started_minutes_ago=200, hours=3)
    for user in users:
        claim = put_on(shift, user)
        duty, _ = duties.check_in(
            claim=claim, actor=user, method="qr", token=school.qr_token, at=shift.starts_at
        )
        duties.check_out(duty=duty, actor=user, at=shift.starts_at + dt.timedelta(hours=2))
    first = users[0]
    logs.record_inspection(
        shift=shift, actor=first, site=school, finding="normal", occurred_at=shift.starts_at
    )
    logs.record_inspection(
        shift=shift, actor=first, site=school, finding="hazard", occurred_at=shift.starts_at
    )
    logs.record_incident(
        shift=shift,
        actor=first,
        kind="rescue",
        account="救助老人",
        people_helped=2,
        occurred_at=shift.starts_at,
    )
    logs.record_incident(
        shift=shift,
        actor=first,
        kind="accident",
        account="化解剐蹭",
        people_helped=1,
        occurred_at=shift.starts_at,
    )
    logs.record_incident(
        shift=shift,
        actor=first,
        kind="publicity",
        account="发传单",
        leaflets=300,
        people_reached=120,
        occurred_at=shift.starts_at,
    )
    return shift


def test_the_figures_add_up_the_records(
    school, market, volunteer, volunteer2, other_volunteer
) -> None:
    patrol(school, market, volunteer, volunteer2)
    patrol(school, market, other_volunteer)
    values = figures.compute(Scope())
    assert values["duties"] == 3 and values["volunteers"] == 3 and values["hours"] == 6.0
    assert values["inspections"] == 4 and values["hazards"] == 2
    assert (
        values["accidents"] == 2
        and values["people_helped"] == 6
        and values["people_reached"] == 240
    )
    own = figures.compute(Scope(squad=other_volunteer.membership.squad))
    assert (own["duties"], own["inspections"], own["people_helped"]) == (1, 2, 3)


def test_one_figure_cross_checked_with_raw_sql(school, market, volunteer, volunteer2) -> None:
    patrol(school, market, volunteer, volunteer2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(people_helped), 0) FROM patrols_incident WHERE occurred_at >= %s",
            [timezone.now() - dt.timedelta(days=1)],
        )
        [(raw,)] = cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*), COUNT(DISTINCT member_id) FROM patrols_duty WHERE status = 'done'"
        )
        [(raw_duties, raw_people)] = cursor.fetchall()
    values = figures.compute(Scope(first=timezone.localdate() - dt.timedelta(days=1)))
    assert values["people_helped"] == raw == 3
    assert (values["duties"], values["volunteers"]) == (raw_duties, raw_people)


def test_a_period_outside_the_records_counts_nothing(school, market, volunteer) -> None:
    patrol(school, market, volunteer)
    long_ago = timezone.localdate() - dt.timedelta(days=400)
    values = figures.compute(Scope(first=long_ago, last=long_ago + dt.timedelta(days=30)))
    assert set(values.values()) == {0}


def test_the_page_answers_in_a_fixed_number_of_queries_and_drills_down(
    login, officer, school, market, volunteer, volunteer2, django_assert_max_num_queries
) -> None:
    patrol(school, market, volunteer, volunteer2)
    client = login(officer)
    with django_assert_max_num_queries(13):
        page = client.get(reverse("stats:figures")).content.decode()
    assert 'data-figure="people_helped"' in page
    patrol(school, market, volunteer)
    with django_assert_max_num_queries(13):
        client.get(reverse("stats:figures"))
    rows = client.get(reverse("stats:records", args=["accidents"])).content.decode()
    assert rows.count("化解剐蹭") == 2 and 'data-testid="total">2<' in rows
    assert client.get(reverse("stats:records", args=["nonsense"])).status_code == 404


def test_a_leader_reads_their_own_squads_figures_and_a_volunteer_none(
    login, leader, volunteer, other_volunteer, school, market
) -> None:
    patrol(school, market, volunteer)
    patrol(school, market, other_volunteer)
    other_squad = other_volunteer.membership.squad
    page = login(leader).get(reverse("stats:figures"), {"squad": other_squad.pk}).content.decode()
    assert (
        f'value="{volunteer.membership.squad.pk}" selected' in page and other_squad.name not in page
    )
    assert login(volunteer).get(reverse("stats:figures")).status_code == 403
    assert (
        login(leader)
        .get(reverse("stats:figures"), {"first": "9999-99-99", "squad": "x"})
        .status_code
        == 200
    )
