"""The share pack: texts to paste into WeChat and QQ groups and on Weibo, the poster, and the
checklist of who posted where."""

import io

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from yixun.audit.models import AuditEntry
from yixun.audit.sentences import describe
from yixun.bulletins import services, sharing
from yixun.bulletins.models import Kind, SharePost

pytestmark = pytest.mark.django_db

SITE = "https://yixun.example.org"
ASSOCIATION = "城关网友义务巡逻协会"


@pytest.fixture(autouse=True)
def site(settings):
    settings.YIXUN_SITE_URL = SITE
    settings.YIXUN_ASSOCIATION_NAME = ASSOCIATION


def page_of(bulletin) -> str:
    return SITE + reverse("bulletins:detail", args=[bulletin.pk])


def texts_of(bulletin) -> dict[str, str]:
    return {text.channel: text.text for text in sharing.share_texts(bulletin)}


LONG_BODY = "\n\n".join(
    f"## 第{n}条\n\n"
    + "冒充**公检法**的电话，一律挂断。[反诈中心](https://example.org/) 切勿转账。" * 3
    for n in range(300)
)


def test_the_texts_fit_each_channel_and_carry_the_link_and_tag(moderator, police, publish):
    bulletin = publish(moderator, police, title="近" * 120, body=LONG_BODY)
    texts = texts_of(bulletin)
    assert set(texts) == {"wechat", "weibo", "qq"}
    assert len(texts["wechat"]) <= 1000 and len(texts["qq"]) <= 1000
    assert len(texts["weibo"]) <= 2000 - sharing.WEIBO_MARGIN
    for text in texts.values():
        assert page_of(bulletin) in text
        assert "**" not in text and "##" not in text and "](" not in text  # plain text
        assert "冒充公检法的电话" in text  # the excerpt, Markdown gone
        assert ASSOCIATION in text
    assert texts["wechat"].startswith(f"【{bulletin.title}】\n")
    assert texts["weibo"].startswith(f"#警情通报#【{bulletin.title}】")
    assert texts["weibo"].endswith(page_of(bulletin))
    # A long text is cut, not pasted whole.
    assert "第299条" not in texts["weibo"] and "…" in texts["wechat"]


def test_the_weibo_tag_follows_the_kind(moderator, police, publish):
    advice = publish(moderator, police, kind=Kind.ADVICE, title="冬季防火")
    assert texts_of(advice)["weibo"].startswith("#防范提示#【冬季防火】")


def test_a_correction_is_marked_and_says_what_changed(moderator, police, publish):
    bulletin = publish(moderator, police, title="盗窃警情")
    services.correct_bulletin(
        actor=moderator, bulletin=bulletin, title="盗窃警情", body="嫌疑人身穿黑色外套。",
        note="衣服颜色有误，应为黑色",
    )  # fmt: skip
    bulletin.refresh_from_db()
    texts = texts_of(bulletin)
    assert texts["wechat"].startswith("【更正】【盗窃警情】\n衣服颜色有误，应为黑色\n")
    assert texts["weibo"].startswith("#警情通报#【更正】【盗窃警情】")
    assert "黑色外套" in texts["qq"]


def test_a_correction_with_the_longest_note_still_fits(moderator, police, publish):
    bulletin = publish(moderator, police, title="近" * 120, body=LONG_BODY)
    services.correct_bulletin(
        actor=moderator, bulletin=bulletin, title="近" * 120, body=LONG_BODY, note="改" * 500
    )
    bulletin.refresh_from_db()
    for text in sharing.share_texts(bulletin):
        assert len(text.text) <= sharing.budget(text.channel) <= text.limit
        assert page_of(bulletin) in text.text and "改" * 100 in text.text


def test_a_withdrawal_keeps_the_text_out(moderator, police, publish):
    bulletin = publish(moderator, police, title="盗窃警情", body="嫌疑人身穿黑色外套。")
    services.withdraw_bulletin(actor=moderator, bulletin=bulletin, note="经核实系误报")
    bulletin.refresh_from_db()
    for text in texts_of(bulletin).values():
        assert "【撤回】【盗窃警情】" in text and "经核实系误报" in text
        assert "黑色外套" not in text and page_of(bulletin) in text


def test_a_closed_urgent_alert_says_found_and_nothing_of_the_person(police, write):
    alert = write(police, kind=Kind.URGENT, title="紧急寻人", body="走失老人，身穿蓝色上衣")
    services.send_at_once(actor=police, bulletin=alert)
    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    alert.refresh_from_db()
    with translation.override("zh-hans"):
        found = translation.pgettext("closed urgent alert", "Found")
    for text in texts_of(alert).values():
        assert f"【{found}】【紧急寻人】" in text and "已找到，谢谢大家" in text
        assert "蓝色上衣" not in text and "【撤回】" not in text


# The poster


