"""Test images made on the spot, deterministically (no files, no network).

- `photo`: a photo-like JPEG (gradient, discs, blur, seeded noise) with optional EXIF
  orientation, GPS and an XMP packet; 4000x3000 is the bench's 12 MP image.
- `face_scene`: a drawn face (skin oval, hair, brows, dark eyes, nose, mouth, blurred) that
  OpenCV's frontal-face Haar cascade finds, placed anywhere in a larger picture.
- `bomb_png`: a tiny PNG whose header claims a huge canvas (a decompression bomb).
"""

from __future__ import annotations

import io
import random
import zlib
from struct import pack

from PIL import Image, ImageDraw, ImageFilter

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_image(width: int = 1200, height: int = 900, seed: int = 9) -> Image.Image:
    rnd = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(base, Image.new("RGB", (width, height), (90, 140, 200)), 0.6)
    draw = ImageDraw.Draw(image)
    scale = max(width, height) / 4000
    for _ in range(300):
        x, y = rnd.randrange(width), rnd.randrange(height)
        r = max(2, int(rnd.randrange(20, 400) * scale))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(max(1, 3 * scale)))
    half = (max(1, width // 2), max(1, height // 2))
    noise = Image.frombytes("RGB", half, rnd.randbytes(half[0] * half[1] * 3))
    return Image.blend(image, noise.resize((width, height), Image.Resampling.BILINEAR), 0.12)


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_block(*, orientation: int | None = None, gps: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "StratusCam"  # Make
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="secret author"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def photo(
    width: int = 1200,
    height: int = 900,
    *,
    orientation: int | None = None,
    gps: bool = False,
    xmp: bool = False,
    seed: int = 9,
    quality: int = 90,
) -> bytes:
    options: dict[str, object] = {"quality": quality}
    if orientation is not None or gps:
        options["exif"] = exif_block(orientation=orientation, gps=gps)
    if xmp:
        options["xmp"] = XMP
    return encode(photo_image(width, height, seed), "JPEG", **options)


def marked_photo(width: int = 1200, height: int = 900) -> Image.Image:
    """Left half red, right half blue: which way it was turned is visible in the pixels."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    return image


def draw_face(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), (70, 90, 120))
    draw = ImageDraw.Draw(image)
    s = size / 400

    def box(*values: float) -> list[float]:
        return [v * s for v in values]

    draw.ellipse(box(100, 60, 300, 320), fill=(225, 190, 160))  # skin
    draw.ellipse(box(90, 30, 310, 130), fill=(60, 40, 30))  # hair
    draw.rectangle(box(135, 140, 185, 150), fill=(60, 40, 30))  # brows
    draw.rectangle(box(215, 140, 265, 150), fill=(60, 40, 30))
    draw.ellipse(box(140, 160, 180, 185), fill=(40, 30, 30))  # eyes
    draw.ellipse(box(220, 160, 260, 185), fill=(40, 30, 30))
    draw.polygon([(200 * s, 180 * s), (185 * s, 235 * s), (215 * s, 235 * s)], fill=(190, 150, 125))
    draw.ellipse(box(160, 255, 240, 280), fill=(150, 60, 60))  # mouth
    return image.filter(ImageFilter.GaussianBlur(4 * s))


def face_scene(
    width: int = 1600, height: int = 900, *, face_size: int = 400, at: tuple[int, int] = (1100, 250)
) -> Image.Image:
    """A landscape picture with one drawn face whose square's top-left corner is `at`."""
    scene = photo_image(width, height, seed=3).filter(ImageFilter.GaussianBlur(6))
    scene.paste(draw_face(face_size), at)
    return scene


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming width x height 1-bit pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    header = pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = zlib.compress(row * 8)  # only the first rows: the header is what matters
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
