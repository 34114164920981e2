"""The three image operations answered locally (everything else goes on to moto)."""

from __future__ import annotations

from typing import Any

from PIL import Image

from stratus.local.rekognition import faces, standin
from stratus.local.rekognition.images import RekognitionError, image_bytes, open_image

DEFAULT_LABEL_CONFIDENCE = 55.0
DEFAULT_MODERATION_CONFIDENCE = 50.0


def _confidence(params: dict[str, Any], default: float) -> float:
    value = params.get("MinConfidence", default)
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RekognitionError(
            "InvalidParameterException", "MinConfidence must be a number"
        ) from exc
    if not 0 <= number <= 100:
        raise RekognitionError("InvalidParameterException", "MinConfidence must be 0-100")
    return number


def _image(params: dict[str, Any]) -> Image.Image:
    return open_image(image_bytes(params))


def detect_faces(params: dict[str, Any]) -> dict[str, Any]:
    attributes = params.get("Attributes") or ["DEFAULT"]
    if not isinstance(attributes, list):
        raise RekognitionError("InvalidParameterException", "Attributes must be a list")
    return {"FaceDetails": faces.detect(_image(params))}


def detect_labels(params: dict[str, Any], steerings: standin.Steerings) -> dict[str, Any]:
    image = _image(params)
    min_confidence = _confidence(params, DEFAULT_LABEL_CONFIDENCE)
    max_labels = params.get("MaxLabels")
    steering = steerings.find(standin.difference_hash(image))
    if steering is not None and steering.labels is not None:
        labels = list(steering.labels)
    else:
        labels = standin.face_labels(faces.detect(image))
        colour = standin.colour_label(image)
        if colour is not None:
            labels.append(colour)
    limit = int(max_labels) if max_labels is not None else None
    return {
        "Labels": standin.filtered(labels, min_confidence, limit),
        "LabelModelVersion": standin.LABEL_MODEL_VERSION,
    }


def detect_moderation_labels(
    params: dict[str, Any], steerings: standin.Steerings
) -> dict[str, Any]:
    image = _image(params)
    min_confidence = _confidence(params, DEFAULT_MODERATION_CONFIDENCE)
    steering = steerings.find(standin.difference_hash(image))
    labels = steering.moderation if steering is not None and steering.moderation else []
    return {
        "ModerationLabels": standin.filtered(list(labels), min_confidence, None),
        "ModerationModelVersion": standin.MODERATION_MODEL_VERSION,
    }
