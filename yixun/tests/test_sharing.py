"""Sharing and search engines: every page's title, description and Open Graph tags (which Weibo
and QQ read) with absolute addresses at the site's public address; noindex when signed in;
sitemap.xml and robots.txt."""

import datetime as dt
import io
import urllib.robotparser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree, html
from PIL import Image

from yixun.accounts.models import User
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, Kind
from yixun.events.models import Event
from yixun.events.services import manage as events

pytestmark = pytest.mark.django_db

SITE = "https://yixun.example.org"
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def public_address(settings, tmp_path: Path) -> None:
    """Pages are asked for at the test client's host; links must name the public address."""
    settings.YIXUN_SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path


def bulletin(author: User, approver: User, **fields: object) -> Bulletin:
    fields = {
        "kind": Kind.ADVICE,
        "title": "防范电信诈骗",
        "body": "冒充**公检法**的电话，一律挂断。",
    } | fields
    if not any(fields.get(k) for k in ("to_public", "to_members")):
        fields["to_public"] = True
    draft = services.save_bulletin(actor=author, **fields)  # type: ignore[arg-type]
    services.submit_bulletin(actor=author, bulletin=draft)
    return services.approve_bulletin(actor=approver, bulletin=draft)


def jpeg() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 0, 200)).save(out, format="JPEG")
    return ContentFile(out.getvalue(), name="photo.jpg")


