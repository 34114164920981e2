"""/files: per-user folder, pre-signed POST policy, listing with user-bound cursors."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from todo_cloud import BUCKET, UPLOAD_MAX, Cloud
from todo_harness import USER_A, USER_B, api_event, call


def _upload(app: Any, name: str, content_type: str = "text/plain", size: int = 5,
            sub: str = USER_A) -> Any:
    body = {"name": name, "content_type": content_type, "size": size}
    return call(app, api_event("POST", "/files/upload-url", body, sub=sub))


@pytest.mark.parametrize(
    "name",
    ["../other/x.txt", "a/../../x", "a/./b", "/etc/passwd", "a\\b.txt", "a//b", "dir/",
     "bad\x00name", "tab\tname", "del\x7fname", "x" * 1025, "é" * 600, ""],
)
def test_unsafe_file_names_are_400_naming_name(files_app: Any, name: str) -> None:
    reply = _upload(files_app, name)
    assert reply.status == 400, reply.body
    assert reply.field == "name"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "a.txt", "content_type": "text", "size": 5}, "content_type"),
     ({"name": "a.txt", "content_type": "text/plain; x=1", "size": 5}, "content_type"),
     ({"name": "a.txt", "content_type": "text/plain", "size": 0}, "size"),
     ({"name": "a.txt", "content_type": "text/plain", "size": UPLOAD_MAX + 1}, "size"),
     ({"name": "a.txt", "content_type": "text/plain", "size": "5"}, "size"),
     ({"name": "a.txt", "content_type": "text/plain", "size": 5, "acl": "public"}, "acl")],
)
def test_invalid_upload_request_is_400_naming_the_field(
    files_app: Any, body: dict[str, Any], field: str
) -> None:
    reply = call(files_app, api_event("POST", "/files/upload-url", body))
    assert (reply.status, reply.field) == (400, field)


def test_upload_url_policy_pins_key_type_and_exact_size(files_app: Any) -> None:
    reply = _upload(files_app, "photos/2025/cat.png", "image/png", 1234)
    assert reply.status == 200
    body = reply.body
    assert body["key"] == f"{USER_A}/photos/2025/cat.png"
    assert body["method"] == "POST"
    assert body["fields"]["key"] == body["key"]
    assert body["fields"]["Content-Type"] == "image/png"
    assert body["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1234, 1234] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": body["key"]} in conditions
    assert {"bucket": BUCKET} in conditions
    assert body["expires_at"] == "2025-03-01T12:15:00.000Z"


def test_other_sub_looking_prefix_stays_in_callers_folder(files_app: Any) -> None:
    reply = _upload(files_app, f"{USER_B}/steal.txt")
    assert reply.body["key"] == f"{USER_A}/{USER_B}/steal.txt"


def _put(cloud: Cloud, sub: str, name: str, data: bytes = b"hello") -> None:
    cloud.s3.put_object(Bucket=BUCKET, Key=f"{sub}/{name}", Body=data)


def test_listing_shows_only_callers_files_and_pages_with_cursor(
    files_app: Any, cloud: Cloud
) -> None:
    for n in range(3):
        _put(cloud, USER_A, f"docs/{n}.txt")
    _put(cloud, USER_B, "secret.txt")
    first = call(files_app, api_event("GET", "/files", query={"limit": "2"})).body
    assert [i["name"] for i in first["items"]] == ["docs/0.txt", "docs/1.txt"]
    assert first["items"][0]["size"] == 5
    second = call(files_app, api_event("GET", "/files",
                                       query={"limit": "2", "cursor": first["next"]})).body
    assert [i["name"] for i in second["items"]] == ["docs/2.txt"]
    assert second["next"] is None
    stolen = call(files_app, api_event("GET", "/files", sub=USER_B,
                                       query={"cursor": first["next"]}))
    assert (stolen.status, stolen.field) == (400, "cursor")


def test_download_url_for_existing_file(files_app: Any, cloud: Cloud) -> None:
    _put(cloud, USER_A, "a.txt")
    reply = call(files_app, api_event("GET", "/files/download-url", query={"name": "a.txt"}))
    assert reply.status == 200
    assert f"{USER_A}/a.txt" in reply.body["url"]
    assert "X-Amz-Signature=" in reply.body["url"]


def test_download_of_missing_or_other_users_file_is_404(files_app: Any, cloud: Cloud) -> None:
    _put(cloud, USER_B, "b.txt")
    for name in ("missing.txt", "b.txt"):
        reply = call(files_app, api_event("GET", "/files/download-url", query={"name": name}))
        assert reply.status == 404


def test_download_name_is_required_and_checked(files_app: Any) -> None:
    missing = call(files_app, api_event("GET", "/files/download-url"))
    bad = call(files_app, api_event("GET", "/files/download-url", query={"name": "../x"}))
    assert (missing.status, missing.field) == (400, "name")
    assert (bad.status, bad.field) == (400, "name")


def test_delete_file_is_204_then_404(files_app: Any, cloud: Cloud) -> None:
    _put(cloud, USER_A, "gone.txt")
    assert call(files_app, api_event("DELETE", "/files", query={"name": "gone.txt"})).status == 204
    assert call(files_app, api_event("DELETE", "/files", query={"name": "gone.txt"})).status == 404
