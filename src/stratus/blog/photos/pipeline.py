"""One upload's bytes in, every variant's bytes and the meta.json document out (no I/O).

Order: decode (rejects what is not a safe image) -> resize chain -> the chain's encoders
start -> Rekognition looks at a mid-sized JPEG meanwhile (a moderation hit rejects before
anything is written) -> the square crop around the faces -> wait for every encoder.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stratus.blog.photos.config import PhotoConfig
from stratus.blog.photos.decode import decode
from stratus.blog.photos.focal import focal_point
from stratus.blog.photos.insights import Insights, describe_faces
from stratus.blog.photos.variants import (
    Encoded,
    Rendition,
    encode_one,
    resize_chain,
    square_rendition,
    submit_all,
)

# Rekognition sees the largest variant no wider than this (faces stay findable, the request
# stays small); its boxes are ratios, valid for every variant since all keep the aspect.
PROBE_WIDTH = 1280
META_NAME = "meta.json"

Inspector = Callable[[bytes], Insights]


@dataclass(frozen=True)
class Processed:
    variants: list[Encoded]
    meta: dict[str, Any]


def stem_of(key: str) -> str:
    """The upload key without its extension: `photos/abc.jpg` -> `photos/abc`."""
    return posixpath.splitext(key)[0]


def _probe(chain: list[Rendition], cfg: PhotoConfig) -> bytes:
    fitting = [r for r in chain if r.width <= PROBE_WIDTH]
    chosen = fitting[0] if fitting else chain[-1]
    jpeg = next(e for e in cfg.encodings if e.format == "JPEG")
    return encode_one(chosen, jpeg).body


def process(
    data: bytes, cfg: PhotoConfig, *, key: str, inspector: Inspector | None = None
) -> Processed:
    """Every variant of `data` (uploaded as `key`); raises PhotoRejected for a bad upload."""
    decoded = decode(data, cfg.limits, max(cfg.widths))
    chain = resize_chain(decoded.image, cfg.widths)
    pending = submit_all(chain, cfg.encodings)
    try:
        insights = inspector(_probe(chain, cfg)) if inspector is not None else Insights()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    focal = focal_point(insights.faces)
    square = square_rendition(chain, focal, cfg.square)
    pending += submit_all([square], cfg.encodings)
    variants = [future.result() for future in pending]
    stem = stem_of(key)
    meta = {
        "source": {"key": key, "format": decoded.source_format, "bytes": len(data)},
        "width": decoded.width,
        "height": decoded.height,
        "variants": [
            {
                "key": f"{stem}/{v.filename}",
                "kind": "square" if v.name.startswith("square-") else "width",
                "width": v.width,
                "height": v.height,
                "format": v.encoding.ext,
                "contentType": v.encoding.content_type,
                "bytes": len(v.body),
            }
            for v in variants
        ],
        "focalPoint": {"x": round(focal[0], 4), "y": round(focal[1], 4)},
        "faces": describe_faces(insights.faces),
        "alt": {"text": insights.alt_text, "suggestions": insights.alt_suggestions},
        "labels": insights.labels,
        "moderation": "passed" if insights.checked else "not-checked",
    }
    return Processed(variants, meta)
