import datetime as dt

import pytest
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry


@pytest.fixture
def trail(officer, volunteer):
    audit.record(
        actor=officer,
        action="accounts.user.role_granted",
        target=volunteer,
        data={"role": "moderator"},
    )
    audit.record(actor=volunteer, action="accounts.user.password_changed", target=volunteer)
    accounts.issue_token(user=officer, name="phone", actor=officer)
    AuditEntry.objects.filter(action="accounts.access_token.issued").update(
        at=timezone.now() - dt.timedelta(days=40)
    )


def test_officers_browse_the_trail_newest_first(login, officer, trail) -> None:
    response = login(officer).get("/audit/")
    assert response.status_code == 200
    actions = [entry.action for entry in response.context["page"]]
    assert actions[:2] == ["accounts.user.password_changed", "accounts.user.role_granted"]


def test_filter_by_action_prefix_actor_and_day(login, officer, volunteer, trail) -> None:
    client = login(officer)
    by_prefix = client.get("/audit/", {"action": "accounts.access_token"}).context["page"]
    assert {e.action for e in by_prefix} == {"accounts.access_token.issued"}
    by_user = {e.action for e in client.get("/audit/", {"action": "accounts.user"}).context["page"]}
    assert {"accounts.user.role_granted", "accounts.user.password_changed"} <= by_user
    assert "accounts.access_token.issued" not in by_user
    by_actor = client.get("/audit/", {"actor": "张志"}).context["page"]
    assert {e.action for e in by_actor} == {"accounts.user.password_changed"}
    today = timezone.localdate().isoformat()
    by_day = client.get(
        "/audit/", {"since": today, "until": today, "action": "accounts.access_token"}
    ).context["page"]
    assert list(by_day) == []


def test_a_backwards_date_range_is_explained_not_crashed_on(login, officer, trail) -> None:
    response = login(officer).get("/audit/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert (
        "must not be after" in response.content.decode() or "不能晚于" in response.content.decode()
    )
    assert list(response.context["page"]) == []


@pytest.mark.parametrize("who", ["volunteer", "leader", "moderator", "police"])
def test_nobody_but_officers_may_read_it(login, request, who: str, trail) -> None:
    response = login(request.getfixturevalue(who)).get("/audit/")
    assert response.status_code == 403


def test_the_public_is_sent_to_sign_in(public, trail) -> None:
    response = public.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_costs_the_same_queries_for_many_entries(
    login, officer, django_assert_max_num_queries
) -> None:
    for index in range(120):
        audit.record(
            actor=officer, action="accounts.user.role_granted", target=officer, data={"n": index}
        )
    client = login(officer)
    with django_assert_max_num_queries(8):
        client.get("/audit/")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_at_the_ends_of_the_calendar_do_not_crash(login, officer, trail, day: str) -> None:
    response = login(officer).get("/audit/", {"since": day, "until": day})
    assert response.status_code == 200
