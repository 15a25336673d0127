"""A captcha served by the app itself: digits drawn with noise into a PNG; the answer is kept
in the session as a salted hash, good for one try."""

import hashlib
import io
import random
import secrets

from django.contrib.sessions.backends.base import SessionBase
from PIL import Image, ImageDraw, ImageFont

KEY = "tips.captcha"


def _hash(salt: str, answer: str) -> str:
    return hashlib.sha256(f"{salt}:{answer.strip()}".encode()).hexdigest()


def new_image(session: SessionBase) -> bytes:
    digits = "".join(secrets.choice("23456789") for _ in range(4))
    salt = secrets.token_hex(8)
    session[KEY] = [salt, _hash(salt, digits)]
    rng = random.Random(secrets.randbits(32))  # noqa: S311 - noise, not a secret
    image = Image.new("RGB", (140, 48), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    for index, digit in enumerate(digits):
        draw.text(
            (12 + index * 30 + rng.randint(-3, 3), 6 + rng.randint(-4, 4)),
            digit,
            fill=(30, 30, 60),
            font=font,
        )
    for _ in range(6):
        draw.line(
            [(rng.randint(0, 140), rng.randint(0, 48)) for _ in range(2)],
            fill=(120, 120, 160),
            width=2,
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def passes(session: SessionBase, answer: str) -> bool:
    """Whether the answer matches the last picture shown; either way the picture is used up."""
    stored = session.pop(KEY, None)
    if not stored or not answer:
        return False
    salt, expected = stored
    return secrets.compare_digest(_hash(salt, answer), expected)
