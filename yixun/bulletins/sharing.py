"""The share pack of a bulletin: what a writer pastes into the association's WeChat and QQ groups
and its Weibo account, a poster for phones, and the checklist of where it went.

Nobody may post there for the association automatically (the platforms' terms, and the police's
wish that a person answers for each post), so Yixun posts nothing: it hands a person texts ready
to paste and a poster to send, and keeps their word that they posted it, with the post's link.

The texts and the poster are in the site's language (Chinese), whatever the writer's page is
in: the groups and the account are read by the public, in Chinese."""

import io
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from PIL import Image, ImageDraw, ImageFont

from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.bulletins.cap import plain_text, publisher_name
from yixun.bulletins.models import Bulletin, BulletinChange, Kind, SharePost
from yixun.bulletins.services import BulletinRefused, NotAllowed, may_write
from yixun.lib.errors import Conflict
from yixun.lib.links import absolute
from yixun.places.posters import FONT_FILE

Channel = SharePost.Channel

# What each place takes. WeChat and QQ groups cut long messages into pieces or fold them; Weibo
# takes 2,000 characters but counts by its own rules (two Latin letters as one, a link as a set
# length): counting every character as one, with a margin, keeps us inside however it counts.
LIMITS: dict[str, int] = {Channel.WECHAT: 1000, Channel.WEIBO: 2000, Channel.QQ: 1000}
WEIBO_MARGIN = 100
# How much of the text a post carries: a group reads a few lines and taps the link for the rest.
EXCERPT: dict[str, int] = {Channel.WECHAT: 200, Channel.WEIBO: 1500, Channel.QQ: 200}


def budget(channel: str) -> int:
    """The most characters a text for this channel may have, margin included."""
    return LIMITS[channel] - (WEIBO_MARGIN if channel == Channel.WEIBO else 0)


def has_share_pack(bulletin: Bulletin) -> bool:
    """Only what has gone out to the public is shared outside: a draft, a scheduled bulletin or
    one for members only never is."""
    return bulletin.is_out and bulletin.to_public


def page_url(bulletin: Bulletin) -> str:
    """The bulletin's public page, as a person reaches it from a group or a scanned poster."""
    return absolute(reverse("bulletins:detail", args=[bulletin.pk]))


# The texts


@dataclass(frozen=True)
class ShareText:
    channel: str
    label: str
    text: str

    @property
    def limit(self) -> int:
        return LIMITS[self.channel]


def last_change(bulletin: Bulletin) -> BulletinChange | None:
    """The change that made the current revision, if there was one."""
    if not bulletin.revision:
        return None
    return bulletin.changes.filter(revision=bulletin.revision).first()


def _is_closed_alert(bulletin: Bulletin) -> bool:
    return bulletin.kind == Kind.URGENT and bulletin.is_withdrawn


def _marker(bulletin: Bulletin, change: BulletinChange | None) -> str:
    """【更正】, 【撤回】 or, for an urgent alert that was closed, 【已找到】; nothing for the first
    revision."""
    if _is_closed_alert(bulletin):
        found = pgettext("closed urgent alert", "Found")
        return f"【{found}】"
    if bulletin.is_withdrawn:
        return f"【{BulletinChange.Kind.CANCEL.label}】"
    if change is not None:
        return f"【{BulletinChange.Kind.UPDATE.label}】"
    return ""


