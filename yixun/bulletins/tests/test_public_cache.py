"""The public's list and feeds come from the shared cache, and every change of a published
bulletin shows in them at once: a publication, a correction, a closed urgent alert."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from yixun.bulletins import services
from yixun.bulletins.models import Kind

pytestmark = pytest.mark.django_db

FEEDS = ["bulletins:rss", "bulletins:atom", "bulletins:alerts"]


def bulletin_queries(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode(), sum("bulletins_bulletin" in q["sql"] for q in queries)


@pytest.mark.parametrize("name", FEEDS)
def test_a_feed_read_again_reads_no_bulletin_until_one_goes_out(
    name, public, police, officer, publish
):
    publish(police, officer, kind=Kind.ALERT, title="第一条警情通报")
    url = reverse(name)
    first, read = bulletin_queries(public, url)
    assert "第一条警情通报" in first and read >= 1
    again, read = bulletin_queries(public, url)
    assert (again, read) == (first, 0)

    publish(police, officer, kind=Kind.ALERT, title="第二条警情通报")
    after, read = bulletin_queries(public, url)
    assert "第二条警情通报" in after and read >= 1


def test_the_list_page_reads_its_cards_once_and_shows_a_correction_at_once(
    public, police, officer, publish
):
    bulletin = publish(police, officer, kind=Kind.ALERT, title="夜间盗窃电动车")
    url = reverse("bulletins:list")
    page, read = bulletin_queries(public, url)
    assert "夜间盗窃电动车" in page and read >= 1
    assert bulletin_queries(public, url)[1] == 0
    assert bulletin_queries(public, url + "?kind=alert")[1] >= 1  # another list: its own cards

    services.correct_bulletin(
        actor=police, bulletin=bulletin, note="地点更正", title="城关镇夜间盗窃电动车",
        body=bulletin.body,
    )  # fmt: skip
    assert "城关镇夜间盗窃电动车" in bulletin_queries(public, url)[0]


def test_a_closed_urgent_alert_leaves_the_feed_at_once(public, police, officer, publish):
    alert = publish(
        police, officer, kind=Kind.URGENT, title="寻找走失老人", body="王某某，78岁，蓝色外套。"
    )
    url = reverse("bulletins:atom")
    assert "蓝色外套" in public.get(url).content.decode()
    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    assert "蓝色外套" not in public.get(url).content.decode()


def inbox_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("bulletins:inbox"))
    assert answer.status_code == 200
    return answer.content.decode(), sum("bulletins_inboxitem" in q["sql"] for q in queries)


def test_an_inbox_read_again_is_cached_until_a_bulletin_arrives_or_is_read(
    login, volunteer, police, officer, publish
):
    first = publish(police, officer, kind=Kind.ALERT, title="第一条警情通报")
    client = login(volunteer)
    page, read = inbox_queries(client)
    assert "第一条警情通报" in page and page.count('data-testid="unread-mark"') == 1
    assert inbox_queries(client)[1] == 0

    publish(police, officer, kind=Kind.ALERT, title="第二条警情通报")
    page, read = inbox_queries(client)
    assert "第二条警情通报" in page and page.count('data-testid="unread-mark"') == 2

    client.get(reverse("bulletins:detail", args=[first.pk]))  # read
    page, read = inbox_queries(client)
    assert read >= 1 and page.count('data-testid="unread-mark"') == 1
