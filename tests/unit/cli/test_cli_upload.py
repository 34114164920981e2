"""The S3 form upload: signed fields first, the file last, progress for every byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fakes import StubApi

from stratus.cli.todo.api import ApiError, TodoApi


def test_upload_posts_every_field_then_the_file_last_and_reports_progress(
    stub_api: StubApi, tmp_path: Path
) -> None:
    stub_api.routes[("POST", "/bucket")] = (204, {}, None)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8" + b"x" * 200_000)
    fields = {"key": "u1/photo.jpg", "policy": "cG9s", "x-amz-signature": "abc"}
    grant = {"url": stub_api.url + "bucket", "method": "POST", "fields": fields}
    sent: list[int] = []

    TodoApi(stub_api.url, True, lambda force: "t").upload(grant, photo, "image/jpeg", sent.append)

    raw = stub_api.seen[0]["raw"]
    names = [raw.index(f'name="{n}"'.encode()) for n in (*fields, "file")]
    assert names == sorted(names)  # S3 ignores fields after `file`
    assert b'filename="photo.jpg"' in raw and b"Content-Type: image/jpeg" in raw
    assert sum(sent) == photo.stat().st_size


def test_s3_refusal_becomes_an_api_error_with_its_status(stub_api: StubApi, tmp_path: Path) -> None:
    stub_api.routes[("POST", "/bucket")] = (403, {}, {"Code": "AccessDenied"})
    note = tmp_path / "n.txt"
    note.write_text("hi")
    api = TodoApi(stub_api.url, True, lambda force: "t")
    grant = {"url": stub_api.url + "bucket", "fields": {}}
    with pytest.raises(ApiError) as caught:
        api.upload(grant, note, "text/plain", lambda n: None)
    assert caught.value.status == 403
