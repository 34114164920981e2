"""The `Image` parameter of Rekognition's image operations, as Rekognition reads it.

From https://docs.aws.amazon.com/rekognition/latest/APIReference/API_Image.html and
https://docs.aws.amazon.com/rekognition/latest/dg/limits.html: exactly one of `Bytes`
(base64 in JSON, at most 5 MB decoded) or `S3Object` (Bucket, Name, optional Version; at
most 15 MB); JPEG or PNG only. Errors: InvalidParameterException,
ImageTooLargeException, InvalidImageFormatException, InvalidS3ObjectException.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from stratus.local.core.settings import ACCOUNT_ID

MAX_BYTES = 5 * 1024 * 1024
MAX_S3_BYTES = 15 * 1024 * 1024
FORMATS = ("JPEG", "PNG")
# Rekognition's own size ceiling for an image's sides is far above this; the cap only keeps
# a hostile image from exhausting the local cloud's memory.
MAX_PIXELS = 80_000_000


class RekognitionError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> RekognitionError:
    return RekognitionError("InvalidParameterException", message)


def image_bytes(params: dict[str, Any]) -> bytes:
    """The image's bytes from `params["Image"]` (Bytes or S3Object)."""
    image = params.get("Image")
    if not isinstance(image, dict):
        raise _invalid("Image is required")
    has_bytes, has_s3 = "Bytes" in image, "S3Object" in image
    if has_bytes == has_s3:
        raise _invalid("Image must have exactly one of Bytes or S3Object")
    if has_bytes:
        try:
            data = base64.b64decode(str(image["Bytes"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _invalid("Image.Bytes is not valid base64") from exc
        if len(data) > MAX_BYTES:
            raise RekognitionError(
                "ImageTooLargeException", f"Image size is too large ({len(data)} bytes)"
            )
        return data
    return _s3_object(image["S3Object"])


def _s3_object(s3_object: Any) -> bytes:
    from moto.s3.models import s3_backends

    if not isinstance(s3_object, dict) or not s3_object.get("Bucket") or not s3_object.get("Name"):
        raise _invalid("S3Object needs Bucket and Name")
    try:
        found = s3_backends[ACCOUNT_ID]["aws"].get_object(
            str(s3_object["Bucket"]), str(s3_object["Name"]), s3_object.get("Version")
        )
    except Exception:
        found = None
    if found is None:
        raise RekognitionError(
            "InvalidS3ObjectException",
            "Unable to get object metadata from S3. "
            "Check object key, region and/or access permissions.",
        )
    data = bytes(found.value)
    if len(data) > MAX_S3_BYTES:
        raise RekognitionError(
            "ImageTooLargeException", f"Image size is too large ({len(data)} bytes)"
        )
    return data


def open_image(data: bytes) -> Image.Image:
    """Decode JPEG or PNG; anything else is InvalidImageFormatException, as Rekognition says."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        if image.width * image.height > MAX_PIXELS:
            raise RekognitionError("ImageTooLargeException", "Image dimensions are too large")
        image.load()
    except RekognitionError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise RekognitionError(
            "InvalidImageFormatException", "Request has invalid image format"
        ) from exc
    return image.convert("RGB")
