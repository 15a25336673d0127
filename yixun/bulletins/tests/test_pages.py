"""The bulletins' pages, as each person reaches them."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from yixun.bulletins.models import Bulletin, InboxItem, Kind, Status

pytestmark = pytest.mark.django_db


def test_the_public_reads_public_bulletins_and_no_draft(
    public, moderator, police, publish, write, django_assert_max_num_queries
):
    out = publish(moderator, police, title="警惕冒充客服退款诈骗")
    members_only = publish(moderator, police, title="队内通报", to_public=False, to_members=True)
    draft = write(moderator, title="尚未审核的草稿")
    with django_assert_max_num_queries(4):
        page = public.get(reverse("bulletins:list")).content.decode()
    assert out.title in page
    assert members_only.title not in page and draft.title not in page
    assert public.get(reverse("bulletins:detail", args=[out.pk])).status_code == 200
    for hidden in (members_only, draft):
        assert public.get(reverse("bulletins:detail", args=[hidden.pk])).status_code == 404


def test_the_list_filters_by_kind(public, moderator, police, officer, publish):
    publish(moderator, police, title="警情一")
    publish(moderator, officer, kind=Kind.NOTICE, title="协会通知一")
    page = public.get(reverse("bulletins:list"), {"kind": "notice"}).content.decode()
    assert "协会通知一" in page and "警情一" not in page


def test_a_volunteer_cannot_open_the_desk_or_write(login, volunteer):
    client = login(volunteer)
    assert client.get(reverse("bulletins:desk")).status_code == 403
    response = client.post(reverse("bulletins:write"), {"kind": "alert", "title": "t", "body": "b"})
    assert response.status_code == 403
    assert not Bulletin.objects.exists()


def test_a_moderator_writes_and_a_liaison_approves_on_the_pages(
    login, moderator, police, volunteer
):
    writer = login(moderator)
    response = writer.post(
        reverse("bulletins:write"),
        {"kind": "alert", "title": "夜间盗窃电动车警情", "body": "请锁好车辆。", "to_public": "on"},
    )
    bulletin = Bulletin.objects.get()
    assert response.url == reverse("bulletins:detail", args=[bulletin.pk])
    writer.post(reverse("bulletins:act", args=[bulletin.pk, "submit"]))
    page = login(police).get(reverse("bulletins:desk")).content.decode()
    assert "夜间盗窃电动车警情" in page
    # The writer is not offered the approval, and a post of it is refused with a message.
    assert 'data-testid="approve"' not in writer.get(response.url).content.decode()
    refused = writer.post(reverse("bulletins:act", args=[bulletin.pk, "approve"]), follow=True)
    assert (
        "You may not approve" in refused.content.decode()
        or "您不能批准" in refused.content.decode()
    )
    assert Bulletin.objects.get().status == Status.SUBMITTED
    login(police).post(reverse("bulletins:act", args=[bulletin.pk, "approve"]))
    assert Bulletin.objects.get().status == Status.PUBLISHED
    assert InboxItem.objects.filter(user=volunteer, bulletin=bulletin).exists()


def test_bad_input_changes_nothing_and_says_why(login, moderator):
    page = login(moderator).post(
        reverse("bulletins:write"),
        {"kind": "alert", "title": "t", "body": "b", "circle_latitude": "30.1"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "errorlist" in text
    assert not Bulletin.objects.exists()
    page = login(moderator).post(
        reverse("bulletins:write"), {"kind": "alert", "title": "t", "body": "b"}
    )
    assert "errorlist" in page.content.decode()  # no audience chosen
    assert not Bulletin.objects.exists()


def test_the_inbox_shows_the_unread_count_and_reading_clears_it(
    login, moderator, police, volunteer, publish, django_assert_max_num_queries
):
    bulletin = publish(moderator, police, title="防范电信诈骗提示")
    client = login(volunteer)
    home = client.get("/").content.decode()
    assert 'data-testid="unread"' in home
    with django_assert_max_num_queries(12):
        inbox = client.get(reverse("bulletins:inbox")).content.decode()
    assert "防范电信诈骗提示" in inbox and 'data-testid="unread-mark"' in inbox
    client.get(reverse("bulletins:detail", args=[bulletin.pk]))
    assert InboxItem.objects.get(user=volunteer).read_at is not None
    assert 'data-testid="unread"' not in client.get(reverse("bulletins:inbox_now")).content.decode()


def test_an_urgent_alert_is_a_banner_on_every_page_until_read(login, police, volunteer, write):
    from yixun.bulletins import services

    alert = write(police, kind=Kind.URGENT, title="紧急寻人：走失老人")
    services.send_at_once(actor=police, bulletin=alert)
    client = login(volunteer)
    for path in ("/", reverse("shifts:mine"), reverse("bulletins:inbox_now")):
        assert 'data-testid="urgent-banner"' in client.get(path).content.decode()
    client.get(reverse("bulletins:detail", args=[alert.pk]))
    assert 'data-testid="urgent-banner"' not in client.get("/").content.decode()


def test_a_closed_urgent_alert_shows_neither_photo_nor_description(
    public, police, write, settings, tmp_path
):
    from yixun.bulletins import services

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 255)).save(picture, format="JPEG")
    alert = write(
        police, kind=Kind.URGENT, title="寻人", body="身穿蓝色上衣，身高一米六",
        photos=[ContentFile(picture.getvalue(), name="photo.jpg")],
    )  # fmt: skip
    photo = reverse("bulletins:photo", args=[alert.pk, alert.photos.get().pk])
    services.send_at_once(actor=police, bulletin=alert)
    assert public.get(photo).status_code == 200
    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    page = public.get(reverse("bulletins:detail", args=[alert.pk])).content.decode()
    assert "已找到，谢谢大家" in page and "蓝色上衣" not in page and photo not in page
    assert public.get(photo).status_code == 404
