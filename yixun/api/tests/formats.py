"""Generators for what the API's document names but JSON Schema cannot spell: the named string
formats (a resident ID number's check character, a mainland mobile number) and the photos a
multipart part must be. Registered with schemathesis by `register()`."""

import datetime as dt
import io
import string

import schemathesis
from hypothesis import strategies as st
from PIL import Image

from yixun.api.schemas import CN_MOBILE, CN_RESIDENT_ID, MOBILE_PATTERN
from yixun.lib import resident_id


def valid_mobiles() -> st.SearchStrategy[str]:
    """A mainland mobile number, in the forms the document promises (plain, or with +86), drawn
    from the document's own pattern: libphonenumber's numbering plan, which the server asks too."""
    return st.from_regex(MOBILE_PATTERN, fullmatch=True)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """A resident ID number: a known province, a real date of birth, the right check character."""
    province = draw(st.sampled_from(sorted(resident_id.PROVINCES)))
    region = province + draw(st.text(string.digits, min_size=4, max_size=4))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2009, 12, 31)))
    sequence = draw(st.text(string.digits, min_size=3, max_size=3))
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + resident_id.check_character(first17)


def image(
    fmt: str, width: int = 8, height: int = 8, colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A small picture in one format ("JPEG", "PNG" …), as a phone's photo would arrive."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def photos(fmt: str) -> st.SearchStrategy[bytes]:
    """Small images of one format, as a phone would send a photo."""
    return st.builds(
        image,
        st.just(fmt),
        st.integers(1, 64),
        st.integers(1, 64),
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    )


def register() -> None:
    schemathesis.openapi.format(CN_MOBILE, valid_mobiles())
    schemathesis.openapi.format(CN_RESIDENT_ID, resident_ids())
    for media_type, fmt in (
        ("image/jpeg", "JPEG"),
        ("image/png", "PNG"),
        ("image/webp", "WEBP"),
        ("image/gif", "GIF"),
    ):
        schemathesis.openapi.media_type(media_type, photos(fmt))
