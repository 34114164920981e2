"""Photo pipeline figures: time per 12 MP JPEG, in process (no S3, no Rekognition).

The same deterministic 4000x3000 JPEG (tests.unit.blog.photos.images.photo, with EXIF GPS
and XMP to strip) goes through, interleaved round by round so machine noise falls on all:

- pipeline: `stratus.blog.photos.pipeline.process` — type check, limits, draft decode,
  orientation, sRGB, metadata stripped, the resize chain, the focal square, parallel encode
  of 4 widths + the square in JPEG, WebP and AVIF (15 objects);
- bare Pillow (best path): the same 15 outputs with the same settings and no checks: open,
  `draft()`, the same resize chain, the same thread pool — the ceiling the pipeline is held
  to (aim: >= 80% of its speed);
- naive: open, resize each width (and the square) from the full-size image, save each
  format one after another with Pillow's default encoder settings (aim: pipeline >= 3x
  faster); and, for transparency, naive with the pipeline's encoder settings.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from PIL import Image
from tests.unit.blog.photos.images import photo

from bench.aims import Aims
from stratus.blog.photos.config import PhotoConfig
from stratus.blog.photos.pipeline import process
from stratus.blog.photos.variants import Rendition, encode_all, resize_chain

ROUNDS = 4
WIDTHS = (1920, 1280, 640, 320)
SQUARE = 320
_DEFAULTS: dict[str, dict[str, Any]] = {"JPEG": {}, "WEBP": {}, "AVIF": {}}


def bare_pillow(data: bytes, cfg: PhotoConfig) -> int:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (1920, 1440))
    image.load()
    chain = resize_chain(image, cfg.widths)
    smallest = chain[-1].image if min(chain[-1].image.size) >= SQUARE else chain[-2].image
    side = min(smallest.size)
    left = (smallest.width - side) // 2
    box = (left, 0, left + side, side)
    square = smallest.resize((SQUARE, SQUARE), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    outputs = encode_all([*chain, Rendition("square", square)], cfg.encodings)
    return len(outputs)


def naive(data: bytes, options: dict[str, dict[str, Any]]) -> int:
    image = Image.open(io.BytesIO(data))
    image.load()
    count = 0
    targets = [(w, round(image.height * w / image.width)) for w in WIDTHS]
    side = min(image.size)
    left = (image.width - side) // 2
    for size, box in [
        *((t, None) for t in targets),
        ((SQUARE, SQUARE), (left, 0, left + side, side)),
    ]:
        resized = image.resize(size, Image.Resampling.LANCZOS, box=box)
        for fmt, opts in options.items():
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **opts)
            count += 1
    return count


def bench_photos(results: dict[str, Any], aims: Aims) -> None:
    cfg = PhotoConfig(photo_bucket="bench")
    t0 = time.perf_counter()
    data = photo(4000, 3000, gps=True, xmp=True, quality=90)
    print(
        f"\nphotos: 12 MP JPEG ({len(data) / 1e6:.1f} MB) made in {time.perf_counter() - t0:.1f} s"
    )
    same_settings = {e.format: dict(e.options) for e in cfg.encodings}
    paths: dict[str, Callable[[], int]] = {
        "pipeline (process)": lambda: len(process(data, cfg, key="bench/p.jpg").variants),
        "bare Pillow, best path": lambda: bare_pillow(data, cfg),
        "naive, Pillow defaults": lambda: naive(data, _DEFAULTS),
        "naive, pipeline's encoders": lambda: naive(data, same_settings),
    }
    counts = {name: run() for name, run in paths.items()}  # warm-up (and output counts)
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(ROUNDS):
        for name, run in paths.items():
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) * 1000)
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    print(f"  {'':32} {'p50 ms':>9} {'min ms':>9} {'outputs':>8}")
    for name in paths:
        print(f"  {name:32} {p50[name]:9.0f} {min(samples[name]):9.0f} {counts[name]:8}")
    pipeline = p50["pipeline (process)"]
    of_bare = p50["bare Pillow, best path"] / pipeline
    vs_naive = p50["naive, Pillow defaults"] / pipeline
    vs_naive_same = p50["naive, pipeline's encoders"] / pipeline
    print(
        f"  pipeline speed = {of_bare:.0%} of bare Pillow's; {vs_naive:.1f}x naive (defaults), "
        f"{vs_naive_same:.1f}x naive with the same encoder settings"
    )
    aims.check(
        "photos: pipeline speed >= 80% of bare Pillow (p50)", f"{of_bare:.0%}", of_bare >= 0.8
    )
    aims.check("photos: pipeline >= 3x faster than naive (p50)", f"{vs_naive:.1f}x", vs_naive >= 3)
    results["photos"] = {
        "rounds": ROUNDS,
        "p50_ms": {k: round(v, 1) for k, v in p50.items()},
        "samples_ms": {k: [round(x, 1) for x in v] for k, v in samples.items()},
        "speed_of_bare": round(of_bare, 3),
        "x_naive_defaults": round(vs_naive, 2),
        "x_naive_same_settings": round(vs_naive_same, 2),
    }
