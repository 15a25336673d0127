"""The printable QR poster of a key site: the code volunteers scan to check in there."""

import io

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from yixun.places.models import Site

# One of the Adobe Asian fonts every PDF reader carries: no font file has to ship with Yixun.
CHINESE_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))


def qr_png(site: Site, *, scale: int = 12) -> bytes:
    """The site's QR code alone, large, with error correction enough for a weathered poster."""
    out = io.BytesIO()
    segno.make(site.check_in_url(), error="q").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def poster_pdf(site: Site) -> bytes:
    """An A4 poster: the site's name, what the code is for, the code, and whom to call."""
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4)
    width, height = A4
    label = _("check-in code")  # outside the f-string, where xgettext can find it
    pdf.setTitle(f"{site.name} · {label}")
    pdf.setFont(CHINESE_FONT, 30)
    pdf.drawCentredString(width / 2, height - 40 * mm, _("Volunteer patrol check-in"))
    pdf.setFont(CHINESE_FONT, 22)
    pdf.drawCentredString(width / 2, height - 55 * mm, site.name)
    pdf.setFont(CHINESE_FONT, 13)
    pdf.drawCentredString(width / 2, height - 65 * mm, site.address or site.area.full_name())
    side = 120 * mm
    pdf.drawImage(
        ImageReader(io.BytesIO(qr_png(site, scale=16))),
        (width - side) / 2,
        height - 70 * mm - side,
        side,
        side,
    )
    pdf.setFont(CHINESE_FONT, 14)
    lines = (
        _("Patrol volunteers: scan this code with your phone when you arrive on duty."),
        _("Members of the public: in an emergency call 110."),
    )
    for number, line in enumerate(lines):
        pdf.drawCentredString(width / 2, height - 205 * mm - number * 9 * mm, line)
    pdf.setFont(CHINESE_FONT, 9)
    pdf.drawCentredString(
        width / 2,
        15 * mm,
        _("Site code %(id)s · a new poster replaces this one when the code is renewed")
        % {"id": site.pk},
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()
