"""DetectFaces answered by a real detector: OpenCV's frontal-face Haar cascade.

`opencv-python-headless` (a dev dependency: only the local cloud runs this, the Lambda
bundles never need it) ships the cascades in `cv2.data.haarcascades`. The picture is
searched at up to 1024 px on its longest side, in grey with equalised histogram.

The answer is Rekognition's FaceDetail shape
(https://docs.aws.amazon.com/rekognition/latest/APIReference/API_FaceDetail.html) with
the DEFAULT attributes: BoundingBox in ratios of the image's sides, Confidence, Landmarks
(eyes from the eye cascade inside the face when it finds both, else placed at the usual
proportions of a frontal face; nose and mouth corners always by proportion), Pose (zero:
frontal faces only) and Quality (brightness and sharpness of the face). Confidence is a
monotonic map of the cascade's level weight onto 50-99.9, not a probability. Faces come
largest first, at most 100, as Rekognition returns them.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from PIL import Image, ImageFilter, ImageStat

MAX_SIDE = 1024
MAX_FACES = 100

# Positions of the landmarks as ratios of the face box (a frontal face's usual proportions).
_PROPORTIONS = {
    "eyeLeft": (0.32, 0.40),
    "eyeRight": (0.68, 0.40),
    "nose": (0.50, 0.60),
    "mouthLeft": (0.36, 0.80),
    "mouthRight": (0.64, 0.80),
}


@functools.cache
def _cascades() -> tuple[Any, Any]:
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - a dev dependency
        raise RuntimeError(
            "DetectFaces needs opencv-python-headless (pip install -e '.[dev]')"
        ) from exc
    base = str(cv2.data.haarcascades)  # type: ignore[attr-defined]
    return (
        cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml"),
        cv2.CascadeClassifier(base + "haarcascade_eye.xml"),
    )


def detect(image: Image.Image) -> list[dict[str, Any]]:
    """Rekognition FaceDetails for `image` (RGB)."""
    import cv2
    import numpy as np

    face_cascade, eye_cascade = _cascades()
    scale = min(1.0, MAX_SIDE / max(image.size))
    small = (
        image
        if scale == 1.0
        else image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.BILINEAR,
        )
    )
    grey = cv2.equalizeHist(np.asarray(small.convert("L")))
    min_side = max(24, round(min(grey.shape) * 0.04))
    boxes, _levels, weights = face_cascade.detectMultiScale3(
        grey,
        scaleFactor=1.1,
        minNeighbors=5,
        minSize=(min_side, min_side),
        outputRejectLevels=True,
    )
    width, height = small.size
    details: list[dict[str, Any]] = []
    for (x, y, w, h), weight in zip(list(boxes), list(weights), strict=True):
        x, y, w, h = int(x), int(y), int(w), int(h)
        eyes = eye_cascade.detectMultiScale(
            grey[y : y + h // 2 + h // 8, x : x + w], scaleFactor=1.1, minNeighbors=4
        )
        details.append(
            {
                "BoundingBox": {
                    "Width": w / width,
                    "Height": h / height,
                    "Left": x / width,
                    "Top": y / height,
                },
                "Confidence": _confidence(float(weight)),
                "Landmarks": _landmarks((x, y, w, h), list(eyes), width, height),
                "Pose": {"Roll": 0.0, "Yaw": 0.0, "Pitch": 0.0},
                "Quality": _quality(small.crop((x, y, x + w, y + h))),
            }
        )
    details.sort(key=lambda d: -float(d["BoundingBox"]["Width"] * d["BoundingBox"]["Height"]))
    return details[:MAX_FACES]


def _confidence(weight: float) -> float:
    return round(50 + 49.9 / (1 + math.exp(-(weight - 1.0))), 4)


def _landmarks(
    face: tuple[int, int, int, int], eyes: list[Any], width: int, height: int
) -> list[dict[str, Any]]:
    x, y, w, h = face
    points = {name: (x + fx * w, y + fy * h) for name, (fx, fy) in _PROPORTIONS.items()}
    if len(eyes) >= 2:
        two = sorted(sorted(eyes, key=lambda e: -int(e[2]) * int(e[3]))[:2], key=lambda e: e[0])
        for name, (ex, ey, ew, eh) in zip(("eyeLeft", "eyeRight"), two, strict=True):
            points[name] = (x + int(ex) + int(ew) / 2, y + int(ey) + int(eh) / 2)
    return [
        {"Type": name, "X": round(px / width, 6), "Y": round(py / height, 6)}
        for name, (px, py) in points.items()
    ]


def _quality(face: Image.Image) -> dict[str, float]:
    grey = face.convert("L")
    brightness = ImageStat.Stat(grey).mean[0] / 255 * 100
    edges = ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES)).stddev[0]
    return {"Brightness": round(brightness, 4), "Sharpness": round(min(100.0, edges * 2), 4)}
