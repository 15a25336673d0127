"""Accept uploaded photos safely: a real image, within size, resized, without EXIF or GPS."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs long before memory runs out
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile[bytes]
    width: int
    height: int


def clean_photo(upload: UploadedFile, *, longest_side: int = 1600) -> CleanImage:
    """Return the photo re-encoded as JPEG, turned upright, shrunk to `longest_side`,
    with every metadata block (EXIF with its GPS position, XMP, comments) dropped."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(size)s MB). The limit is 10 MB."),
            code="too_large",
            params={"size": f"{upload.size / 1024 / 1024:.1f}"},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Send a photo: JPEG, PNG, WebP or GIF."), code="not_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."), code="too_large")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a photo Yixun can read."), code="not_image"
        ) from None
    picture.thumbnail((longest_side, longest_side))
    out = io.BytesIO()
    # A new image object carries no info dict: nothing of the original metadata is written.
    Image.frombytes("RGB", picture.size, picture.tobytes()).save(
        out, "JPEG", quality=85, optimize=True
    )
    return CleanImage(ContentFile(out.getvalue(), name="photo.jpg"), picture.width, picture.height)
