"""The focal point of a photo and the square crop around it.

Faces (Rekognition's DetectFaces bounding boxes, ratios of the image's width and height)
decide where the square thumbnail is cut: the centre of the box around the faces that
matter (any face at least a quarter of the largest one's area), so a background face does
not pull the crop away. Without faces the focal point is the centre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CENTRE = (0.5, 0.5)
_MIN_SHARE_OF_LARGEST = 0.25


@dataclass(frozen=True)
class Box:
    """A bounding box in ratios of the image (Rekognition's BoundingBox)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def area(self) -> float:
        return self.width * self.height


def focal_point(faces: Sequence[Box]) -> tuple[float, float]:
    """(x, y) in ratios of the image: the centre of the faces that matter, else the centre."""
    usable = [f for f in faces if f.width > 0 and f.height > 0]
    if not usable:
        return CENTRE
    largest = max(f.area for f in usable)
    kept = [f for f in usable if f.area >= largest * _MIN_SHARE_OF_LARGEST]
    left = min(f.left for f in kept)
    top = min(f.top for f in kept)
    right = max(f.left + f.width for f in kept)
    bottom = max(f.top + f.height for f in kept)
    return (_clamp((left + right) / 2), _clamp((top + bottom) / 2))


def square_box(width: int, height: int, focal: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest square inside width x height centred on `focal` as far as the edges allow."""
    side = min(width, height)
    left = round(focal[0] * width - side / 2)
    top = round(focal[1] * height - side / 2)
    left = max(0, min(left, width - side))
    top = max(0, min(top, height - side))
    return (left, top, left + side, top + side)


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))