def _shorten(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    if room <= 1:
        return ""
    return text[: room - 1].rstrip() + "…"


def _body(bulletin: Bulletin) -> str:
    """The text as plain text, paragraphs kept, no Markdown marks; none once it was withdrawn
    (a closed urgent alert keeps the person's description out of every copy)."""
    if bulletin.is_withdrawn:
        return ""
    return plain_text(bulletin)


def _compose(channel: str, bulletin: Bulletin) -> str:
    change = last_change(bulletin)
    link = page_url(bulletin)
    heading = f"{_marker(bulletin, change)}【{bulletin.title}】"
    signature = f"—— {publisher_name()}"
    if channel == Channel.WEIBO:  # the topic first, the link last, as Weibo posts read
        heading = f"#{bulletin.get_kind_display()}#{heading}"
        tail = [signature, link]
    else:
        tail = [_("Full text: %(link)s") % {"link": link}, signature]
    fixed = len(heading) + sum(len(part) + 1 for part in tail)  # each part on a line of its own
    note = change.note if change is not None else ""
    note = _shorten(note, budget(channel) - fixed - 1)  # only a very long title and note together
    room = budget(channel) - fixed - (len(note) + 1 if note else 0) - 1
    excerpt = _shorten(_body(bulletin), min(room, EXCERPT[channel]))
    return "\n".join(part for part in (heading, note, excerpt, *tail) if part)


def share_texts(bulletin: Bulletin) -> list[ShareText]:
    """The text for each channel, in the site's language, each within its channel's limit."""
    with translation.override(settings.LANGUAGE_CODE):
        return [
            ShareText(channel=value, label=str(label), text=_compose(value, bulletin))
            for value, label in Channel.choices
        ]


# The poster

WIDTH, HEIGHT = 1080, 1440
MARGIN = 72
BAND: dict[str, tuple[int, int, int]] = {
    Kind.ALERT: (192, 40, 40),
    Kind.URGENT: (200, 90, 0),
    Kind.ADVICE: (20, 110, 70),
    Kind.NOTICE: (30, 80, 160),
}
WITHDRAWN = (110, 110, 110)
FOUND = (30, 130, 70)
INK = (25, 25, 25)
GREY = (95, 95, 95)


@cache
def _font(size: int) -> Any:
    """WenQuanYi Micro Hei, the font the PDF posters embed: every phone shows the same picture."""
    if not FONT_FILE.exists():
        raise RuntimeError(f"{FONT_FILE} is missing: install Debian's fonts-wqy-microhei")
    return ImageFont.truetype(str(FONT_FILE), size, index=0)


def wrap(text: str, font: Any, width: int) -> list[str]:
    """Lines no wider than `width`: Chinese breaks between any two characters; a Latin word is
    kept whole unless it alone is too wide (a link)."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for piece in re.findall(r"[A-Za-z0-9@#%&+\-_.,:;/?=!'\"()]+ ?|.", paragraph):
            if font.getlength(line + piece) <= width:
                line += piece
                continue
            if line:
                lines.append(line.rstrip())
            line = piece
            while font.getlength(line) > width:  # a word wider than the line is cut
                cut = len(line) - 1
                while cut > 1 and font.getlength(line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _draw_lines(
    draw: ImageDraw.ImageDraw, lines: list[str], *, top: int, bottom: int, size: int, fill: Any,
    width: int = WIDTH - 2 * MARGIN, left: int = MARGIN, bold: bool = False,
) -> int:  # fmt: skip
    """Draw what fits above `bottom`, the last line ending in "…" if some did not; returns the
    height used."""
    font, step = _font(size), int(size * 1.45)
    fits = max(0, (bottom - top) // step)
    if len(lines) > fits and fits:
        last = lines[fits - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[: fits - 1], last + "…"]
    for number, line in enumerate(lines[:fits]):
        draw.text(
            (left, top + number * step), line, font=font, fill=fill, stroke_width=1 if bold else 0,
            stroke_fill=fill,
        )  # fmt: skip
    return min(len(lines), fits) * step


def _qr(link: str, side: int) -> Image.Image:
    """The page's QR code, square and sharp (whole pixels per module), as large as fits."""
    code = segno.make(link, error="q")
    modules = code.symbol_size(scale=1, border=4)[0]
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(1, side // modules), border=4)
    out.seek(0)
    return Image.open(out).convert("RGB")


def _photo(bulletin: Bulletin, box: tuple[int, int]) -> Image.Image | None:
    """The first photo, shrunk to the box; none once an urgent alert is closed."""
    first = bulletin.photos.first() if bulletin.shows_details else None
    if first is None:
        return None
    try:
        with first.image.open("rb") as stored:
            picture = Image.open(stored).convert("RGB")
    except (OSError, ValueError):  # a photo gone from storage: the poster goes without it
        return None
    picture.thumbnail(box)
    return picture


def poster_png(bulletin: Bulletin) -> bytes:
    """A 1080×1440 poster for phones: the kind as a band, the title, the first lines of the text
    (or of the correction or withdrawal), the association's name and a QR code to the page."""
    with translation.override(settings.LANGUAGE_CODE):
        return _poster(bulletin)


def _poster(bulletin: Bulletin) -> bytes:
    change = last_change(bulletin)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN

    # The band: the kind, and whether this is a correction, a withdrawal or a closed alert.
    band = BAND.get(bulletin.kind, BAND[Kind.NOTICE])
    if bulletin.is_withdrawn:
        band = FOUND if _is_closed_alert(bulletin) else WITHDRAWN
    draw.rectangle((0, 0, WIDTH, 170), fill=band)
    marker = _marker(bulletin, change)
    draw.text((MARGIN, 85), marker + bulletin.get_kind_display(), font=_font(64), fill="white",
              anchor="lm", stroke_width=1, stroke_fill="white")  # fmt: skip

    # The foot: the QR code, what it is for, and who says so.
    qr_side, foot = 340, HEIGHT - 340 - MARGIN
    code = _qr(page_url(bulletin), qr_side)
    image.paste(code, (WIDTH - MARGIN - code.width + 24, HEIGHT - MARGIN - code.height + 24))
    draw.line((MARGIN, foot - 30, WIDTH - MARGIN, foot - 30), fill=(210, 210, 210), width=3)
    beside = WIDTH - 2 * MARGIN - code.width
    y = foot + 10
    y += _draw_lines(draw, wrap(publisher_name(), _font(44), beside), top=y, bottom=y + 130,
                     size=44, fill=INK, width=beside, bold=True)  # fmt: skip
    published = timezone.localtime(bulletin.published_at or timezone.now())
    y += _draw_lines(draw, [published.strftime("%Y-%m-%d %H:%M")], top=y + 10, bottom=y + 80,
                     size=34, fill=GREY, width=beside)  # fmt: skip
    _draw_lines(draw, wrap(_("Scan the code for the full text"), _font(34), beside), top=y + 30,
                bottom=HEIGHT - MARGIN, size=34, fill=GREY, width=beside)  # fmt: skip

    # The title, then the photo and the text in what room is left.
    y = 170 + 56
    y += _draw_lines(draw, wrap(bulletin.title, _font(64), width), top=y, bottom=y + 3 * 93,
                     size=64, fill=INK, bold=True)  # fmt: skip
    y += 30
    if change is not None:
        y += _draw_lines(draw, wrap(change.note, _font(42), width), top=y, bottom=y + 3 * 61,
                         size=42, fill=band, bold=True)  # fmt: skip
        y += 20
    photo = _photo(bulletin, (width, max(0, (foot - 60 - y) // 2)))
    if photo is not None and photo.height > 80:
        image.paste(photo, ((WIDTH - photo.width) // 2, y))
        y += photo.height + 30
    body = _body(bulletin)
    if body:
        _draw_lines(draw, wrap(body, _font(42), width), top=y, bottom=foot - 60, size=42,
                    fill=INK)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# The checklist


def check_link(link: str) -> str:
    """A post's link: empty, or an http(s) address (never javascript: or data:, which the page
    would offer to the next person as a link to click)."""
    link = link.strip()
    if not link:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        raise BulletinRefused(
            _("The link must be a web address starting with http:// or https://."),
            code="bad_link",
        ) from None
    if len(link) > SharePost._meta.get_field("link").max_length:  # type: ignore[operator]
        raise BulletinRefused(_("The link is too long."), code="bad_link")
    return link


def record_share_post(*, actor: User, bulletin: Bulletin, channel: str, link: str) -> SharePost:
    """Keep a writer's word that they posted this revision of the bulletin to a channel, with the
    post's link if they have one. Said again, it changes the link: one row per bulletin, channel
    and revision, so a correction (a new revision) is ticked again when it is posted."""
    if not may_write(actor):
        raise NotAllowed(_("Only moderators, police liaisons and officers share bulletins."))
    if channel not in Channel.values:
        raise BulletinRefused(_("Choose where it was posted."), code="bad_channel")
    link = check_link(link)
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if not has_share_pack(locked):
            raise Conflict(
                _("Only a bulletin that went out to the public is shared."), code="not_public"
            )
        post, created = SharePost.objects.get_or_create(
            bulletin=locked, channel=channel, revision=locked.revision,
            defaults={"link": link, "posted_by": actor},
        )  # fmt: skip
        if not created and link and link != post.link:
            post.link = link
            post.save(update_fields=["link"])
        audit.record(
            actor=actor,
            action="bulletins.share_post.recorded",
            target=post,
            data={
                "title": locked.title,
                "channel": channel,
                "revision": locked.revision,
                "link": post.link,
            },
        )
    return post


def checklist(bulletin: Bulletin) -> list[tuple[ShareText, SharePost | None]]:
    """Each channel's text beside this revision's post there, or None where nobody posted yet."""
    posts = {
        post.channel: post
        for post in bulletin.share_posts.filter(revision=bulletin.revision).select_related(
            "posted_by"
        )
    }
    return [(text, posts.get(text.channel)) for text in share_texts(bulletin)]


def earlier_posts(bulletin: Bulletin) -> list[SharePost]:
    """Posts of earlier revisions: what was posted before a correction, still out there."""
    return list(
        bulletin.share_posts.filter(revision__lt=bulletin.revision)
        .select_related("posted_by")
        .order_by("-revision", "channel")
    )
