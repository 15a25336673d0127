"""A bulletin's photos (several, at most six, each stored without EXIF, each behind the
bulletin's own door) and an urgent alert's "last seen": on the page, in CAP, in the share
texts and through the API."""

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree
from PIL import Image

from yixun.accounts.models import User
from yixun.bulletins import services, sharing
from yixun.bulletins.models import Bulletin, BulletinPhoto, Kind, Status
from yixun.bulletins.services import MOST_PHOTOS

pytestmark = pytest.mark.django_db

SCHEMA = etree.XMLSchema(etree.parse(Path(__file__).parents[1] / "standards" / "CAP-v1.2.xsd"))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
MAKER = 0x010F  # EXIF's "Make": a phone writes its maker here, and its GPS position beside it


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(colour: tuple[int, int, int] = (0, 0, 255), *, name: str = "photo.jpg") -> ContentFile:
    """A phone's photo, EXIF and all."""
    exif = Image.Exif()
    exif[MAKER] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in out.getvalue()
    return ContentFile(out.getvalue(), name=name)


def uploads(count: int) -> list[ContentFile]:
    return [jpeg((0, 0, 40 * n % 256), name=f"p{n}.jpg") for n in range(count)]


def fields(**more: object) -> dict[str, object]:
    return {"kind": "urgent", "title": "紧急寻人：走失老人", "body": "身穿蓝色上衣。"} | {
        "to_public": "on",
        **more,
    }


def urls(bulletin: Bulletin) -> list[str]:
    return [photo.get_absolute_url() for photo in bulletin.photos.all()]


def refused_for_too_many(page: str) -> bool:
    return str(MOST_PHOTOS) in page and ("at most" in page or "最多" in page)


def test_photos_from_the_write_page_are_stored_clean_and_shown_to_whoever_may_see_it(
    login, public: Client, police: User, officer: User, volunteer: User
) -> None:
    writer = login(police)
    answer = writer.post(reverse("bulletins:write"), fields(photos=uploads(3)))
    bulletin = Bulletin.objects.get()
    assert answer.status_code == 302
    photos = list(bulletin.photos.all())
    assert [photo.position for photo in photos] == [0, 1, 2]
    for photo in photos:
        with photo.image.open("rb") as stored:
            data = stored.read()
        assert b"PhoneMaker" not in data
        assert not Image.open(io.BytesIO(data)).getexif()

    # A draft: its photos are the writers' only, like its page.
    page = writer.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert all(url in page for url in urls(bulletin))
    for url in urls(bulletin):
        assert writer.get(url).status_code == 200
        assert public.get(url).status_code == 404
        assert login(volunteer).get(url).status_code == 404

    services.send_at_once(actor=police, bulletin=bulletin)
    page = public.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert page.count('data-testid="photo"') == 3
    sighting = public.get(reverse("bulletins:sighting", args=[bulletin.pk])).content.decode()
    assert all(url in sighting for url in urls(bulletin))
    for url in urls(bulletin):
        answer = public.get(url)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"

    # Another bulletin's photo is not reached through this one's address.
    other = services.save_bulletin(
        actor=officer, kind=Kind.NOTICE, title="通知", body="正文", to_public=True,
        photos=[jpeg()],
    )  # fmt: skip
    stray = reverse("bulletins:photo", args=[bulletin.pk, other.photos.get().pk])
    assert public.get(stray).status_code == 404

    # Closed (found): no photo on the page, and none at its address.
    services.withdraw_bulletin(actor=police, bulletin=bulletin, note="已找到，谢谢大家")
    page = public.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert 'data-testid="photo"' not in page
    for url in urls(bulletin):
        assert public.get(url).status_code == 404
        assert writer.get(url).status_code == 404


def test_a_seventh_photo_is_refused_and_nothing_changes(login, police: User) -> None:
    writer = login(police)
    refused = writer.post(reverse("bulletins:write"), fields(photos=uploads(MOST_PHOTOS + 1)))
    assert refused.status_code == 200 and refused_for_too_many(refused.content.decode())
    assert not Bulletin.objects.exists() and not BulletinPhoto.objects.exists()

    writer.post(reverse("bulletins:write"), fields(photos=uploads(MOST_PHOTOS)))
    bulletin = Bulletin.objects.get()
    before = urls(bulletin)
    assert len(before) == MOST_PHOTOS
    edit = reverse("bulletins:edit", args=[bulletin.pk])
    refused = writer.post(edit, fields(title="改过的标题", photos=uploads(1)))
    assert refused.status_code == 200 and refused_for_too_many(refused.content.decode())
    bulletin.refresh_from_db()
    assert bulletin.title == "紧急寻人：走失老人" and urls(bulletin) == before


def test_a_writer_removes_a_photo_and_its_file_goes(
    login, police: User, media: Path, django_capture_on_commit_callbacks
) -> None:
    writer = login(police)
    writer.post(reverse("bulletins:write"), fields(photos=uploads(MOST_PHOTOS)))
    bulletin = Bulletin.objects.get()
    first, *rest = bulletin.photos.all()
    edit = reverse("bulletins:edit", args=[bulletin.pk])
    form = writer.get(edit).content.decode()
    assert f'name="remove_photos" value="{first.pk}"' in form

    # Taking one off leaves room for another in the same save.
    with django_capture_on_commit_callbacks(execute=True):
        answer = writer.post(edit, fields(remove_photos=[first.pk], photos=uploads(1)))
    assert answer.status_code == 302
    kept = list(bulletin.photos.all())
    assert len(kept) == MOST_PHOTOS and first.pk not in {photo.pk for photo in kept}
    assert kept[:-1] == rest and kept[-1].position == MOST_PHOTOS
    assert not (media / first.image.name).exists()
    assert all((media / photo.image.name).exists() for photo in kept)


