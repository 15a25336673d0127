"""The printable QR poster of a key site: the code volunteers scan to check in there."""

import io
from functools import cache
from pathlib import Path

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from yixun.places.models import Site

# One Chinese font for every PDF, embedded (stack-notes.md): WenQuanYi Micro Hei, from Debian's
# fonts-wqy-microhei. A reader's own Asian fonts (the STSong-Light of old) are not embedded:
# a phone or print shop without them drew boxes, and even with them the footer's "·" was missing.
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CHINESE_FONT = "WenQuanYiMicroHei"


@cache
def chinese_font() -> TTFont:
    """The poster font, registered once; a missing font file fails loudly, not with boxes."""
    if not FONT_FILE.exists():
        raise RuntimeError(f"{FONT_FILE} is missing: install Debian's fonts-wqy-microhei")
    font = TTFont(CHINESE_FONT, str(FONT_FILE), subfontIndex=0)
    pdfmetrics.registerFont(font)
    return font


def poster_texts(site: Site) -> dict[str, str]:
    """Every text the poster shows, in the language of the request."""
    return {
        "title": _("%(site)s · check-in code") % {"site": site.name},
        "heading": _("Volunteer patrol check-in"),
        "site": site.name,
        "address": site.address or site.area.full_name(),
        "volunteers": _(
            "Patrol volunteers: scan this code with your phone when you arrive on duty."
        ),
        "public": _("Members of the public: in an emergency call 110."),
        "footer": _("Site code %(id)s · a new poster replaces this one when the code is renewed")
        % {"id": site.pk},
    }


def qr_png(site: Site, *, scale: int = 12) -> bytes:
    """The site's QR code alone, large, with error correction enough for a weathered poster."""
    out = io.BytesIO()
    segno.make(site.check_in_url(), error="q").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def poster_pdf(site: Site) -> bytes:
    """An A4 poster: the site's name, what the code is for, the code, and whom to call."""
    chinese_font()
    texts = poster_texts(site)
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4)
    width, height = A4
    pdf.setTitle(texts["title"])
    pdf.setFont(CHINESE_FONT, 30)
    pdf.drawCentredString(width / 2, height - 40 * mm, texts["heading"])
    pdf.setFont(CHINESE_FONT, 22)
    pdf.drawCentredString(width / 2, height - 55 * mm, texts["site"])
    pdf.setFont(CHINESE_FONT, 13)
    pdf.drawCentredString(width / 2, height - 65 * mm, texts["address"])
    side = 120 * mm
    pdf.drawImage(
        ImageReader(io.BytesIO(qr_png(site, scale=16))),
        (width - side) / 2,
        height - 70 * mm - side,
        side,
        side,
    )
    pdf.setFont(CHINESE_FONT, 14)
    for number, line in enumerate((texts["volunteers"], texts["public"])):
        pdf.drawCentredString(width / 2, height - 205 * mm - number * 9 * mm, line)
    pdf.setFont(CHINESE_FONT, 9)
    pdf.drawCentredString(width / 2, 15 * mm, texts["footer"])
    pdf.showPage()
    pdf.save()
    return out.getvalue()
