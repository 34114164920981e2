"""Variants: widths never upscaled, every format decodable at the right size, no metadata,
the square crop centred on the faces, and the whole pipeline's meta.json."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tests.unit.blog.photos.images import GPS_IFD, photo, photo_image

from stratus.blog.photos.config import PhotoConfig
from stratus.blog.photos.errors import PhotoRejected, Reason
from stratus.blog.photos.focal import CENTRE, Box, focal_point, square_box
from stratus.blog.photos.insights import Insights
from stratus.blog.photos.pipeline import process, stem_of
from stratus.blog.photos.variants import planned_widths, resize_chain

CFG = PhotoConfig(photo_bucket="photos")


@pytest.fixture(scope="module")
def processed_gps_photo() -> list[tuple[str, bytes, int, int]]:
    result = process(photo(2400, 1600, gps=True, xmp=True, orientation=1), CFG, key="p/a.jpg")
    return [(v.filename, v.body, v.width, v.height) for v in result.variants]


def test_stem_drops_only_the_extension() -> None:
    assert stem_of("photos/abc.jpg") == "photos/abc"
    assert stem_of("photos/abc") == "photos/abc"
    assert stem_of("photos/v1.2/abc.jpeg") == "photos/v1.2/abc"


def test_widths_are_never_upscaled() -> None:
    assert planned_widths(1000, (320, 640, 1280, 1920)) == [640, 320]
    assert planned_widths(1920, (320, 640, 1280, 1920)) == [1920, 1280, 640, 320]
    assert planned_widths(200, (320, 640)) == [200]  # smaller than every width: its own


def test_resize_chain_goes_from_largest_down() -> None:
    chain = resize_chain(photo_image(1500, 1000), (320, 640, 1280, 1920))
    assert [(r.width, r.height) for r in chain] == [(1280, 853), (640, 427), (320, 213)]


def test_every_format_decodes_at_the_right_size(
    processed_gps_photo: list[tuple[str, bytes, int, int]],
) -> None:
    names = {name for name, *_ in processed_gps_photo}
    for width in (1920, 1280, 640, 320):
        for ext in ("jpg", "webp", "avif"):
            assert f"{width}.{ext}" in names
    expected = {"jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
    for name, body, width, height in processed_gps_photo:
        decoded = Image.open(io.BytesIO(body))
        decoded.load()
        assert decoded.format == expected[name.rsplit(".", 1)[1]]
        assert decoded.size == (width, height)
        if not name.startswith("square-"):
            assert width == int(name.split(".")[0])
            assert abs(width / height - 2400 / 1600) < 0.01


def test_gps_exif_and_xmp_are_gone_from_every_variant(
    processed_gps_photo: list[tuple[str, bytes, int, int]],
) -> None:
    for name, body, *_ in processed_gps_photo:
        decoded = Image.open(io.BytesIO(body))
        exif = decoded.getexif()
        assert not exif.get_ifd(GPS_IFD), name
        assert len(exif) == 0, name
        assert "xmp" not in decoded.info and "XML:com.adobe.xmp" not in decoded.info, name
        assert b"secret author" not in body and b"StratusCam" not in body, name


def test_focal_point_is_the_centre_of_the_faces_that_matter() -> None:
    assert focal_point([]) == CENTRE
    big = Box(0.6, 0.2, 0.2, 0.3)
    tiny = Box(0.05, 0.05, 0.02, 0.02)  # a face in the background does not pull the crop
    assert focal_point([big, tiny]) == pytest.approx((0.7, 0.35))
    other = Box(0.2, 0.2, 0.2, 0.3)
    assert focal_point([big, other]) == pytest.approx((0.5, 0.35))


def test_square_box_is_centred_on_the_focal_point_within_the_edges() -> None:
    assert square_box(1600, 900, (0.5, 0.5)) == (350, 0, 1250, 900)
    assert square_box(1600, 900, (0.8, 0.5)) == (700, 0, 1600, 900)  # clamped at the right
    assert square_box(1600, 900, (0.1, 0.5)) == (0, 0, 900, 900)
    assert square_box(900, 1600, (0.5, 0.2)) == (0, 0, 900, 900)


def test_square_thumbnail_follows_the_faces() -> None:
    # Left half black, right half white: a face on the right makes a mostly white square.
    image = Image.new("RGB", (1600, 800), (0, 0, 0))
    image.paste((255, 255, 255), (800, 0, 1600, 800))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    def faces_right(_: bytes) -> Insights:
        return Insights(faces=[Box(0.8, 0.3, 0.1, 0.2)], checked=True)

    result = process(buffer.getvalue(), CFG, key="f.png", inspector=faces_right)
    square = next(v for v in result.variants if v.filename == "square-320.jpg")
    assert (square.width, square.height) == (320, 320)
    pixels = Image.open(io.BytesIO(square.body)).convert("L")
    assert pixels.getpixel((300, 160)) > 200 and pixels.getpixel((40, 160)) > 200
    centred = process(buffer.getvalue(), CFG, key="f.png")
    plain = next(v for v in centred.variants if v.filename == "square-320.jpg")
    middle = Image.open(io.BytesIO(plain.body)).convert("L")
    assert middle.getpixel((20, 160)) < 50 and middle.getpixel((300, 160)) > 200
    assert result.meta["focalPoint"] == {"x": 0.85, "y": 0.4}


def test_meta_lists_every_variant_and_the_alt_suggestions() -> None:
    def labelled(_: bytes) -> Insights:
        labels = [{"name": "Dog", "confidence": 98.0}, {"name": "Grass", "confidence": 90.0}]
        return Insights(labels=labels, checked=True)

    result = process(photo(700, 500), CFG, key="photos/dog.jpg", inspector=labelled)
    meta = result.meta
    assert (meta["width"], meta["height"]) == (700, 500)
    assert {v["key"] for v in meta["variants"]} >= {"photos/dog/640.avif", "photos/dog/320.jpg"}
    assert not any(v["key"].startswith("photos/dog/1280") for v in meta["variants"])
    assert meta["alt"] == {"text": "Photo of dog and grass", "suggestions": ["Dog", "Grass"]}
    assert meta["moderation"] == "passed"


def test_unsafe_verdict_rejects_before_any_variant_exists() -> None:
    def unsafe(_: bytes) -> Insights:
        raise PhotoRejected(Reason.UNSAFE, "moderation labels: Violence")

    with pytest.raises(PhotoRejected) as caught:
        process(photo(700, 500), CFG, key="x.jpg", inspector=unsafe)
    assert caught.value.reason is Reason.UNSAFE
