import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yixun.lib import images
from yixun.lib.images import clean_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def jpeg_with_gps(size: tuple[int, int] = (400, 300), orientation: int | None = None) -> bytes:
    picture = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 12.0), 3: "E", 4: (114.0, 18.0, 5.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def upload(content: bytes, name: str = "photo.jpg", kind: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=kind)


def opened(cleaned: images.CleanImage) -> Image.Image:
    return Image.open(io.BytesIO(cleaned.content.read()))


def test_the_test_photo_really_carries_a_gps_position() -> None:
    exif = Image.open(io.BytesIO(jpeg_with_gps())).getexif()
    assert exif.get_ifd(GPS_IFD)
    assert exif[MAKE] == "PhoneMaker"


def test_exif_with_the_gps_position_is_removed() -> None:
    result = opened(clean_photo(upload(jpeg_with_gps())))
    assert result.format == "JPEG"
    assert not result.getexif()
    assert "exif" not in result.info
    assert "comment" not in result.info
    assert "xmp" not in result.info


def test_a_sideways_photo_is_turned_upright_before_its_exif_goes() -> None:
    # Orientation 6: the camera was turned; the stored 400x300 pixels show as 300x400.
    cleaned = clean_photo(upload(jpeg_with_gps((400, 300), orientation=6)))
    assert (cleaned.width, cleaned.height) == (300, 400)
    assert opened(cleaned).size == (300, 400)


def test_a_large_photo_is_shrunk_to_1600_on_its_longest_side() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 10)).save(out, "JPEG")
    cleaned = clean_photo(upload(out.getvalue()))
    assert (cleaned.width, cleaned.height) == (1600, 1200)
    assert opened(cleaned).size == (1600, 1200)


def test_a_small_photo_keeps_its_size() -> None:
    cleaned = clean_photo(upload(jpeg_with_gps((640, 480))))
    assert (cleaned.width, cleaned.height) == (640, 480)


def test_a_tall_photo_is_shrunk_by_its_height() -> None:
    out = io.BytesIO()
    Image.new("RGB", (900, 3600)).save(out, "PNG")
    cleaned = clean_photo(upload(out.getvalue(), "tall.png", "image/png"))
    assert (cleaned.width, cleaned.height) == (400, 1600)


def test_a_text_file_named_jpg_is_refused_as_not_an_image() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload("我不是照片\n".encode() * 50))
    assert refused.value.code == "not_image"


def test_a_truncated_jpeg_is_refused_as_not_an_image() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(jpeg_with_gps()[:200]))
    assert refused.value.code == "not_image"


def test_a_file_over_10_mb_is_refused_as_too_large() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(b"\xff\xd8" + b"\0" * images.MAX_BYTES))
    assert refused.value.code == "too_large"


def test_a_photo_of_too_many_pixels_is_refused_as_too_large() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 million pixels, a few kilobytes
    with pytest.raises(ValidationError) as refused:
        clean_photo(upload(out.getvalue(), "big.png", "image/png"))
    assert refused.value.code == "too_large"


def test_a_transparent_png_is_accepted_and_becomes_a_jpeg() -> None:
    picture = Image.new("RGBA", (200, 100), (0, 0, 255, 0))
    picture.putpixel((10, 10), (255, 0, 0, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    cleaned = clean_photo(upload(out.getvalue(), "logo.png", "image/png"))
    result = opened(cleaned)
    assert result.format == "JPEG"
    assert result.mode == "RGB"
    assert result.size == (200, 100)
    assert cleaned.content.name.endswith(".jpg")


def test_a_palette_png_with_a_transparent_colour_is_accepted() -> None:
    picture = Image.new("P", (50, 50), 0)
    picture.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    assert opened(clean_photo(upload(out.getvalue(), "p.png", "image/png"))).format == "JPEG"


def test_the_result_is_the_same_picture() -> None:
    result = opened(clean_photo(upload(jpeg_with_gps())))
    red, green, blue = result.convert("RGB").getpixel((200, 150))
    assert red > 150 and green < 80 and blue < 80