def test_last_seen_is_written_on_the_page_and_shown_while_the_alert_stands(
    login, public: Client, police: User
) -> None:
    writer = login(police)
    form = writer.get(reverse("bulletins:write")).content.decode()
    assert 'name="last_seen_at"' in form and 'type="datetime-local"' in form
    assert 'name="last_seen_place"' in form
    writer.post(
        reverse("bulletins:write"),
        fields(last_seen_at="2026-03-05T09:30", last_seen_place="城关镇农贸市场"),
    )
    bulletin = Bulletin.objects.get()
    assert timezone.localtime(bulletin.last_seen_at).strftime("%H:%M") == "09:30"
    services.send_at_once(actor=police, bulletin=bulletin)
    page = public.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert "2026-03-05 09:30" in page and "城关镇农贸市场" in page
    texts = [text.text for text in sharing.share_texts(bulletin)]
    with translation.override("zh-hans"):
        line = bulletin.last_seen_text()
    assert all(line in text for text in texts)

    services.withdraw_bulletin(actor=police, bulletin=bulletin, note="已找到，谢谢大家")
    page = public.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert "城关镇农贸市场" not in page and 'data-testid="last-seen"' not in page


def test_other_kinds_keep_no_last_seen(police: User) -> None:
    bulletin = services.save_bulletin(
        actor=police, kind=Kind.ALERT, title="警情", body="正文", to_public=True,
        last_seen_at=timezone.now(), last_seen_place="某地",
    )  # fmt: skip
    assert bulletin.last_seen_at is None and bulletin.last_seen_place == ""
    assert bulletin.last_seen_text() == ""


def test_cap_carries_each_photo_and_the_last_seen_and_validates(
    public: Client, police: User
) -> None:
    seen = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    alert = services.save_bulletin(
        actor=police, kind=Kind.URGENT, title="紧急寻人", body="身穿蓝色上衣。", to_public=True,
        last_seen_at=seen, last_seen_place="城关镇农贸市场", photos=uploads(2),
    )  # fmt: skip
    services.send_at_once(actor=police, bulletin=alert)
    answer = public.get(reverse("bulletins:cap", args=[alert.pk]))
    root = etree.fromstring(answer.content)
    SCHEMA.assertValid(root)
    resources = root.findall("cap:info/cap:resource", NS)
    assert [r.findtext("cap:uri", namespaces=NS) for r in resources] == [
        f"http://testserver{url}" for url in urls(alert)
    ]
    assert {r.findtext("cap:mimeType", namespaces=NS) for r in resources} == {"image/jpeg"}
    assert all(r.findtext("cap:resourceDesc", namespaces=NS) for r in resources)
    with translation.override("zh-hans"):
        line = alert.last_seen_text()
    description = root.findtext("cap:info/cap:description", namespaces=NS) or ""
    assert description.startswith(line) and "城关镇农贸市场" in line
    assert timezone.localtime(seen).strftime("%Y-%m-%d %H:%M") in line

    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    root = etree.fromstring(public.get(reverse("bulletins:cap", args=[alert.pk])).content)
    SCHEMA.assertValid(root)
    assert root.find("cap:info/cap:resource", NS) is None
    assert "城关镇农贸市场" not in etree.tostring(root, encoding="unicode")


def test_the_api_lists_the_photos_and_the_last_seen(public: Client, police: User) -> None:
    seen = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    alert = services.save_bulletin(
        actor=police, kind=Kind.URGENT, title="紧急寻人", body="身穿蓝色上衣。", to_public=True,
        last_seen_at=seen, last_seen_place="城关镇农贸市场", photos=uploads(2),
    )  # fmt: skip
    services.send_at_once(actor=police, bulletin=alert)
    body = public.get(f"/api/v1/bulletins/{alert.pk}").json()
    assert [photo["url"] for photo in body["photos"]] == [
        f"http://testserver{url}" for url in urls(alert)
    ]
    assert dt.datetime.fromisoformat(body["last_seen_at"]) == seen
    assert body["last_seen_place"] == "城关镇农贸市场"
    listed = public.get("/api/v1/bulletins").json()["items"]
    assert [item["photos"] for item in listed] == [body["photos"]]

    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    body = public.get(f"/api/v1/bulletins/{alert.pk}").json()
    assert body["photos"] == [] and body["last_seen_at"] is None
    assert body["last_seen_place"] == "" and body["status"] == Status.WITHDRAWN


def test_the_api_writes_the_last_seen_and_keeps_the_photos(login, police: User) -> None:
    bulletin = services.save_bulletin(
        actor=police, kind=Kind.URGENT, title="紧急寻人", body="身穿蓝色上衣。", to_public=True,
        photos=uploads(1),
    )  # fmt: skip
    answer = login(police).put(
        f"/api/v1/bulletins/{bulletin.pk}",
        {
            "kind": "urgent", "title": "紧急寻人", "body": "身穿蓝色上衣。", "to_public": True,
            "last_seen_at": "2026-03-05T09:30:00+08:00", "last_seen_place": "城关镇农贸市场",
        },
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["last_seen_place"] == "城关镇农贸市场" and len(body["photos"]) == 1
    assert dt.datetime.fromisoformat(body["last_seen_at"]) == dt.datetime(
        2026, 3, 5, 1, 30, tzinfo=dt.UTC
    )
