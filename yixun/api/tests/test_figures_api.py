"""The figures through the API: counted from the records made here, for officers and police
liaisons over everything, for a leader over their own squad only."""

import datetime as dt

import pytest
from django.utils import timezone

from yixun.accounts.models import User
from yixun.members.models import Squad
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.tests import conftest as patrols
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site
from yixun.stats.figures import FIGURES

# Records made hours ago must still fall on today's date (conftest.midday).
pytestmark = pytest.mark.usefixtures("midday")

# The duty tests' county: a town with a school and a market about 1.1 km apart.
town, school, market = patrols.town, patrols.school, patrols.market


def patrolled(user: User, site: Site, minutes: int) -> None:
    """A patrol at a site that began `minutes` ago, checked in at its start and out now."""
    claim = put_on(make_shift(site, started_minutes_ago=minutes), user)
    duty, _ = duties.check_in(
        claim=claim, actor=user, method="qr", token=site.qr_token, at=claim.shift.starts_at
    )
    duties.check_out(duty=duty, actor=user)


@pytest.fixture
def records(volunteer, other_volunteer, school, market) -> None:
    """Our squad: an hour at the school, a hazard found, an accident settled helping two people,
    a hazard reported.
    The other squad: two hours at the market, an inspection, a dispute and forty people reached."""
    patrolled(volunteer, school, 60)
    ours = put_on(make_shift(school, started_minutes_ago=10), volunteer).shift
    logs.record_inspection(shift=ours, actor=volunteer, site=school, finding="hazard")
    logs.record_incident(
        shift=ours, actor=volunteer, kind="accident", account="剐蹭", people_helped=2
    )
    logs.record_incident(shift=ours, actor=volunteer, kind="hazard", account="井盖缺失")
    patrolled(other_volunteer, market, 120)
    theirs = put_on(make_shift(market, started_minutes_ago=10), other_volunteer).shift
    logs.record_inspection(shift=theirs, actor=other_volunteer, site=market, finding="normal")
    logs.record_incident(shift=theirs, actor=other_volunteer, kind="dispute", account="邻里")
    logs.record_incident(
        shift=theirs, actor=other_volunteer, kind="publicity", account="宣传", people_reached=40
    )


EVERYTHING = {
    "duties": 2,
    "volunteers": 2,
    "hours": 3.0,
    "inspections": 2,
    "hazards": 1,
    "hazards_reported": 1,
    "accidents": 1,
    "people_helped": 2,
    "disputes": 1,
    "police_assisted": 0,
    "events": 0,
    "people_reached": 40,
    "tips_solved": 0,
}
OUR_SQUAD = {
    "duties": 1,
    "volunteers": 1,
    "hours": 1.0,
    "inspections": 1,
    "hazards": 1,
    "hazards_reported": 1,
    "accidents": 1,
    "people_helped": 2,
    "disputes": 0,
    "police_assisted": 0,
    "events": 0,
    "people_reached": 0,
    "tips_solved": 0,
}


def values(answer: dict) -> dict:
    """The figures by name, which must be every figure the association reports, in its order."""
    assert [figure["name"] for figure in answer["figures"]] == [f.name for f in FIGURES]
    return {figure["name"]: figure["value"] for figure in answer["figures"]}


def test_officers_and_police_see_the_figures_of_the_records(
    login, officer, police, records
) -> None:
    for user in (officer, police):
        answer = login(user).get("/api/v1/figures").json()
        assert values(answer) == EVERYTHING
        assert answer["squad_id"] is None


def test_each_figure_has_its_label_in_the_callers_language(login, officer, records) -> None:
    officer.language = "en"
    officer.save(update_fields=["language"])
    figures = login(officer).get("/api/v1/figures").json()["figures"]
    assert figures[0] == {"name": "duties", "label": "Duties done", "value": 2}


def test_an_officer_chooses_a_squad_an_area_and_a_period(
    login, officer, squad, other_squad, town, records
) -> None:
    client = login(officer)
    ours = client.get("/api/v1/figures", {"squad": squad.pk}).json()
    assert (ours["squad_id"], values(ours)) == (squad.pk, OUR_SQUAD)
    assert values(client.get("/api/v1/figures", {"area": town.pk}).json()) == EVERYTHING
    elsewhere = Area.objects.create(name="河口镇", level="town", parent=town.parent)
    assert set(values(client.get("/api/v1/figures", {"area": elsewhere.pk}).json()).values()) == {0}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = client.get("/api/v1/figures", {"first": tomorrow.isoformat()}).json()
    assert set(values(later).values()) == {0}
    today = client.get(
        "/api/v1/figures",
        {"first": timezone.localdate().isoformat(), "last": timezone.localdate().isoformat()},
    ).json()
    assert values(today) == EVERYTHING


def test_a_leader_gets_their_own_squads_figures_whatever_they_ask(
    login, leader, squad, other_squad, records
) -> None:
    client = login(leader)
    for asked in ({}, {"squad": other_squad.pk}, {"squad": squad.pk}):
        answer = client.get("/api/v1/figures", asked).json()
        assert (answer["squad_id"], values(answer)) == (squad.pk, OUR_SQUAD)


def test_a_leader_of_two_squads_chooses_between_them(
    login, leader, squad, other_squad, records
) -> None:
    other_squad.deputies.add(leader)
    client = login(leader)
    theirs = client.get("/api/v1/figures", {"squad": other_squad.pk}).json()
    assert theirs["squad_id"] == other_squad.pk and values(theirs)["hours"] == 2.0
    first = client.get("/api/v1/figures").json()  # the first by name: 城关 before 河口
    assert first["squad_id"] == Squad.objects.order_by("name").first().pk


def test_others_may_not_see_the_figures(login, public, volunteer, moderator) -> None:
    for user in (volunteer, moderator):
        response = login(user).get("/api/v1/figures")
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert public.get("/api/v1/figures").status_code == 401


def test_a_period_backwards_counts_nothing_and_an_unknown_place_is_refused(
    login, officer, db
) -> None:
    client = login(officer)
    # No day is both on or after the 2nd and on or before the 1st: every figure is 0. (Which
    # of two days comes first is no rule the document can state, so it is no refusal either.)
    backwards = client.get("/api/v1/figures", {"first": "2026-05-02", "last": "2026-05-01"})
    assert backwards.status_code == 200
    assert {figure["value"] for figure in backwards.json()["figures"]} == {0}
    assert client.get("/api/v1/figures", {"squad": 999_999}).status_code == 404
    assert client.get("/api/v1/figures", {"area": 999_999}).status_code == 404
    assert client.get("/api/v1/figures", {"first": "2026-13-01"}).status_code == 422


def test_a_deputy_without_the_leader_role_reads_their_squads_figures_as_on_the_page(
    login, deputy, squad, other_squad, records
) -> None:
    client = login(deputy)
    assert client.get("/figures/", {"squad": other_squad.pk}).context["scope"].squad == squad
    answer = client.get("/api/v1/figures", {"squad": other_squad.pk})
    assert answer.status_code == 200
    assert (answer.json()["squad_id"], values(answer.json())) == (squad.pk, OUR_SQUAD)
