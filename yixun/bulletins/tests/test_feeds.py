"""The RSS and Atom feeds of public bulletins, read as a feed reader reads them."""

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from yixun.accounts.models import User
from yixun.bulletins.models import Bulletin, Kind
from yixun.bulletins.services import (
    approve_bulletin,
    correct_bulletin,
    save_bulletin,
    submit_bulletin,
    withdraw_bulletin,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "http://testserver/"


def write(author: User, approver: User, *, kind: str = Kind.ALERT, **fields: Any) -> Bulletin:
    """A bulletin written, submitted and approved through the services, as a person would."""
    fields = {"body": "请**夜间**将电瓶带回家充电。", "to_public": True} | fields
    bulletin = save_bulletin(actor=author, kind=kind, **fields)
    submit_bulletin(actor=author, bulletin=bulletin)
    return approve_bulletin(actor=approver, bulletin=bulletin)


@pytest.fixture
def bulletins(moderator: User, police: User, officer: User) -> dict[str, Bulletin]:
    """One of each: what the feeds list, and what they must never list."""
    found = write(
        moderator, police, kind=Kind.URGENT, title="寻找走失老人", body="王某某，78岁，蓝色外套。"
    )
    found = withdraw_bulletin(actor=police, bulletin=found, note="已找到，谢谢大家")
    return {
        "alert": write(moderator, police, title="东门菜场电瓶被盗警示"),
        "notice": write(moderator, officer, kind=Kind.NOTICE, title="年会通知"),
        "advice": write(moderator, officer, kind=Kind.ADVICE, title="防诈骗提示"),
        "found": found,
        "members_only": write(
            moderator,
            officer,
            kind=Kind.NOTICE,
            title="会员内部通知",
            to_public=False,
            to_members=True,
        ),
        "draft": save_bulletin(
            actor=moderator, kind=Kind.ALERT, title="未审草稿警示", body="草稿", to_public=True
        ),
    }


def get(client: Client, name: str, **kwargs: str) -> etree._Element:
    response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    return root


def rss_items(client: Client, **kwargs: str) -> dict[str, etree._Element]:
    name = "bulletins:rss_kind" if kwargs else "bulletins:rss"
    rss = get(client, name, **kwargs)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required), required
    assert channel.findtext("link") == SITE + "bulletins/"
    items = channel.findall("item")
    for item in items:
        for required in ("title", "link", "description", "guid", "pubDate"):
            assert item.findtext(required), required
        assert item.findtext("link").startswith(SITE)
    return {item.findtext("title"): item for item in items}