def head(client: Client, path: str) -> dict[str, str]:
    """The page's title, and its meta and link tags by name or property (link: "link:<rel>")."""
    page = client.get(path)
    assert page.status_code == 200, path
    tree = html.fromstring(page.content.decode())
    tags = {"title": tree.findtext(".//title")}
    for meta in tree.iterfind(".//head/meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            tags[key] = meta.get("content")
    for link in tree.iterfind(".//head/link"):
        tags[f"link:{link.get('rel')}"] = link.get("href")
    return tags


def test_the_public_home_page_says_what_it_is_to_search_engines_and_apps(public) -> None:
    tags = head(public, "/")
    assert tags["og:title"] and tags["og:title"] in tags["title"]
    assert len(tags["description"]) > 20
    assert tags["og:description"] == tags["description"]
    assert tags["og:type"] == "website"
    assert tags["og:url"] == f"{SITE}/"
    assert tags["link:canonical"] == f"{SITE}/"
    assert tags["og:site_name"]
    assert tags["og:locale"] == "zh_CN"
    assert "robots" not in tags
    image = urlsplit(tags["og:image"])
    assert f"{image.scheme}://{image.netloc}" == SITE
    found = finders.find(image.path.removeprefix("/static/"))
    assert found, image.path
    with Image.open(found) as picture:
        assert picture.format == "PNG" and picture.width >= 300 and picture.height >= 300
    assert Path(found).stat().st_size < 30_000  # a card's image, not a photo


def test_the_association_names_itself_in_the_default_description(settings, public) -> None:
    settings.YIXUN_ASSOCIATION_NAME = "城关义务巡逻协会"
    tags = head(public, reverse("bulletins:list"))
    assert tags["og:site_name"] == "城关义务巡逻协会"
    tags = head(public, reverse("tips:report"))  # a page that fills no description
    assert "城关义务巡逻协会" in tags["description"]


def test_a_bulletin_is_shared_as_an_article_with_its_summary_and_first_photo(
    moderator, police, public
) -> None:
    advice = bulletin(moderator, police, photos=[jpeg(), jpeg()])
    first = advice.photos.first()
    assert first is not None
    tags = head(public, reverse("bulletins:detail", args=[advice.pk]))
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "防范电信诈骗"
    assert tags["title"].startswith("防范电信诈骗 · ")
    assert tags["description"] == "冒充公检法的电话，一律挂断。"  # the text, not its Markdown
    assert tags["og:url"] == f"{SITE}{reverse('bulletins:detail', args=[advice.pk])}"
    assert tags["og:image"] == f"{SITE}{first.get_absolute_url()}"
    assert public.get(first.get_absolute_url()).status_code == 200  # an app may fetch it


def test_a_bulletin_without_photos_shows_the_share_image(moderator, police, public) -> None:
    advice = bulletin(moderator, police, body="长文" * 400)
    tags = head(public, reverse("bulletins:detail", args=[advice.pk]))
    assert tags["og:image"].startswith(f"{SITE}/static/yixun/share")
    assert len(tags["description"]) <= 120 and tags["description"].endswith("…")


def test_quotes_and_brackets_in_a_title_stay_inside_their_tags(moderator, police, public) -> None:
    odd = bulletin(
        moderator, police, title='提防"刷单" <返利> & 兼职', body='他说"稳赚"<不赔> & 秒到'
    )
    tags = head(public, reverse("bulletins:detail", args=[odd.pk]))
    assert tags["og:title"] == '提防"刷单" <返利> & 兼职'
    assert tags["description"] == '他说"稳赚"<不赔> & 秒到'


def test_a_closed_urgent_alert_tells_apps_nothing_of_the_person(moderator, police, public) -> None:
    alert = bulletin(
        moderator, police, kind=Kind.URGENT, title="紧急寻人", body="身穿蓝色上衣的老人"
    )
    services.withdraw_bulletin(actor=moderator, bulletin=alert, note="已找到，谢谢")
    tags = head(public, reverse("bulletins:detail", args=[alert.pk]))
    assert "蓝色上衣" not in tags["description"]
    assert "蓝色上衣" not in tags["og:description"]


def test_signed_in_pages_are_not_indexed(login, volunteer, moderator, police) -> None:
    advice = bulletin(moderator, police)
    for path in ("/", reverse("bulletins:detail", args=[advice.pk])):
        tags = head(login(volunteer), path)
        assert tags["robots"] == "noindex", path
        assert "link:canonical" not in tags
        assert tags["og:title"]  # a member may still pass a public page on


def test_the_sitemap_lists_the_public_pages_and_published_bulletins_only(
    moderator, police, public
) -> None:
    published = bulletin(moderator, police, title="已发布")
    withdrawn = bulletin(moderator, police, title="已撤回")
    services.withdraw_bulletin(actor=moderator, bulletin=withdrawn, note="有误")
    members_only = bulletin(moderator, police, title="仅会员", to_members=True)
    draft = services.save_bulletin(
        actor=moderator, kind=Kind.ADVICE, title="草稿", body="未发布", to_public=True
    )
    answer = public.get("/sitemap.xml")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/xml")
    locations = etree.fromstring(answer.content).xpath("//s:url/s:loc/text()", namespaces=SITEMAP)
    assert f"{SITE}/" in locations
    assert f"{SITE}{reverse('bulletins:list')}" in locations
    assert f"{SITE}{reverse('tips:report')}" in locations
    assert f"{SITE}{reverse('members:apply')}" in locations
    detail = lambda b: f"{SITE}{reverse('bulletins:detail', args=[b.pk])}"  # noqa: E731
    assert detail(published) in locations
    for hidden in (withdrawn, members_only, draft):
        assert detail(hidden) not in locations, hidden.title
    assert all(loc.startswith(f"{SITE}/") for loc in locations)


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(
    moderator, police, public
) -> None:
    bulletin(moderator, police)
    answer = public.get("/robots.txt")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in text.splitlines()
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(text.splitlines())
    for private in (
        "/api/v1/tips",
        "/accounts/login/",
        "/audit/",
        "/duty/",
        "/inbox/",
        "/tips/t/ABC123/",
    ):
        assert not robots.can_fetch("Baiduspider", f"{SITE}{private}"), private
    sitemap = etree.fromstring(public.get("/sitemap.xml").content)
    for loc in sitemap.xpath("//s:url/s:loc/text()", namespaces=SITEMAP):
        assert robots.can_fetch("Baiduspider", loc), loc


def test_the_sitemap_lists_public_events_but_not_members_or_cancelled_ones(officer, public) -> None:
    starts = timezone.now() + dt.timedelta(days=3)
    event = {
        "kind": Event.Kind.OPEN_DAY,
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
    }
    event |= {"place_name": "城关派出所", "capacity": 30}
    open_day = events.save_event(
        actor=officer, title="警营开放日", audience=Event.Audience.PUBLIC, **event
    )
    training = events.save_event(
        actor=officer, title="应急救护培训", audience=Event.Audience.MEMBERS, **event
    )
    called_off = events.save_event(
        actor=officer, title="反诈宣传", audience=Event.Audience.PUBLIC, **event
    )
    events.cancel_event(event=called_off, actor=officer, reason="暴雨")
    sitemap = etree.fromstring(public.get("/sitemap.xml").content)
    locations = sitemap.xpath("//s:url/s:loc/text()", namespaces=SITEMAP)
    assert f"{SITE}{reverse('events:list')}" in locations
    assert f"{SITE}{open_day.get_absolute_url()}" in locations
    assert f"{SITE}{training.get_absolute_url()}" not in locations
    assert f"{SITE}{called_off.get_absolute_url()}" not in locations
