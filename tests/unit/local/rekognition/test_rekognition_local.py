"""Local Rekognition through a front door and boto3: DetectFaces by OpenCV's cascade in
Rekognition's shape, the labels/moderation stand-in and its steering, Bytes and S3Object
images, and Rekognition's errors."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image
from starlette.responses import Response
from tests.unit.blog.photos.images import encode, face_scene, photo, photo_image
from tests.unit.local.moto_harness import serve

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.rekognition.service import STEERING_PATH, RekognitionService


async def _no_moto(request: AwsRequest) -> Response:
    return Response(b'{"__type": "NotHooked"}', status_code=400)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    service = RekognitionService()
    hooks = HookTable()
    hooks.add(service.hooks())
    hooks.add_paths(service.paths())
    with serve(FrontDoor(_no_moto, hooks=hooks)) as url:
        yield url


@pytest.fixture()
def rekognition(endpoint: str) -> Iterator[Any]:
    httpx.delete(endpoint + STEERING_PATH)
    yield boto3.client(
        "rekognition",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def jpeg(image: Image.Image) -> bytes:
    return encode(image, "JPEG", quality=90)


def test_detect_faces_finds_the_face_where_it_is(rekognition: Any) -> None:
    # A 1600x900 scene with a 400 px face whose box starts at (1100, 250).
    answer = rekognition.detect_faces(Image={"Bytes": jpeg(face_scene())})
    [face] = answer["FaceDetails"]
    box = face["BoundingBox"]
    centre_x = (box["Left"] + box["Width"] / 2) * 1600
    centre_y = (box["Top"] + box["Height"] / 2) * 900
    assert abs(centre_x - 1300) < 60 and abs(centre_y - 450) < 60
    assert 0.1 < box["Width"] < 0.3
    assert 50 <= face["Confidence"] <= 100
    types = {mark["Type"] for mark in face["Landmarks"]}
    assert {"eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"} <= types
    eyes = {m["Type"]: m for m in face["Landmarks"]}
    assert eyes["eyeLeft"]["X"] < eyes["eyeRight"]["X"]
    assert set(face["Pose"]) == {"Roll", "Yaw", "Pitch"}


def test_detect_faces_finds_none_in_a_landscape(rekognition: Any) -> None:
    assert rekognition.detect_faces(Image={"Bytes": photo(800, 600)})["FaceDetails"] == []


def test_detect_faces_reads_an_s3_object(rekognition: Any) -> None:
    from moto.s3.models import s3_backends

    backend = s3_backends[ACCOUNT_ID]["aws"]
    backend.create_bucket("rekognition-unit", "us-east-1")
    try:
        backend.put_object("rekognition-unit", "face.png", encode(face_scene(), "PNG"))
        answer = rekognition.detect_faces(
            Image={"S3Object": {"Bucket": "rekognition-unit", "Name": "face.png"}}
        )
        assert len(answer["FaceDetails"]) == 1
        with pytest.raises(ClientError) as missing:
            rekognition.detect_faces(
                Image={"S3Object": {"Bucket": "rekognition-unit", "Name": "nope.png"}}
            )
        assert missing.value.response["Error"]["Code"] == "InvalidS3ObjectException"
    finally:
        backend.delete_object("rekognition-unit", "face.png")
        backend.delete_bucket("rekognition-unit")


def test_not_an_image_is_invalid_image_format(rekognition: Any) -> None:
    with pytest.raises(ClientError) as caught:
        rekognition.detect_labels(Image={"Bytes": b"plain text, not a picture"})
    assert caught.value.response["Error"]["Code"] == "InvalidImageFormatException"
    with pytest.raises(ClientError) as webp:
        rekognition.detect_faces(Image={"Bytes": encode(photo_image(200, 100), "WEBP")})
    assert webp.value.response["Error"]["Code"] == "InvalidImageFormatException"


def test_bytes_over_5_mb_are_too_large(rekognition: Any) -> None:
    with pytest.raises(ClientError) as caught:
        rekognition.detect_faces(Image={"Bytes": b"\xff" * (5 * 1024 * 1024 + 1)})
    assert caught.value.response["Error"]["Code"] == "ImageTooLargeException"


def test_stand_in_labels_a_face_and_a_colour(rekognition: Any) -> None:
    labels = rekognition.detect_labels(Image={"Bytes": jpeg(face_scene())})["Labels"]
    names = [label["Name"] for label in labels]
    assert "Person" in names and "Face" in names
    person = next(label for label in labels if label["Name"] == "Person")
    assert len(person["Instances"]) == 1
    blue = rekognition.detect_labels(
        Image={"Bytes": jpeg(Image.new("RGB", (200, 200), (20, 40, 220)))}
    )
    assert [label["Name"] for label in blue["Labels"]] == ["Blue"]
    assert blue["LabelModelVersion"]


def test_stand_in_moderation_is_safe_by_default(rekognition: Any) -> None:
    answer = rekognition.detect_moderation_labels(Image={"Bytes": photo(400, 300)})
    assert answer["ModerationLabels"] == []
    assert answer["ModerationModelVersion"]


def test_steering_matches_a_resized_reencoded_copy_and_nothing_else(
    rekognition: Any, endpoint: str
) -> None:
    original = photo(1600, 1200, seed=21)
    steer = {
        "image": base64.b64encode(original).decode(),
        "labels": ["Dog", {"Name": "Grass", "Confidence": 80}],
        "moderationLabels": [{"Name": "Violence", "Confidence": 91, "ParentName": ""}],
    }
    assert httpx.post(endpoint + STEERING_PATH, json=steer).status_code == 200
    copy = Image.open(io.BytesIO(original)).resize((640, 480))
    webp_copy = encode(copy, "JPEG", quality=60)
    labels = rekognition.detect_labels(Image={"Bytes": webp_copy}, MinConfidence=50)["Labels"]
    assert [label["Name"] for label in labels] == ["Dog", "Grass"]
    moderation = rekognition.detect_moderation_labels(Image={"Bytes": webp_copy})
    assert [m["Name"] for m in moderation["ModerationLabels"]] == ["Violence"]
    assert moderation["ModerationLabels"][0]["TaxonomyLevel"] == 1
    other = rekognition.detect_moderation_labels(Image={"Bytes": photo(800, 600, seed=5)})
    assert other["ModerationLabels"] == []
    listed = httpx.get(endpoint + STEERING_PATH).json()["steerings"]
    assert len(listed) == 1


def test_min_confidence_and_max_labels_apply_to_steered_labels(
    rekognition: Any, endpoint: str
) -> None:
    steer = {
        "labels": [
            {"Name": "A", "Confidence": 95},
            {"Name": "B", "Confidence": 70},
            {"Name": "C", "Confidence": 90},
        ]
    }
    httpx.post(endpoint + STEERING_PATH, json=steer)  # no image: every image
    image = {"Bytes": photo(300, 200)}
    assert [x["Name"] for x in rekognition.detect_labels(Image=image)["Labels"]] == ["A", "C", "B"]
    few = rekognition.detect_labels(Image=image, MaxLabels=1)["Labels"]
    assert [x["Name"] for x in few] == ["A"]
    sure = rekognition.detect_labels(Image=image, MinConfidence=80)["Labels"]
    assert [x["Name"] for x in sure] == ["A", "C"]


def test_bad_steering_is_400(endpoint: str) -> None:
    assert httpx.post(endpoint + STEERING_PATH, content=b"[1]").status_code == 400
    bad_image = {"image": base64.b64encode(b"text").decode(), "labels": ["X"]}
    assert httpx.post(endpoint + STEERING_PATH, json=bad_image).status_code == 400
    assert (
        httpx.post(endpoint + STEERING_PATH, json={"labels": [{"Confidence": 3}]}).status_code
        == 400
    )
