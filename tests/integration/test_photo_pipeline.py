"""The blog's photo pipeline through the running cloud: a pre-signed PUT to the upload
bucket runs the function from the S3 event; variants land in the photo bucket with their
headers and meta.json; bad uploads (text named .jpg, a bomb, an unsafe image steered through
the local Rekognition's stand-in) are rejected, tagged on the original, and write nothing;
the local Rekognition's DetectFaces centres the square thumbnail; a failing event goes to
the DLQ and its alarm fires. The CDK app is `tests/fixtures/apps/photo_pipeline`."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from PIL import Image

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client
from tests.unit.blog.photos.images import GPS_IFD, bomb_png, encode, face_scene, photo

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "photo_pipeline"
STEERING = "/_stratus/rekognition/labels"
WIDTHS = (1920, 1280, 640, 320)
TYPES = {"jpg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = tmp_path_factory.mktemp("photo-app") / "photo_pipeline"
    shutil.copytree(FIXTURE, app_dir, ignore=shutil.ignore_patterns(".stratus", "cdk.out"))
    saved = os.environ.get("STRATUS_ALARM_SECONDS")
    os.environ["STRATUS_ALARM_SECONDS"] = "1"
    try:
        proc, handle = start_local_cloud(None, app_dir=app_dir)
    finally:
        if saved is None:
            os.environ.pop("STRATUS_ALARM_SECONDS", None)
        else:
            os.environ["STRATUS_ALARM_SECONDS"] = saved
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def s3(cloud: LocalCloudHandle) -> Any:
    # SigV4 pre-signing, as S3 requires (the local S3 refuses SigV2 like AWS does).
    return boto3.client(
        "s3",
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _wait(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _upload(cloud: LocalCloudHandle, s3: Any, key: str, body: bytes, content_type: str) -> None:
    bucket = cloud.stack_output("PhotoUploadBucketName")
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=300,
    )
    response = httpx.put(url, content=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 200, response.text


def _tags(cloud: LocalCloudHandle, s3: Any, key: str) -> dict[str, str]:
    bucket = cloud.stack_output("PhotoUploadBucketName")
    tag_set = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tag_set}


def _outcome(cloud: LocalCloudHandle, s3: Any, key: str) -> dict[str, str]:
    return dict(
        _wait(lambda: (t := _tags(cloud, s3, key)).get("photo-status") and t, 60, f"{key} tags")
    )


def _photo_keys(cloud: LocalCloudHandle, s3: Any, prefix: str) -> list[str]:
    bucket = cloud.stack_output("PhotoBucketName")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(obj["Key"] for obj in listed.get("Contents", []))


def _meta(cloud: LocalCloudHandle, s3: Any, stem: str) -> dict[str, Any]:
    bucket = cloud.stack_output("PhotoBucketName")

    def read() -> dict[str, Any] | None:
        try:
            body = s3.get_object(Bucket=bucket, Key=f"{stem}/meta.json")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return dict(json.loads(body))

    return dict(_wait(read, 60, f"{stem}/meta.json"))


def test_presigned_upload_becomes_variants_with_immutable_headers(
    cloud: LocalCloudHandle, s3: Any
) -> None:
    key = "photos/holiday.jpg"
    body = photo(2400, 1600, gps=True, xmp=True)
    labels = [{"Name": "Beach", "Confidence": 97}, {"Name": "Sea", "Confidence": 91}]
    steer = {"image": base64.b64encode(body).decode(), "labels": labels}
    assert httpx.post(cloud.aws_endpoint + STEERING, json=steer, timeout=30).status_code == 200
    _upload(cloud, s3, key, body, "image/jpeg")
    meta = _meta(cloud, s3, "photos/holiday")
    assert (meta["width"], meta["height"]) == (2400, 1600)
    keys = _photo_keys(cloud, s3, "photos/holiday/")
    for width in WIDTHS:
        for ext in TYPES:
            assert f"photos/holiday/{width}.{ext}" in keys
    bucket = cloud.stack_output("PhotoBucketName")
    for ext, content_type in TYPES.items():
        got = s3.get_object(Bucket=bucket, Key=f"photos/holiday/640.{ext}")
        assert got["CacheControl"] == "public, max-age=31536000, immutable"
        assert got["ContentType"] == content_type
        image = Image.open(io.BytesIO(got["Body"].read()))
        assert image.size == (640, 427)
        assert not image.getexif().get_ifd(GPS_IFD)
    assert meta["moderation"] == "passed"
    assert meta["alt"] == {"text": "Photo of beach and sea", "suggestions": ["Beach", "Sea"]}
    # The original stays, tagged as processed.
    upload_bucket = cloud.stack_output("PhotoUploadBucketName")
    assert s3.head_object(Bucket=upload_bucket, Key=key)["ContentLength"] > 0
    assert _outcome(cloud, s3, key)["photo-status"] == "processed"


def test_text_file_named_jpg_is_rejected_recorded_and_writes_nothing(
    cloud: LocalCloudHandle, s3: Any
) -> None:
    key = "photos/fake.jpg"
    _upload(cloud, s3, key, b"just some text, honestly\n" * 40, "image/jpeg")
    tags = _outcome(cloud, s3, key)
    assert tags["photo-status"] == "rejected"
    assert tags["photo-reason"] == "not-an-image"
    assert _photo_keys(cloud, s3, "photos/fake/") == []


def test_bomb_is_rejected(cloud: LocalCloudHandle, s3: Any) -> None:
    key = "photos/bomb.png"
    _upload(cloud, s3, key, bomb_png(60_000, 60_000), "image/png")
    tags = _outcome(cloud, s3, key)
    assert (tags["photo-status"], tags["photo-reason"]) == ("rejected", "too-many-pixels")
    assert _photo_keys(cloud, s3, "photos/bomb/") == []


def test_unsafe_image_steered_in_the_stand_in_is_rejected(cloud: LocalCloudHandle, s3: Any) -> None:
    body = photo(1600, 1200, seed=77)
    steer = {
        "image": base64.b64encode(body).decode(),
        "moderationLabels": [{"Name": "Violence", "Confidence": 95}],
    }
    response = httpx.post(cloud.aws_endpoint + STEERING, json=steer, timeout=30)
    assert response.status_code == 200, response.text
    key = "photos/unsafe.jpg"
    _upload(cloud, s3, key, body, "image/jpeg")
    tags = _outcome(cloud, s3, key)
    assert (tags["photo-status"], tags["photo-reason"]) == ("rejected", "unsafe")
    assert "Violence" in tags["photo-detail"]
    assert _photo_keys(cloud, s3, "photos/unsafe/") == []


def test_detected_face_centres_the_square_thumbnail(cloud: LocalCloudHandle, s3: Any) -> None:
    # 1600x900 with a face around x=1300 (0.81 of the width): a centred square would miss it.
    key = "photos/portrait.jpg"
    _upload(cloud, s3, key, encode(face_scene(), "JPEG", quality=92), "image/jpeg")
    meta = _meta(cloud, s3, "photos/portrait")
    assert len(meta["faces"]) == 1
    assert abs(meta["focalPoint"]["x"] - 0.81) < 0.05
    assert "Person" in meta["alt"]["suggestions"]
    bucket = cloud.stack_output("PhotoBucketName")
    square = s3.get_object(Bucket=bucket, Key="photos/portrait/square-320.jpg")
    assert Image.open(io.BytesIO(square["Body"].read())).size == (320, 320)


def test_failing_event_goes_to_the_dlq_and_its_alarm_fires(
    cloud: LocalCloudHandle, s3: Any
) -> None:
    # An event naming the photo bucket: the function's role may not read there (least
    # privilege), the S3 guard answers 403, the function raises, retries, dead-letters.
    bucket = cloud.stack_output("PhotoBucketName")
    s3.put_object(Bucket=bucket, Key="forbidden.jpg", Body=photo(400, 300))
    event = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": {"key": "forbidden.jpg"}},
            }
        ]
    }
    aws_client(cloud, "lambda").invoke(
        FunctionName=cloud.stack_output("FunctionName"),
        InvocationType="Event",
        Payload=json.dumps(event).encode(),
    )
    sqs = aws_client(cloud, "sqs")
    dlq = cloud.stack_output("DlqUrl")

    def dead_letters() -> list[dict[str, Any]]:
        got = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=0
        )
        return list(got.get("Messages", []))

    [message] = _wait(dead_letters, 40, "a message in the DLQ")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "forbidden.jpg"
    cloudwatch = aws_client(cloud, "cloudwatch")

    def dlq_alarm_state() -> str:
        alarms = cloudwatch.describe_alarms()["MetricAlarms"]
        [alarm] = [a for a in alarms if "DlqDepth" in a["AlarmName"]]
        return str(alarm["StateValue"])

    _wait(lambda: dlq_alarm_state() == "ALARM", 40, "the DLQ depth alarm")
