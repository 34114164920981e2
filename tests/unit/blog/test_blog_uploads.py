"""Photo uploads through the authors' resolver (moto S3): the pre-signed POST's policy, the
key made server-side, bad input, who may ask, and the pipeline's outcome as a status."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest
from blog_harness import AUTHOR, READER, author_call, call
from tests.unit.blog.conftest import Cloud, make_deps

from stratus.blog.api import build_admin_app
from stratus.blog.uploads import PhotoUploads, alt_from_filename

UPLOADS, PHOTOS = "uploads", "photos"
MAX = 1000
PHOTO_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def admin(cloud: Cloud) -> Any:
    for bucket in (UPLOADS, PHOTOS):
        cloud.s3.create_bucket(Bucket=bucket)
        for obj in cloud.s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            cloud.s3.delete_object(Bucket=bucket, Key=obj["Key"])
    uploads = PhotoUploads(
        cloud.s3, upload_bucket=UPLOADS, photo_bucket=PHOTOS, max_bytes=MAX, ids=lambda: PHOTO_ID
    )
    return build_admin_app(replace(make_deps(cloud), uploads=lambda: uploads))


def _policy(fields: dict[str, str]) -> dict[str, Any]:
    return json.loads(base64.b64decode(fields["policy"]))


def test_author_gets_a_post_policy_fixing_key_type_and_size(admin: Any) -> None:
    body = {"filename": "../../etc/Beach day.JPG", "contentType": "image/jpeg", "size": 500}
    status, ticket, headers = author_call(admin, "POST", "/api/uploads", body)
    assert status == 201, ticket
    assert headers["cache-control"] == "no-store"
    assert ticket["key"] == f"photos/{PHOTO_ID}.jpg"  # never from the filename
    assert ticket["name"] == f"{PHOTO_ID}.jpg" and ticket["alt"] == "Beach day"
    assert UPLOADS in ticket["url"]
    assert ticket["fields"]["key"] == ticket["key"]
    assert ticket["fields"]["Content-Type"] == "image/jpeg"
    conditions = _policy(ticket["fields"])["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, MAX] in conditions
    assert {"key": ticket["key"]} in conditions
    assert ticket["variants"]["jpg"] == f"/photos/{PHOTO_ID}/{{width}}.jpg"
    assert ticket["expiresIn"] <= 300 and ticket["maxBytes"] == MAX


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filename": "x.gif", "contentType": "image/gif", "size": 10}, "contentType"),
        ({"filename": "x.svg", "contentType": "image/svg+xml", "size": 10}, "contentType"),
        ({"filename": "x.jpg", "contentType": "image/jpeg", "size": MAX + 1}, "size"),
        ({"filename": "x.jpg", "contentType": "image/jpeg", "size": 0}, "size"),
        ({"filename": "x.jpg", "contentType": "image/jpeg"}, "size"),
        ({"contentType": "image/jpeg", "size": 10}, "filename"),
        ({"filename": "x.jpg", "contentType": "image/jpeg", "size": "10"}, "size"),
    ],
)
def test_bad_upload_requests_are_400_naming_the_field(
    admin: Any, body: dict[str, Any], field: str
) -> None:
    status, answer, _ = author_call(admin, "POST", "/api/uploads", body)
    assert status == 400, answer
    assert field in json.dumps(answer)


def test_only_authors_may_upload(admin: Any) -> None:
    body = {"filename": "x.jpg", "contentType": "image/jpeg", "size": 10}
    assert call(admin, "POST", "/api/uploads", body, sub=READER)[0] == 403
    assert call(admin, "POST", "/api/uploads", body)[0] == 401
    assert call(admin, "GET", f"/api/uploads/{PHOTO_ID}.jpg", sub=READER)[0] == 403
    assert call(admin, "POST", "/api/uploads", body, sub=AUTHOR, groups="authors")[0] == 201


def test_status_follows_the_pipeline(cloud: Cloud, admin: Any) -> None:
    name = f"{PHOTO_ID}.jpg"
    assert author_call(admin, "GET", f"/api/uploads/{name}")[0] == 404  # nothing uploaded
    cloud.s3.put_object(Bucket=UPLOADS, Key=f"photos/{name}", Body=b"x")
    status, answer, _ = author_call(admin, "GET", f"/api/uploads/{name}")
    assert (status, answer["status"]) == (200, "processing")
    cloud.s3.put_object_tagging(
        Bucket=UPLOADS,
        Key=f"photos/{name}",
        Tagging={"TagSet": [{"Key": "photo-status", "Value": "rejected"},
                            {"Key": "photo-reason", "Value": "not-an-image"}]},
    )  # fmt: skip
    answer = author_call(admin, "GET", f"/api/uploads/{name}")[1]
    assert (answer["status"], answer["reason"]) == ("rejected", "not-an-image")
    meta = {
        "width": 1500, "height": 1000, "alt": {"text": "a beach"},
        "variants": [
            {"kind": "width", "width": w, "height": w * 2 // 3, "format": f}
            for w in (1280, 640) for f in ("jpg", "webp")
        ] + [{"kind": "square", "width": 320, "height": 320, "format": "jpg"}],
    }  # fmt: skip
    cloud.s3.put_object(Bucket=PHOTOS, Key=f"photos/{PHOTO_ID}/meta.json", Body=json.dumps(meta))
    answer = author_call(admin, "GET", f"/api/uploads/{name}")[1]
    assert answer["status"] == "ready" and answer["alt"] == "a beach"
    assert [v["url"] for v in answer["variants"] if v["format"] == "jpg"] == [
        f"/photos/{PHOTO_ID}/1280.jpg",
        f"/photos/{PHOTO_ID}/640.jpg",
    ]


@pytest.mark.parametrize("name", ["x.jpg", f"{PHOTO_ID}.gif", f"{PHOTO_ID.upper()}.jpg", "..%2Fa"])
def test_status_of_a_malformed_name_is_400(admin: Any, name: str) -> None:
    assert author_call(admin, "GET", f"/api/uploads/{name}")[0] == 400


def test_stage_without_the_pipeline_answers_404(cloud: Cloud) -> None:
    admin = build_admin_app(make_deps(cloud))
    body = {"filename": "x.jpg", "contentType": "image/jpeg", "size": 10}
    assert author_call(admin, "POST", "/api/uploads", body)[0] == 404


def test_alt_text_from_a_filename() -> None:
    assert alt_from_filename("C:\\photos\\IMG_2041.jpeg") == "IMG 2041"
    assert alt_from_filename("...") == "photo"
