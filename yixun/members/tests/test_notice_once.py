"""Once a member has accepted the membership notice, they are not asked again, and their
page loads cost no query to find that out."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yixun.members.models import RulebookDocument, RulebookVersion
from yixun.members.services import rulebook

NOTICE_TABLES = ("members_rulebookversion", "members_noticeacceptance", "members_member")


@pytest.fixture
def notice(officer) -> RulebookDocument:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    rulebook.publish_version(
        document=document, body="一、遵守巡逻纪律。", change_note="", actor=officer
    )
    return document


def test_the_notice_page_says_it_is_accepted_and_does_not_ask_again(
    login, volunteer, notice
) -> None:
    client = login(volunteer)
    client.post("/notice/", {"accept": "yes", "next": "/squads/"})
    response = client.get("/notice/", {"next": "/squads/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="notice-accepted"' in html
    assert 'data-testid="accept-notice"' not in html
    assert 'href="/squads/"' in html


def test_accepted_through_the_api_the_page_does_not_ask_either(login, volunteer, notice) -> None:
    client = login(volunteer)
    client.post("/api/v1/rulebook/notice/accept")
    html = client.get("/notice/").content.decode()
    assert 'data-testid="notice-accepted"' in html
    assert 'data-testid="accept-notice"' not in html


def test_an_accepted_notice_costs_a_page_load_no_query(login, volunteer, notice) -> None:
    client = login(volunteer)
    client.post("/notice/", {"accept": "yes"})
    client.get("/squads/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/squads/").status_code == 200
    asked = [q["sql"] for q in queries if any(t in q["sql"] for t in NOTICE_TABLES[:2])]
    assert asked == []


def test_a_person_who_need_not_accept_costs_no_query_after_the_first_page(
    login, police, notice
) -> None:
    client = login(police)
    client.get("/rules/")
    client.get("/me/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/me/")
    assert [q["sql"] for q in queries if any(t in q["sql"] for t in NOTICE_TABLES)] == []


def test_a_new_version_is_put_at_once_even_after_a_cached_answer(
    login, officer, volunteer, notice
) -> None:
    client = login(volunteer)
    client.post("/notice/", {"accept": "yes"})
    assert client.get("/squads/").status_code == 200
    RulebookVersion.objects.create(document=notice, number=2, body="二、结伴巡逻。")
    response = client.get("/squads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/notice/")


def test_a_stale_cached_notice_sends_nobody_to_a_notice_that_is_gone(login, volunteer) -> None:
    from django.core.cache import cache

    from yixun.members.models.rulebook import NOTICE_CACHE_KEY

    cache.set(NOTICE_CACHE_KEY, 987654)  # left over from a notice rolled back elsewhere
    assert login(volunteer).get("/squads/").status_code == 200