def decode(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_poster_is_a_png_whose_qr_code_opens_the_page(login, moderator, police, publish):
    bulletin = publish(moderator, police, title="近期电信诈骗高发" * 8, body=LONG_BODY)
    response = login(moderator).get(reverse("bulletins:share_poster", args=[bulletin.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    png = response.content
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1080, 1440)
    assert decode(png) == [page_of(bulletin)]


def blue_pixels(png: bytes) -> int:
    """Pixels of the blue test photo: the poster itself draws nothing blue."""
    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for red, green, blue in pixels if blue > 200 and red < 60 and green < 60)


def test_a_closed_urgent_alerts_poster_has_no_photo(police, write, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (0, 0, 255)).save(out, format="JPEG")
    alert = write(
        police, kind=Kind.URGENT, title="紧急寻人", body="走失老人，身穿蓝色上衣",
        photos=[SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")],
    )  # fmt: skip
    services.send_at_once(actor=police, bulletin=alert)
    assert blue_pixels(sharing.poster_png(alert)) > 10_000
    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    alert.refresh_from_db()
    closed = sharing.poster_png(alert)
    assert blue_pixels(closed) == 0
    assert decode(closed) == [page_of(alert)]


# The page and the checklist


def test_only_writers_open_the_pack_and_only_of_what_went_out_to_the_public(
    login, public, volunteer, moderator, police, officer, publish, write
):
    out = publish(moderator, police)
    draft = write(moderator)
    members_only = publish(moderator, police, to_public=False, to_members=True)
    share = reverse("bulletins:share", args=[out.pk])
    for name in ("share", "share_poster"):
        assert login(volunteer).get(reverse(f"bulletins:{name}", args=[out.pk])).status_code == 403
        assert public.get(reverse(f"bulletins:{name}", args=[out.pk])).status_code == 302
    for hidden in (draft, members_only):
        for name in ("share", "share_poster"):
            path = reverse(f"bulletins:{name}", args=[hidden.pk])
            assert login(moderator).get(path).status_code == 404
    for writer in (moderator, police, officer):
        page = login(writer).get(share).content.decode()
        assert 'data-testid="text-wechat"' in page and 'data-testid="poster"' in page
    assert (
        login(volunteer)
        .post(reverse("bulletins:share_posted", args=[out.pk]), {"channel": "wechat", "link": ""})
        .status_code
        == 403
    )
    assert not SharePost.objects.exists()


def test_a_post_is_ticked_once_and_its_link_updated(login, moderator, police, officer, publish):
    bulletin = publish(moderator, police, title="盗窃警情")
    posted = reverse("bulletins:share_posted", args=[bulletin.pk])
    share = reverse("bulletins:share", args=[bulletin.pk])
    response = login(moderator).post(posted, {"channel": "weibo", "link": ""})
    assert response.url == share
    page = login(officer).get(share).content.decode()
    assert 'data-testid="posted-weibo"' in page and moderator.name in page
    assert 'data-testid="posted-wechat"' not in page
    link = "https://weibo.com/1234567890/Abcdef"
    login(moderator).post(posted, {"channel": "weibo", "link": link})
    post = SharePost.objects.get()
    assert (post.channel, post.revision, post.link, post.posted_by) == (
        "weibo", 0, link, moderator,
    )  # fmt: skip
    assert f'href="{link}"' in login(officer).get(share).content.decode()
    entries = AuditEntry.objects.filter(action="bulletins.share_post.recorded")
    assert entries.count() == 2
    with translation.override("en"):
        sentence = describe([entries.last()])[0].sentence
    assert "盗窃警情" in sentence and "Weibo" in sentence and moderator.name in sentence


def test_a_correction_is_ticked_again(login, moderator, police, publish):
    bulletin = publish(moderator, police, title="盗窃警情")
    posted = reverse("bulletins:share_posted", args=[bulletin.pk])
    login(moderator).post(posted, {"channel": "qq", "link": "https://qun.qq.com/1"})
    services.correct_bulletin(
        actor=moderator, bulletin=bulletin, title="盗窃警情", body="更正后", note="时间有误"
    )
    page = login(moderator).get(reverse("bulletins:share", args=[bulletin.pk])).content.decode()
    assert 'data-testid="posted-qq"' not in page and 'data-testid="earlier"' in page
    login(moderator).post(posted, {"channel": "qq", "link": ""})
    assert sorted(SharePost.objects.values_list("revision", flat=True)) == [0, 1]


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/x", "weibo.com/x"]
)
def test_a_bad_link_is_refused_with_a_message(login, moderator, police, publish, link):
    bulletin = publish(moderator, police)
    response = login(moderator).post(
        reverse("bulletins:share_posted", args=[bulletin.pk]),
        {"channel": "wechat", "link": link},
        follow=True,
    )
    page = response.content.decode()
    assert 'class="error"' in page and ("http://" in page and "https://" in page)
    assert f'href="{link}"' not in page
    assert not SharePost.objects.exists()
    assert not AuditEntry.objects.filter(action="bulletins.share_post.recorded").exists()


def test_an_unknown_channel_is_refused(moderator, police, publish):
    bulletin = publish(moderator, police)
    with pytest.raises(services.BulletinRefused):
        sharing.record_share_post(actor=moderator, bulletin=bulletin, channel="douyin", link="")
    assert not SharePost.objects.exists()