def atom_entries(client: Client, **kwargs: str) -> dict[str, etree._Element]:
    name = "bulletins:atom_kind" if kwargs else "bulletins:atom"
    feed = get(client, name, **kwargs)
    assert feed.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(ATOM + required), required
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    entries = feed.findall(ATOM + "entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.findtext(ATOM + required), required
        assert entry.find(ATOM + "link").get("href").startswith(SITE)
    return {entry.findtext(ATOM + "title"): entry for entry in entries}


def test_rss_lists_public_bulletins_that_went_out(
    public: Client, bulletins: dict[str, Bulletin]
) -> None:
    items = rss_items(public)

    assert set(items) == {
        "东门菜场电瓶被盗警示",
        "年会通知",
        "防诈骗提示",
        "Withdrawn: 寻找走失老人",
    }
    alert, item = bulletins["alert"], items["东门菜场电瓶被盗警示"]
    assert item.findtext("link") == f"{SITE}bulletins/{alert.pk}/"
    assert item.findtext("guid") == item.findtext("link")
    assert "<strong>夜间</strong>" in item.findtext("description")
    assert parsedate_to_datetime(item.findtext("pubDate")) == alert.published_at.replace(
        microsecond=0
    )


def test_atom_lists_the_same_with_ids_and_updates(
    public: Client, bulletins: dict[str, Bulletin]
) -> None:
    entries = atom_entries(public)

    assert set(entries) == set(rss_items(public))
    alert, entry = bulletins["alert"], entries["东门菜场电瓶被盗警示"]
    assert entry.find(ATOM + "link").get("href") == f"{SITE}bulletins/{alert.pk}/"
    assert entry.findtext(ATOM + "id") == f"{SITE}bulletins/{alert.pk}/"
    assert dt.datetime.fromisoformat(entry.findtext(ATOM + "updated")) == alert.published_at
    assert "<strong>夜间</strong>" in entry.findtext(ATOM + "summary")


def test_a_withdrawn_urgent_alert_stays_listed_without_its_details(
    public: Client, bulletins: dict[str, Bulletin]
) -> None:
    rss = public.get(reverse("bulletins:rss"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    atom = public.get(reverse("bulletins:atom"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    item = rss_items(public)["Withdrawn: 寻找走失老人"]
    assert "withdrawn" in item.findtext("description")
    for feed in (rss, atom):
        assert "寻找走失老人" in feed
        assert "王某某" not in feed


def test_the_author_is_the_association_never_a_person(
    public: Client, bulletins: dict[str, Bulletin], moderator: User, police: User, settings: Any
) -> None:
    settings.YIXUN_ASSOCIATION_NAME = "城关网友义务巡逻协会"

    rss = public.get(reverse("bulletins:rss")).content.decode()
    atom = atom_entries(public)

    assert "城关网友义务巡逻协会" in rss
    for entry in atom.values():
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "城关网友义务巡逻协会"
    for feed in (rss, public.get(reverse("bulletins:atom")).content.decode()):
        assert moderator.name not in feed
        assert police.name not in feed


def test_a_correction_keeps_the_id_and_moves_the_update(
    public: Client, bulletins: dict[str, Bulletin], police: User
) -> None:
    alert = bulletins["alert"]
    before = atom_entries(public)["东门菜场电瓶被盗警示"]

    correct_bulletin(
        actor=police, bulletin=alert, title="东门菜场电瓶被盗警示（更正）", body="新", note="更正"
    )
    after = atom_entries(public)["东门菜场电瓶被盗警示（更正）"]

    assert after.findtext(ATOM + "id") == before.findtext(ATOM + "id")
    change = alert.changes.get()
    assert dt.datetime.fromisoformat(after.findtext(ATOM + "updated")) == change.at
    assert dt.datetime.fromisoformat(after.findtext(ATOM + "published")) == alert.published_at


@pytest.mark.parametrize("kind", Kind.values)
def test_a_kind_feed_holds_that_kind_only(
    public: Client, bulletins: dict[str, Bulletin], kind: str
) -> None:
    expected = {
        (f"Withdrawn: {b.title}" if b.is_withdrawn else b.title)
        for b in bulletins.values()
        if b.kind == kind and b.to_public and b.published_at
    }
    assert expected

    assert set(rss_items(public, kind=kind)) == expected
    assert set(atom_entries(public, kind=kind)) == expected


def test_an_unknown_kind_is_not_found(public: Client, db: None) -> None:
    for name in ("bulletins:rss_kind", "bulletins:atom_kind"):
        assert public.get(reverse(name, kwargs={"kind": "weather"})).status_code == 404


def test_a_scheduled_bulletin_is_not_listed_before_it_goes_out(
    public: Client, moderator: User, officer: User
) -> None:
    write(
        moderator, officer, kind=Kind.NOTICE, title="明早发布的通知",
        publish_at=timezone.now() + dt.timedelta(hours=8),
    )  # fmt: skip

    assert rss_items(public) == {}
    assert atom_entries(public) == {}


def test_the_most_recent_fifty_in_few_queries(
    public: Client, moderator: User, officer: User, django_assert_max_num_queries: Any
) -> None:
    for number in range(51):
        write(moderator, officer, kind=Kind.NOTICE, title=f"通知 {number}")

    with django_assert_max_num_queries(3):
        items = rss_items(public)

    assert len(items) == 50
    assert "通知 0" not in items and "通知 50" in items
