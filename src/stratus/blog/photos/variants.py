"""Responsive variants: the resize chain and the parallel encoders.

- Widths are never upscaled: only those no wider than the source are made (a source
  narrower than every width gets one variant at its own width).
- Each width is resized from the previous, larger one, not from the original: the first
  step starts from the `draft()`-decoded image, so no step touches more pixels than needed.
  `reducing_gap` lets Pillow `reduce()` by an integer factor first, then resample with
  Lanczos (https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.Image.resize).
- Encoding runs on a thread pool: Pillow releases the GIL inside its JPEG, WebP and AVIF
  encoders, so the variants are encoded on every core Lambda gives the function (2 at 2 GB).
  The slowest jobs (AVIF, large widths) are submitted first.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from stratus.blog.photos.config import Encoding
from stratus.blog.photos.focal import square_box

_FILTER = Image.Resampling.LANCZOS
_REDUCING_GAP = 3.0
_JPEG_BACKGROUND = (255, 255, 255)
_pool: ThreadPoolExecutor | None = None


@dataclass(frozen=True)
class Rendition:
    """One picture to encode in every format: `name` is the object name's stem ("640")."""

    name: str
    image: Image.Image

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


@dataclass(frozen=True)
class Encoded:
    name: str
    encoding: Encoding
    width: int
    height: int
    body: bytes

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.encoding.ext}"


def planned_widths(source_width: int, widths: Sequence[int]) -> list[int]:
    """The widths to make, largest first, none wider than the source."""
    fitting = sorted({w for w in widths if 0 < w <= source_width}, reverse=True)
    return fitting or [source_width]


def resize_chain(image: Image.Image, widths: Sequence[int]) -> list[Rendition]:
    """One rendition per width (largest first), each resized from the previous one."""
    out: list[Rendition] = []
    current = image
    for width in planned_widths(image.width, widths):
        if width != current.width:
            # Heights from the source's aspect, so rounding does not drift down the chain.
            height = max(1, round(image.height * width / image.width))
            current = current.resize((width, height), _FILTER, reducing_gap=_REDUCING_GAP)
        out.append(Rendition(str(width), current))
    return out


def square_rendition(
    chain: Sequence[Rendition], focal: tuple[float, float], size: int
) -> Rendition:
    """A size x size crop centred on `focal`, cut from the smallest rendition that allows it."""
    candidates = [r for r in chain if min(r.width, r.height) >= size] or [chain[0]]
    source = min(candidates, key=lambda r: r.width)
    box = square_box(source.width, source.height, focal)
    side = min(size, box[2] - box[0])  # never upscaled
    square = source.image.resize((side, side), _FILTER, box=box, reducing_gap=_REDUCING_GAP)
    return Rendition(f"square-{side}", square)


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:  # kept for the container's life: warm invocations reuse it
        _pool = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="encode")
    return _pool


def encode_one(rendition: Rendition, encoding: Encoding) -> Encoded:
    image = rendition.image
    if encoding.format == "JPEG" and image.mode == "RGBA":
        flat = Image.new("RGB", image.size, _JPEG_BACKGROUND)
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    # No exif/xmp/icc_profile is passed and the rendition's info is empty: nothing but the
    # pixels is written (an untagged image is sRGB on the web).
    image.save(buffer, encoding.format, **encoding.options)
    return Encoded(rendition.name, encoding, rendition.width, rendition.height, buffer.getvalue())


def submit_all(
    renditions: Sequence[Rendition], encodings: Sequence[Encoding]
) -> list[Future[Encoded]]:
    """Start every rendition in every encoding; futures in (rendition, encoding) order."""
    jobs = [(r, e) for r in renditions for e in encodings]
    cost = {"AVIF": 4, "WEBP": 2}
    order = sorted(
        range(len(jobs)),
        key=lambda i: -(jobs[i][0].width * jobs[i][0].height * cost.get(jobs[i][1].format, 1)),
    )
    pool = _executor()
    futures = {i: pool.submit(encode_one, *jobs[i]) for i in order}
    return [futures[i] for i in range(len(jobs))]


def encode_all(renditions: Sequence[Rendition], encodings: Sequence[Encoding]) -> list[Encoded]:
    """Every rendition in every encoding, in parallel; results in (rendition, encoding) order."""
    return [future.result() for future in submit_all(renditions, encodings)]
