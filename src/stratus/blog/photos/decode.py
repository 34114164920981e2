"""Validate and decode an upload once, at the smallest scale the variants need.

- The type is what the bytes decode as, never the key's extension or the Content-Type:
  `Image.open(..., formats=ACCEPTED)` reads the magic numbers and the header only.
- Byte size is checked before anything is parsed; the pixel count is checked from the
  header's dimensions before decoding (a bomb is a small file with huge dimensions), and
  Pillow's own guard (`Image.MAX_IMAGE_PIXELS`, `DecompressionBombWarning` promoted to an
  error, `DecompressionBombError`) backs it up
  (https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.open).
- JPEG is decoded with `draft()`: libjpeg's DCT scaling (1/2, 1/4, 1/8) to the smallest
  size still at least as large as the largest variant, which is most of the speed-up.
- Truncated or corrupt data fails the decode (`LOAD_TRUNCATED_IMAGES` stays off).
- EXIF orientation is applied (`ImageOps.exif_transpose`), then colours are converted to
  sRGB when an ICC profile says otherwise; the result carries no metadata at all.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from stratus.blog.photos.config import PhotoLimits
from stratus.blog.photos.errors import PhotoRejected, Reason

ACCEPTED = ("JPEG", "PNG", "WEBP", "AVIF")
# EXIF orientations 5-8 turn the stored image by 90 degrees.
_TRANSPOSED = frozenset({5, 6, 7, 8})
_ORIENTATION_TAG = 0x0112

ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass
class Decoded:
    image: Image.Image  # upright, sRGB, mode RGB or RGBA, no metadata
    source_format: str
    width: int  # of the upright original, before draft scaling
    height: int


def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def decode(data: bytes, limits: PhotoLimits, largest_width: int) -> Decoded:
    """Decode `data` upright in sRGB, at least `largest_width` wide where the source allows."""
    if len(data) > limits.max_bytes:
        raise PhotoRejected(
            Reason.TOO_LARGE, f"{len(data)} bytes is over the limit of {limits.max_bytes}"
        )
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED)
        except UnidentifiedImageError as exc:
            raise PhotoRejected(Reason.NOT_AN_IMAGE, f"not a {', '.join(ACCEPTED)} image") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(Reason.TOO_MANY_PIXELS, str(exc)) from exc
        except Exception as exc:  # a recognised header that does not parse
            raise PhotoRejected(Reason.CORRUPT, f"unreadable image header: {exc}") from exc
        width, height = image.size
        if width * height > limits.max_pixels:
            raise PhotoRejected(
                Reason.TOO_MANY_PIXELS,
                f"{width}x{height} is over the limit of {limits.max_pixels} pixels",
            )
        source_format = str(image.format)
        orientation = _orientation(image)
        if source_format == "JPEG":
            _draft(image, largest_width, transposed=orientation in _TRANSPOSED)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image) if orientation not in (0, 1) else image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(Reason.TOO_MANY_PIXELS, str(exc)) from exc
        except Exception as exc:  # truncated data, broken compressed stream...
            raise PhotoRejected(Reason.CORRUPT, f"the image does not decode: {exc}") from exc
    if orientation in _TRANSPOSED:
        width, height = height, width
    return Decoded(_to_srgb(upright), source_format, width, height)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except Exception:  # a broken EXIF block is dropped with the rest of the metadata
        return 1


def _draft(image: Image.Image, largest_width: int, *, transposed: bool) -> None:
    """Ask libjpeg for the smallest DCT scale still >= the largest variant (both sides)."""
    width, height = image.size
    # In the stored orientation, the output width is the stored height when transposed.
    stored_side = height if transposed else width
    if stored_side <= largest_width:
        return
    scale = largest_width / stored_side
    image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA in sRGB, with an empty `info` (no EXIF, XMP, ICC, comments)."""
    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if icc and not _is_srgb(icc):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
                image = image.convert(target)
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                image, source, _srgb_profile(), outputMode=out_mode
            )
            assert converted is not None
            image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: take the values as sRGB, as a browser would
    if image.mode != target:
        image = image.convert(target)
    image.info = {}  # our own decoded object: nothing of the source's metadata goes on
    return image


def _is_srgb(icc: bytes) -> bool:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile) or ""
    except (ImageCms.PyCMSError, OSError):
        return True  # unreadable: nothing to convert from
    return "srgb" in description.lower()
