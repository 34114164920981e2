"""Rekognition's answers turned into a verdict, alt-text suggestions and face boxes."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.blog.photos.errors import PhotoRejected, Reason
from stratus.blog.photos.insights import inspect


class FakeRekognition:
    def __init__(self, moderation: list[dict[str, Any]] | None = None) -> None:
        self.moderation = moderation or []
        self.calls: list[str] = []

    def detect_moderation_labels(self, **params: Any) -> dict[str, Any]:
        self.calls.append("moderation")
        assert "Bytes" in params["Image"]
        return {"ModerationLabels": self.moderation, "ModerationModelVersion": "7.0"}

    def detect_labels(self, **params: Any) -> dict[str, Any]:
        self.calls.append("labels")
        return {
            "Labels": [
                {"Name": "Grass", "Confidence": 80.0},
                {"Name": "Dog", "Confidence": 99.1},
                {"Name": "Pet", "Confidence": 95.0},
                {"Name": "Animal", "Confidence": 94.0},
            ]
        }

    def detect_faces(self, **params: Any) -> dict[str, Any]:
        self.calls.append("faces")
        box = {"Width": 0.2, "Height": 0.3, "Left": 0.5, "Top": 0.1}
        return {"FaceDetails": [{"BoundingBox": box, "Confidence": 99.0}]}


def test_labels_become_alt_suggestions_most_confident_first() -> None:
    found = inspect(FakeRekognition(), b"jpeg")
    assert found.alt_suggestions == ["Dog", "Pet", "Animal", "Grass"]
    assert found.alt_text == "Photo of dog, pet and animal"
    assert found.faces[0].left == 0.5 and found.faces[0].width == 0.2
    assert found.checked


def test_moderation_label_rejects() -> None:
    label = {"Name": "Explicit Nudity", "Confidence": 97.0, "ParentName": ""}
    with pytest.raises(PhotoRejected) as caught:
        inspect(FakeRekognition([label]), b"jpeg")
    assert caught.value.reason is Reason.UNSAFE
    assert "Explicit Nudity" in caught.value.message


def test_low_confidence_moderation_label_passes() -> None:
    label = {"Name": "Suggestive", "Confidence": 30.0}
    assert inspect(FakeRekognition([label]), b"jpeg").checked
