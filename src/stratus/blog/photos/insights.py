"""Optional Rekognition: moderation rejects, labels suggest alt text, faces place the crop.

The three Detect* calls get the same JPEG (a mid-sized variant, well under the 5 MB limit
of `Image.Bytes`: https://docs.aws.amazon.com/rekognition/latest/dg/limits.html) and run
at once. Moderation labels at or above `MODERATION_MIN_CONFIDENCE` reject the photo
(https://docs.aws.amazon.com/rekognition/latest/dg/moderation.html); labels become alt-text
suggestions, most confident first; face boxes feed `focal.focal_point`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from stratus.blog.photos.errors import PhotoRejected, Reason
from stratus.blog.photos.focal import Box

MODERATION_MIN_CONFIDENCE = 60.0
LABEL_MIN_CONFIDENCE = 70.0
MAX_LABELS = 10
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Insights:
    labels: list[dict[str, Any]] = field(default_factory=list)  # {"name", "confidence"}
    faces: list[Box] = field(default_factory=list)
    checked: bool = False  # whether Rekognition was asked at all

    @property
    def alt_suggestions(self) -> list[str]:
        return [str(label["name"]) for label in self.labels[:MAX_SUGGESTIONS]]

    @property
    def alt_text(self) -> str:
        names = [n.lower() for n in self.alt_suggestions[:3]]
        if not names:
            return ""
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return f"Photo of {listed}"


def unsafe_labels(moderation: dict[str, Any]) -> list[str]:
    return [
        str(label.get("Name"))
        for label in moderation.get("ModerationLabels") or []
        if float(label.get("Confidence") or 0) >= MODERATION_MIN_CONFIDENCE
    ]


def labels_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    labels = [
        {"name": str(label["Name"]), "confidence": round(float(label.get("Confidence") or 0), 1)}
        for label in response.get("Labels") or []
        if label.get("Name")
    ]
    return sorted(labels, key=lambda label: -label["confidence"])


def faces_of(response: dict[str, Any]) -> list[Box]:
    boxes = []
    for face in response.get("FaceDetails") or []:
        box = face.get("BoundingBox") or {}
        boxes.append(
            Box(
                left=float(box.get("Left") or 0),
                top=float(box.get("Top") or 0),
                width=float(box.get("Width") or 0),
                height=float(box.get("Height") or 0),
            )
        )
    return boxes


def inspect(client: Any, jpeg: bytes) -> Insights:
    """Ask Rekognition about `jpeg`; raises PhotoRejected when moderation flags it."""
    image = {"Bytes": jpeg}
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="rekognition") as pool:
        moderation = pool.submit(
            client.detect_moderation_labels, Image=image, MinConfidence=MODERATION_MIN_CONFIDENCE
        )
        labels = pool.submit(
            client.detect_labels,
            Image=image,
            MaxLabels=MAX_LABELS,
            MinConfidence=LABEL_MIN_CONFIDENCE,
        )
        faces = pool.submit(client.detect_faces, Image=image, Attributes=["DEFAULT"])
        flagged = unsafe_labels(moderation.result())
        if flagged:
            raise PhotoRejected(Reason.UNSAFE, f"moderation labels: {', '.join(flagged)}")
        return Insights(
            labels=labels_of(labels.result()), faces=faces_of(faces.result()), checked=True
        )


def describe_faces(faces: Sequence[Box]) -> list[dict[str, float]]:
    return [
        {
            "left": round(f.left, 4),
            "top": round(f.top, 4),
            "width": round(f.width, 4),
            "height": round(f.height, 4),
        }
        for f in faces
    ]
