"""The photo pipeline's settings, read once from the environment into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from stratus.runtime.config import integer, require

ENV_PHOTO_BUCKET = "PHOTO_BUCKET"
ENV_REKOGNITION = "PHOTO_REKOGNITION"  # "true": moderation, labels and faces
ENV_MAX_BYTES = "PHOTO_MAX_BYTES"
ENV_MAX_PIXELS = "PHOTO_MAX_PIXELS"
ENV_WIDTHS = "PHOTO_WIDTHS"  # comma list, e.g. "320,640,1280,1920"

DEFAULT_WIDTHS = (320, 640, 1280, 1920)
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
# 50 MP: a 48 MP phone camera's JPEG passes, a decompression bomb does not. Pillow's own
# guard (Image.MAX_IMAGE_PIXELS) is set to the same figure while decoding.
DEFAULT_MAX_PIXELS = 50_000_000
SQUARE_SIZE = 320
# The browser caches a variant for a year and never revalidates: a new upload is a new key.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Encoding:
    """One output format: Pillow's format name, the file extension, Content-Type, options."""

    format: str
    ext: str
    content_type: str
    options: Mapping[str, object] = field(default_factory=dict)


# Settings measured on a 12 MP photo's 1920 px variant (bench part `photos`, 1 thread):
# JPEG q82 progressive + optimised Huffman tables (~25 ms); WebP q80 method 2 (half the time
# of method 4, Pillow's default, for ~1% more bytes); AVIF q60 speed 9 (speed 8: 2.4x the
# time, speed 6 (default): 5.5x, for ~6% fewer bytes). One AVIF thread each: the variants are
# encoded in parallel already.
ENCODINGS = (
    Encoding("JPEG", "jpg", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
    Encoding("WEBP", "webp", "image/webp", {"quality": 80, "method": 2}),
    Encoding("AVIF", "avif", "image/avif", {"quality": 60, "speed": 9, "max_threads": 1}),
)


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class PhotoConfig:
    photo_bucket: str
    rekognition: bool = False
    limits: PhotoLimits = PhotoLimits()
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    encodings: tuple[Encoding, ...] = ENCODINGS
    square: int = SQUARE_SIZE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PhotoConfig:
        env = os.environ if env is None else env
        raw_widths = env.get(ENV_WIDTHS, "").strip()
        widths = (
            tuple(sorted({int(w) for w in raw_widths.split(",") if w.strip()}))
            if raw_widths
            else DEFAULT_WIDTHS
        )
        return cls(
            photo_bucket=require(env, ENV_PHOTO_BUCKET),
            rekognition=env.get(ENV_REKOGNITION, "").strip().lower() in ("1", "true", "yes"),
            limits=PhotoLimits(
                max_bytes=integer(env, ENV_MAX_BYTES, DEFAULT_MAX_BYTES),
                max_pixels=integer(env, ENV_MAX_PIXELS, DEFAULT_MAX_PIXELS),
            ),
            widths=widths,
        )
