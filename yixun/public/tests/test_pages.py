"""Every public page opens for the public, without an account, and shows what it is for."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yixun.members.models import PartnerOrganisation, RulebookDocument, RulebookVersion
from yixun.public.models import PublicSite

PAGES = [
    "home",
    "public:about",
    "public:squads",
    "public:partners",
    "public:contact",
    "public:figures",
]


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_for_the_public(db, public: Client, name: str) -> None:
    page = public.get(reverse(name))
    assert page.status_code == 200
    assert "<h1" in page.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_for_a_member_too(volunteer, login, name: str) -> None:
    assert login(volunteer).get(reverse(name)).status_code == 200


def test_each_page_has_its_own_description(db, public: Client) -> None:
    found = set()
    for name in PAGES:
        html = public.get(reverse(name)).content.decode()
        [description] = re.findall(r'<meta name="description" content="([^"]*)">', html)
        assert description.strip()
        found.add(description)
    assert len(found) == len(PAGES)


def test_the_about_page_shows_the_current_charter(db, public: Client) -> None:
    charter = RulebookDocument.objects.create(kind=RulebookDocument.Kind.CHARTER, title="协会章程")
    RulebookVersion.objects.create(document=charter, number=1, body="第一条 旧的宗旨。")
    RulebookVersion.objects.create(document=charter, number=2, body="第一条 **新的**宗旨。")
    notice = RulebookDocument.objects.create(
        kind=RulebookDocument.Kind.MEMBERSHIP_NOTICE, title="入会须知"
    )
    RulebookVersion.objects.create(document=notice, number=1, body="须知正文")
    site = PublicSite.current()
    site.about_extra = "我们成立于 *2011 年*。"
    site.save()
    html = public.get(reverse("public:about")).content.decode()
    assert "<strong>新的</strong>宗旨" in html
    assert "旧的宗旨" not in html and "须知正文" not in html
    assert "<em>2011 年</em>" in html


def test_the_about_page_without_a_charter_says_so(db, public: Client) -> None:
    page = public.get(reverse("public:about"))
    assert 'data-testid="no-charter"' in page.content.decode()


def test_the_texts_are_markdown_made_safe(db, public: Client) -> None:
    site = PublicSite.current()
    site.intro = "欢迎 <script>alert(1)</script> [链接](javascript:alert(1))"
    site.contact = "地址：城关镇人民路 1 号\n\n电话：[0710-1234567](tel:07101234567)"
    site.save()
    home = public.get("/").content.decode()
    assert "<script>alert(1)" not in home and 'href="javascript:' not in home
    contact = public.get(reverse("public:contact")).content.decode()
    assert 'href="tel:07101234567"' in contact


def test_blank_texts_fall_back_to_defaults_with_the_association_name(
    db, public: Client, settings
) -> None:
    settings.YIXUN_ASSOCIATION_NAME = "示范县网友义务巡逻协会"
    home = public.get("/").content.decode()
    assert "<strong>示范县网友义务巡逻协会</strong>" in home
    contact = public.get(reverse("public:contact")).content.decode()
    assert "示范县网友义务巡逻协会" in contact


def test_the_partners_show_name_and_kind_only(db, public: Client) -> None:
    PartnerOrganisation.objects.create(
        name="县法律援助热线",
        kind=PartnerOrganisation.Kind.LEGAL_AID,
        contact_name="孙律师",
        contact_phone="13912345678",
        notes="每月第一周联络",
    )
    html = public.get(reverse("public:partners"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "县法律援助热线" in html and "Legal aid" in html
    assert "孙律师" not in html and "13912345678" not in html and "每月第一周" not in html


def test_the_home_has_the_three_ways_in(db, public: Client) -> None:
    html = public.get("/").content.decode()
    assert f'href="{reverse("members:apply")}"' in html
    assert f'href="{reverse("tips:report")}"' in html
    assert f'action="{reverse("tips:find")}"' in html and 'name="code"' in html
    assert 'href="/accounts/login/"' in html
