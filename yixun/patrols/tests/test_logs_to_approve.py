"""The logs waiting for approval: cards on a phone, a sortable table on a desk, and bulk approval
that goes through the approval service one log at a time and says what happened to each."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, PatrolLog
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.tests.conftest import make_shift, put_on

URL = reverse("patrols:logs_to_approve")
APPROVE = reverse("patrols:approve_logs")


def over(school, leader, volunteer, *, hours_ago: int, summary: str = "", entries: int = 0):
    """A shift of the leader's squad that ended `hours_ago`, with the volunteer on it."""
    shift = make_shift(
        school, started_minutes_ago=hours_ago * 60 + 120, hours=2, squad=leader.membership.squad
    )
    put_on(shift, volunteer)
    shift.refresh_from_db()
    if summary or entries:
        log = logs.log_of(shift)
        for n in range(entries):
            logs.record_inspection(
                shift=shift,
                actor=leader,
                site=school,
                finding="normal",
                occurred_at=shift.starts_at + dt.timedelta(minutes=n),
            )
        if summary:
            logs.write_summary(log=log, actor=leader, summary=summary)
    return shift


@pytest.fixture
def three(school, leader, volunteer):
    """Ready to approve; without a summary; with someone still on duty (never checked out)."""
    ready = over(school, leader, volunteer, hours_ago=5, summary="一切正常", entries=2)
    bare = over(school, leader, volunteer, hours_ago=30)
    busy = over(school, leader, volunteer, hours_ago=1, summary="还有人在岗")
    claim = busy.claims.get()
    Duty.objects.create(
        claim=claim,
        shift=busy,
        member=claim.member,
        checked_in_at=busy.starts_at,
        check_in_method="leader",
    )
    return ready, bare, busy


def test_the_leader_sees_cards_and_a_desk_table(login, leader, three) -> None:
    page = login(leader).get(URL).content.decode()
    assert 'data-testid="log-cards"' in page and 'data-testid="log-desk"' in page
    for shift in three:
        assert f'data-shift="{shift.pk}"' in page
    assert "一切正常" in page


def test_the_query_count_does_not_grow_with_the_rows(
    login, leader, volunteer, school, three, django_assert_max_num_queries
) -> None:
    client = login(leader)
    with django_assert_max_num_queries(14) as few:
        client.get(URL)
    for n in range(9):
        over(school, leader, volunteer, hours_ago=40 + n * 3, summary=f"第{n}班")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(URL).content.decode()
    assert page.count('name="shift"') == 12


def _order(page: str, shifts) -> list[int]:
    return sorted((page.index(f'data-shift="{s.pk}"'), s.pk) for s in shifts)


def test_columns_sort_on_the_server_and_a_bad_sort_is_ignored(login, leader, three) -> None:
    ready, bare, busy = three
    client = login(leader)
    newest_first = [busy.pk, ready.pk, bare.pk]
    assert [pk for _i, pk in _order(client.get(URL).content.decode(), three)] == newest_first
    oldest_first = client.get(URL, {"sort": "when"}).content.decode()
    assert [pk for _i, pk in _order(oldest_first, three)] == newest_first[::-1]
    assert 'aria-sort="ascending"' in oldest_first
    most_entries = client.get(URL, {"sort": "-entries"}).content.decode()
    assert _order(most_entries, three)[0][1] == ready.pk
    for bad in ("password", "-", "starts_at;drop", "--when"):
        answer = client.get(URL, {"sort": bad})
        assert answer.status_code == 200
        assert [pk for _i, pk in _order(answer.content.decode(), three)] == newest_first


def test_bulk_approval_goes_one_by_one_and_reports_each(
    login, leader, three, other_volunteer, other_squad, school
) -> None:
    ready, bare, busy = three
    stranger = make_shift(school, started_minutes_ago=300, hours=2, squad=other_squad)
    client = login(leader)
    answer = client.post(
        APPROVE,
        {"shift": [ready.pk, bare.pk, busy.pk, stranger.pk, "x1"], "sort": "-entries"},
    )
    assert answer.status_code == 302 and answer.url.endswith("sort=-entries")
    page = client.get(answer.url).content.decode()
    assert PatrolLog.objects.get(shift=ready).is_approved
    assert not PatrolLog.objects.filter(shift=bare).exists()  # no empty log made to refuse it
    assert not PatrolLog.objects.get(shift=busy).is_approved
    assert AuditEntry.objects.filter(action="patrols.patrol_log.approved").count() == 1
    name = f"{timezone.localtime(ready.starts_at):%m-%d %H:%M}"
    assert f"{name} 城关一中：已批准" in page or f"{name} 城关一中: approved." in page
    reported = page[
        page.index('class="messages"') : page.index("</ul>", page.index('class="messages"'))
    ]
    assert reported.count("<li") == 4  # approved, no summary, still on duty, not yours
    assert str(stranger.pk) in reported
    assert f'data-shift="{ready.pk}"' not in page  # gone from the list


def test_nothing_ticked_says_so(login, leader, three) -> None:
    client = login(leader)
    answer = client.post(APPROVE, {"sort": "nonsense"})
    assert answer.url.endswith("sort=-when")
    assert not PatrolLog.objects.filter(status=PatrolLog.Status.APPROVED).exists()


def test_volunteers_neither_see_nor_approve(login, volunteer, three) -> None:
    client = login(volunteer)
    assert client.get(URL).status_code == 404
    assert client.post(APPROVE, {"shift": [three[0].pk]}).status_code == 404
    assert not PatrolLog.objects.filter(status=PatrolLog.Status.APPROVED).exists()


def test_an_officer_sees_every_squads_logs(login, officer, three) -> None:
    page = login(officer).get(URL).content.decode()
    assert all(f'data-shift="{shift.pk}"' in page for shift in three)


def test_approve_looks_positive_and_refuse_looks_dangerous(
    login, leader, volunteer, school, three
) -> None:
    """Approve and refuse were the same red: approve is green now, refuse stays the danger red."""
    ready = three[0]
    claim = ready.claims.get()
    duty = Duty.objects.create(
        claim=claim,
        shift=ready,
        member=claim.member,
        checked_in_at=ready.starts_at,
        checked_out_at=ready.ends_at,
        status=Duty.Status.DONE,
        squad=claim.member.squad,
    )
    duties.ask_correction(duty=duty, actor=volunteer, minutes=100, reason="忘了签退")
    client = login(leader)
    hours = client.get(reverse("patrols:hours")).content.decode()
    assert re.search(r'class="[^"]*approve-button[^"]*" data-testid="approve-hours"', hours)
    assert re.search(r'class="[^"]*danger-button[^"]*" data-testid="refuse-hours"', hours)
    log = client.get(reverse("patrols:shift_log", args=[ready.pk])).content.decode()
    assert re.search(r'class="[^"]*approve-button[^"]*" data-testid="approve"', log)
    desk = client.get(URL).content.decode()
    assert 'class="approve-button" data-testid="approve-ticked"' in desk
    css = (settings.BASE_DIR / "yixun" / "static" / "yixun" / "yixun.css").read_text()
    assert ".approve-button { background: var(--ok)" in css
