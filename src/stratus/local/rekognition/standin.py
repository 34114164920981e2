"""The local stand-in for DetectLabels and DetectModerationLabels (not a model).

What it answers, in Rekognition's shapes
(https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectLabels.html,
https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectModerationLabels.html):

- Labels: `Person` and `Face` (with the detector's boxes as Instances) when DetectFaces'
  detector finds faces, and the dominant colour's name (category "Colors and Visual
  Composition") from the picture's mean hue and saturation; `MinConfidence` (default 55)
  and `MaxLabels` apply.
- Moderation: no labels (every image is safe) — unless steered.

Steering (tests, demos): `POST /_stratus/rekognition/labels` with a JSON body
`{"image": "<base64 JPEG/PNG>", "labels": [...], "moderationLabels": [...]}` makes every
later request for that image answer with exactly those labels. Labels are names or
Rekognition objects (`{"Name", "Confidence", "ParentName"}`); omitting a list keeps the
stand-in's own answer for it. Images are matched by a 64-bit difference hash of an 9x8
grey thumbnail, within a Hamming distance of 6: a resized, re-encoded or metadata-stripped
copy (what a photo pipeline sends) matches, an unrelated picture does not (a flat-coloured
image has no gradients and so hashes to zero: steer with pictures that have structure).
Without "image" the steering applies to every image (`"*"`). `GET` lists the steerings,
`DELETE` removes them all. Steerings live in memory: a restart forgets them.
"""

from __future__ import annotations

import colorsys
import threading
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageStat

LABEL_MODEL_VERSION = "3.0"
MODERATION_MODEL_VERSION = "7.0"
MAX_DISTANCE = 6
EVERY_IMAGE = "*"
COLOUR_CATEGORY = "Colors and Visual Composition"
_HUES = (
    (15, "Red"), (45, "Orange"), (70, "Yellow"), (160, "Green"), (200, "Turquoise"),
    (255, "Blue"), (290, "Purple"), (335, "Pink"), (360, "Red"),
)  # fmt: skip


def difference_hash(image: Image.Image) -> int:
    """dHash: 1 bit per horizontally adjacent pair of a 9x8 grey thumbnail (left < right)."""
    grey = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = grey.tobytes()  # one byte per pixel, row by row
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left < right else 0)
    return bits


@dataclass
class Steering:
    key: str  # hex hash or "*"
    labels: list[dict[str, Any]] | None = None
    moderation: list[dict[str, Any]] | None = None

    def describe(self) -> dict[str, Any]:
        return {"image": self.key, "labels": self.labels, "moderationLabels": self.moderation}


@dataclass
class Steerings:
    _items: dict[str, Steering] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, steering: Steering) -> None:
        with self._lock:
            self._items[steering.key] = steering

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def all(self) -> list[Steering]:
        with self._lock:
            return list(self._items.values())

    def find(self, image_hash: int) -> Steering | None:
        with self._lock:
            best: tuple[int, Steering] | None = None
            for key, steering in self._items.items():
                if key == EVERY_IMAGE:
                    continue
                distance = (int(key, 16) ^ image_hash).bit_count()
                if distance <= MAX_DISTANCE and (best is None or distance < best[0]):
                    best = (distance, steering)
            if best is not None:
                return best[1]
            return self._items.get(EVERY_IMAGE)


def label_object(value: Any, *, moderation: bool) -> dict[str, Any]:
    """A label as Rekognition returns it, from a name or a partial object."""
    item = {"Name": value} if isinstance(value, str) else dict(value)
    if not item.get("Name"):
        raise ValueError("every label needs a Name")
    out: dict[str, Any] = {
        "Name": str(item["Name"]),
        "Confidence": float(item.get("Confidence", 99.0)),
    }
    if moderation:
        out["ParentName"] = str(item.get("ParentName", ""))
        out["TaxonomyLevel"] = int(item.get("TaxonomyLevel", 2 if out["ParentName"] else 1))
    else:
        out["Instances"] = list(item.get("Instances", []))
        out["Parents"] = [
            p if isinstance(p, dict) else {"Name": str(p)} for p in item.get("Parents", [])
        ]
        out["Aliases"] = list(item.get("Aliases", []))
        out["Categories"] = [
            c if isinstance(c, dict) else {"Name": str(c)} for c in item.get("Categories", [])
        ]
    return out


def colour_label(image: Image.Image) -> dict[str, Any] | None:
    """The dominant colour's name when the picture is colourful enough to have one."""
    r, g, b = (v / 255 for v in ImageStat.Stat(image.convert("RGB").resize((32, 32))).mean[:3])
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if saturation < 0.2 or not 0.1 < lightness < 0.9:
        return None
    degrees = hue * 360
    name = next(n for limit, n in _HUES if degrees <= limit)
    confidence = round(min(99.0, 60 + saturation * 40), 3)
    return label_object(
        {"Name": name, "Confidence": confidence, "Categories": [COLOUR_CATEGORY]}, moderation=False
    )


def face_labels(faces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not faces:
        return []
    confidence = max(float(f["Confidence"]) for f in faces)
    instances = [{"BoundingBox": f["BoundingBox"], "Confidence": f["Confidence"]} for f in faces]
    person = {
        "Name": "Person",
        "Confidence": confidence,
        "Instances": instances,
        "Categories": ["Person Description"],
    }
    face = {
        "Name": "Face",
        "Confidence": confidence,
        "Parents": ["Person", "Head"],
        "Categories": ["Person Description"],
    }
    return [label_object(person, moderation=False), label_object(face, moderation=False)]


def filtered(
    labels: list[dict[str, Any]], min_confidence: float, limit: int | None
) -> list[dict[str, Any]]:
    kept = sorted(
        (label for label in labels if float(label["Confidence"]) >= min_confidence),
        key=lambda label: -float(label["Confidence"]),
    )
    return kept[:limit] if limit is not None else kept
