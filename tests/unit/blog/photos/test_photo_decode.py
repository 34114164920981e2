"""The upload checks: real type by decoding, byte and pixel limits, corrupt files."""

from __future__ import annotations

import pytest
from PIL import Image
from tests.unit.blog.photos.images import bomb_png, encode, marked_photo, photo, photo_image

from stratus.blog.photos.config import PhotoLimits
from stratus.blog.photos.decode import decode
from stratus.blog.photos.errors import PhotoRejected, Reason

LIMITS = PhotoLimits()


def reason_of(data: bytes, limits: PhotoLimits = LIMITS) -> Reason:
    with pytest.raises(PhotoRejected) as caught:
        decode(data, limits, 1920)
    return caught.value.reason


def test_text_named_jpg_is_not_an_image() -> None:
    assert (
        reason_of(b"hello, I am a text file pretending to be a JPEG\n" * 20) is Reason.NOT_AN_IMAGE
    )


def test_html_with_a_jpeg_magic_number_prefix_is_corrupt_or_not_an_image() -> None:
    assert reason_of(b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>" * 50) in (
        Reason.CORRUPT,
        Reason.NOT_AN_IMAGE,
    )


def test_unsupported_format_is_rejected_even_when_pillow_reads_it() -> None:
    assert reason_of(encode(photo_image(200, 100), "BMP")) is Reason.NOT_AN_IMAGE
    assert reason_of(encode(photo_image(200, 100), "GIF")) is Reason.NOT_AN_IMAGE


def test_oversized_bytes_are_rejected_before_parsing() -> None:
    data = photo(400, 300)
    assert reason_of(data, PhotoLimits(max_bytes=len(data) - 1)) is Reason.TOO_LARGE


def test_bomb_far_over_pillows_own_limit_is_rejected() -> None:
    assert reason_of(bomb_png(100_000, 100_000)) is Reason.TOO_MANY_PIXELS


def test_bomb_over_our_limit_is_rejected_from_the_header() -> None:
    # 10,000 x 10,000 = 100 MP: under Pillow's default error threshold, over our 50 MP.
    assert reason_of(bomb_png(10_000, 10_000)) is Reason.TOO_MANY_PIXELS


def test_pixel_limit_is_configurable() -> None:
    assert reason_of(photo(400, 300), PhotoLimits(max_pixels=100_000)) is Reason.TOO_MANY_PIXELS


def test_truncated_jpeg_is_corrupt() -> None:
    data = photo(800, 600)
    assert reason_of(data[: len(data) // 2]) is Reason.CORRUPT


def test_truncated_png_is_corrupt() -> None:
    data = encode(photo_image(400, 300), "PNG")
    assert reason_of(data[: len(data) // 2]) is Reason.CORRUPT


def test_jpeg_decodes_with_draft_no_smaller_than_the_largest_width() -> None:
    decoded = decode(photo(4000, 3000), LIMITS, 1920)
    assert decoded.source_format == "JPEG"
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert decoded.image.width == 2000  # DCT scale 1/2: the smallest still >= 1920
    assert decoded.image.height == 1500


def test_exif_orientation_is_applied() -> None:
    # Orientation 6: the stored picture must be turned 90 degrees clockwise to be upright.
    stored = marked_photo(1200, 600)
    exif = Image.Exif()
    exif[0x0112] = 6
    decoded = decode(encode(stored, "JPEG", quality=95, exif=exif), LIMITS, 1920)
    assert (decoded.width, decoded.height) == (600, 1200)
    assert decoded.image.size == (600, 1200)
    top = decoded.image.getpixel((300, 100))
    bottom = decoded.image.getpixel((300, 1100))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 and top[2] < 100  # the stored left (red) half is now on top
    assert bottom[2] > 150 and bottom[0] < 100


def test_draft_counts_the_width_after_rotation() -> None:
    # Stored 4000x3000 turned upright is 3000 wide: the draft keeps >= 1920 of *that* side.
    decoded = decode(photo(4000, 3000, orientation=6), LIMITS, 1920)
    assert (decoded.width, decoded.height) == (3000, 4000)
    assert decoded.image.width >= 1920


def test_decoded_image_carries_no_metadata() -> None:
    decoded = decode(photo(800, 600, gps=True, xmp=True, orientation=1), LIMITS, 1920)
    assert decoded.image.info == {}
    assert decoded.image.mode == "RGB"


def test_png_with_alpha_keeps_alpha() -> None:
    image = photo_image(300, 200).convert("RGBA")
    image.putalpha(128)
    decoded = decode(encode(image, "PNG"), LIMITS, 1920)
    assert decoded.image.mode == "RGBA"


def test_srgb_profile_is_dropped_and_colours_kept() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (64, 64), (200, 100, 50))
    decoded = decode(encode(image, "PNG", icc_profile=srgb), LIMITS, 1920)
    assert "icc_profile" not in decoded.image.info
    assert decoded.image.getpixel((10, 10)) == (200, 100, 50)
