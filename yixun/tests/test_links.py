"""Links that leave the app (messages, QR posters, calendar addresses) carry the address people
will actually reach: YIXUN_SITE_URL when it is set; otherwise the address the request came to,
for an allowed host only."""

import datetime as dt
import io

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from yixun.lib import links
from yixun.members.models import Member
from yixun.places.models import Area, Site
from yixun.shifts.services import planning

HOST = "yixun.example.org:8101"


@pytest.fixture(autouse=True)
def no_configured_address(settings) -> None:
    settings.YIXUN_SITE_URL = ""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "yixun.example.org", "testserver"]


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level="town")
    return Site.objects.create(
        name="城关一中", kind="school", area=town, latitude="30.6", longitude="114.3"
    )


def qr_text_of(png: bytes, candidates: list[str]) -> str:
    """Which of the candidate texts the QR picture encodes, module by module."""
    image = Image.open(io.BytesIO(png)).convert("L")
    scale, border = 12, 4
    for text in candidates:
        code = segno.make(text, error="q")
        if image.size != code.symbol_size(scale=scale, border=border):
            continue
        read = [
            [
                image.getpixel(
                    ((c + border) * scale + scale // 2, (r + border) * scale + scale // 2)
                )
                < 128
                for c in range(len(code.matrix[0]))
            ]
            for r in range(len(code.matrix))
        ]
        if read == [[bool(module) for module in row] for row in code.matrix]:
            return text
    raise AssertionError("the QR code holds none of the candidates")


def test_a_poster_carries_the_address_the_officer_reached(officer, school) -> None:
    client = Client(HTTP_HOST=HOST)
    client.force_login(officer)
    png = client.get(f"/sites/{school.pk}/poster.png").content
    path = reverse("places:check_in", args=[school.qr_token])
    assert qr_text_of(png, [f"http://{HOST}{path}", f"http://127.0.0.1:8000{path}"]) == (
        f"http://{HOST}{path}"
    )


def test_the_setting_wins_when_it_is_set(settings, officer, school) -> None:
    settings.YIXUN_SITE_URL = "https://yixun.county.gov.cn/"
    client = Client(HTTP_HOST=HOST)
    client.force_login(officer)
    png = client.get(f"/sites/{school.pk}/poster.png").content
    path = reverse("places:check_in", args=[school.qr_token])
    wanted = f"https://yixun.county.gov.cn{path}"
    assert qr_text_of(png, [f"http://{HOST}{path}", wanted]) == wanted


def test_a_host_that_is_not_allowed_gets_no_link(officer, school) -> None:
    client = Client(HTTP_HOST="evil.example.com")
    client.force_login(officer)
    assert client.get(f"/sites/{school.pk}/poster.png").status_code == 400


def test_a_message_sent_while_serving_a_request_links_to_that_address(
    officer, leader, volunteer, school, outbox
) -> None:
    shift = planning.create_shift(
        actor=officer,
        kind="patrol",
        starts_at=timezone.now() + dt.timedelta(days=2),
        ends_at=timezone.now() + dt.timedelta(days=2, hours=2),
        site=school,
        capacity=4,
        min_people=2,
    )
    client = Client(HTTP_HOST=HOST)
    client.force_login(leader)
    member = Member.objects.get(user=volunteer)
    client.post(f"/shifts/{shift.pk}/invite/", {"member": member.pk})
    (message,) = [m for m in outbox if m.to == volunteer.phone]
    assert f"http://{HOST}/invitations/" in message.body


def test_outside_a_request_the_laptops_address_is_the_fallback(settings) -> None:
    assert links.absolute("/duty/") == "http://127.0.0.1:8000/duty/"
    settings.PRODUCTION = True
    settings.ALLOWED_HOSTS = ["yixun.county.gov.cn"]
    assert links.absolute("/duty/") == "https://yixun.county.gov.cn/duty/"
