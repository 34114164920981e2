"""The blog's photo uploads end to end through the shared running cloud: `POST /api/uploads`
(who may ask, bad input), the pre-signed POST policy enforced by the local S3 (size, type,
key, expiry, signature), the pipeline's outcome at `GET /api/uploads/{name}`, and the
variants served by the distribution's `/photos/*` behaviour through OAC with immutable
caching, while the photo bucket refuses anyone else.
"""

from __future__ import annotations

import io
import re
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from joserfc import jwt
from PIL import Image

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD, signing_key, unverified_claims
from tests.integration.test_blog_api import _sign_in

pytestmark = pytest.mark.integration

MAX_BYTES = 25 * 1024 * 1024  # the pipeline's limit (stratus.blog.photos.config)


def _jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture(scope="module")
def blog(local_cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=str(local_cloud.stack_output("BlogApiUrl")).rstrip("/"),
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def site(local_cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    distribution = local_cloud.stack_output("DistributionId")
    with httpx.Client(
        base_url=f"{local_cloud.edge_origin}/_stratus/distributions/{distribution}",
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def author(local_cloud: LocalCloudHandle) -> dict[str, str]:
    return _sign_in(local_cloud, unique_email("photographer"), author=True)


def _ticket(blog: httpx.Client, author: dict[str, str], **body: Any) -> dict[str, Any]:
    request = {"filename": "Beach.jpg", "contentType": "image/jpeg", "size": 1000, **body}
    answer = blog.post("/api/uploads", json=request, headers=author)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _post(ticket: dict[str, Any], body: bytes, **override: str) -> httpx.Response:
    fields = {**ticket["fields"], **override}
    return httpx.post(
        ticket["url"], data=fields, files={"file": ("x.jpg", body, "image/jpeg")}, timeout=60
    )


def _forged(cloud: LocalCloudHandle, **claims: Any) -> str:
    """A Blog-pool ID token signed by the local Cognito's own key, differing in one claim."""
    pool = cloud.stack_output("BlogUserPoolId")
    now = int(time.time())
    payload = {
        "sub": "00000000-0000-4000-8000-000000000001",
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool}",
        "aud": cloud.stack_output("BlogUserPoolClientId"),
        "token_use": "id",
        "cognito:groups": ["authors"],
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        **claims,
    }
    key = signing_key(cloud)
    return jwt.encode({"alg": "RS256", "kid": key.thumbprint()}, payload, key)


def test_only_signed_in_authors_get_an_upload(
    local_cloud: LocalCloudHandle, blog: httpx.Client, author: dict[str, str]
) -> None:
    body = {"filename": "a.jpg", "contentType": "image/jpeg", "size": 10}
    assert blog.post("/api/uploads", json=body).status_code == 401
    reader = _sign_in(local_cloud, unique_email("reader"))
    assert blog.post("/api/uploads", json=body, headers=reader).status_code == 403
    expired = _forged(local_cloud, exp=int(time.time()) - 60)
    assert (
        blog.post("/api/uploads", json=body, headers={"Authorization": expired}).status_code == 401
    )
    token = author["Authorization"]
    header, payload, _ = token.split(".")
    tampered = f"{header}.{payload}.{'A' * 342}"
    assert (
        blog.post("/api/uploads", json=body, headers={"Authorization": tampered}).status_code == 401
    )
    assert unverified_claims(token)["cognito:groups"]  # the real author's token carries the group
    assert blog.post("/api/uploads", json=body, headers=author).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"filename": "a.gif", "contentType": "image/gif", "size": 10},
        {"filename": "a.jpg", "contentType": "image/jpeg", "size": MAX_BYTES + 1},
        {"filename": "a.jpg", "contentType": "image/jpeg"},
        {"filename": "a.jpg", "size": 10},
        {"filename": "a.jpg", "contentType": "image/jpeg", "size": 10, "key": "photos/mine.jpg"},
    ],
)
def test_bad_upload_requests_are_400(
    blog: httpx.Client, author: dict[str, str], body: dict[str, Any]
) -> None:
    answer = blog.post("/api/uploads", json=body, headers=author)
    assert answer.status_code == 400, answer.text


def test_s3_enforces_the_post_policy(
    local_cloud: LocalCloudHandle, blog: httpx.Client, author: dict[str, str]
) -> None:
    ticket = _ticket(blog, author)
    too_big = _post(ticket, b"\xff" * (MAX_BYTES + 1))
    assert too_big.status_code == 400 and "EntityTooLarge" in too_big.text
    wrong_type = _post(ticket, _jpeg(), **{"Content-Type": "text/html"})
    assert wrong_type.status_code == 403 and "Policy Condition failed" in wrong_type.text
    other_key = _post(ticket, _jpeg(), key="photos/chosen-by-me.jpg")
    assert other_key.status_code == 403
    forged = _post(ticket, _jpeg(), policy=ticket["fields"]["policy"][:-4] + "AAA=")
    assert forged.status_code in (400, 403)
    # An expired policy (signed here with ExpiresIn=1, as the API's would be after 5 min).
    signer = boto3.client(
        "s3", endpoint_url=local_cloud.aws_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )  # fmt: skip
    bucket = local_cloud.stack_output("PhotoUploadBucketName")
    late = signer.generate_presigned_post(
        Bucket=bucket, Key="photos/late.jpg", Fields={"Content-Type": "image/jpeg"},
        Conditions=[{"Content-Type": "image/jpeg"}], ExpiresIn=1,
    )  # fmt: skip
    time.sleep(2.5)
    expired = _post(late, _jpeg())
    assert expired.status_code == 403 and "Policy expired" in expired.text
    assert not signer.list_objects_v2(Bucket=bucket, Prefix="photos/late").get("Contents")


def test_upload_becomes_variants_served_by_the_edge_with_immutable_caching(
    local_cloud: LocalCloudHandle, blog: httpx.Client, site: httpx.Client, author: dict[str, str]
) -> None:
    body = _jpeg()
    ticket = _ticket(blog, author, size=len(body))
    sent = _post(ticket, body)
    assert sent.status_code == 204, sent.text
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = blog.get(f"/api/uploads/{ticket['name']}", headers=author).json()
        if status["status"] != "processing":
            break
        time.sleep(0.3)
    assert status["status"] == "ready", status
    jpegs = [v for v in status["variants"] if v["format"] == "jpg"]
    assert [v["width"] for v in jpegs] == [640, 320]  # none wider than the 800 px original
    path = jpegs[0]["url"]
    assert path == f"/photos/{ticket['id']}/640.jpg"

    first = site.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in first.headers  # compression is off for images
    assert Image.open(io.BytesIO(first.content)).size[0] == 640
    second = site.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert second.content == first.content
    # The site's pages still come from the site bucket: behaviours do not leak.
    assert site.get("/en/").status_code == 200

    # The bucket itself is private: only the distribution (OAC) reads it.
    bucket = local_cloud.stack_output("PhotoBucketName")
    direct = httpx.get(f"{local_cloud.aws_endpoint}/{bucket}{path}", timeout=30)
    assert direct.status_code == 403
    missing = site.get(f"/photos/{ticket['id']}/9999.jpg")
    assert missing.status_code == 404  # no ListBucket: S3's 403, mapped to the 404 page


def test_rejected_upload_reports_the_pipelines_reason(
    blog: httpx.Client, author: dict[str, str]
) -> None:
    body = b"this is not an image at all" * 10
    ticket = _ticket(blog, author, size=len(body))
    assert _post(ticket, body).status_code == 204
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = blog.get(f"/api/uploads/{ticket['name']}", headers=author).json()
        if status["status"] != "processing":
            break
        time.sleep(0.3)
    assert (status["status"], status["reason"]) == ("rejected", "not-an-image")


def test_cli_uploads_through_the_endpoint_and_prints_the_markdown(
    local_cloud: LocalCloudHandle, site: httpx.Client, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from stratus.cli.main import app

    email = unique_email("cli-photos")
    _sign_in(local_cloud, email, author=True)
    env = {
        "STRATUS_OUTPUTS": str(local_cloud.state_dir / "outputs.json"),
        "AWS_ENDPOINT_URL": local_cloud.aws_endpoint,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    runner = CliRunner()
    login = runner.invoke(app, ["blog", "login", email, "--password", PASSWORD], env=env)
    assert login.exit_code == 0, login.output
    photo = tmp_path / "Harbour at dusk.jpg"
    photo.write_bytes(_jpeg(1400, 900))
    done = runner.invoke(app, ["blog", "upload", str(photo)], env=env)
    assert done.exit_code == 0, done.output
    markdown = re.search(r"!\[([^\]]*)\]\((/photos/[0-9a-f]{32}/1280\.jpg)\)", done.output)
    assert markdown is not None, done.output
    assert markdown[1] == "Harbour at dusk"
    assert site.get(markdown[2]).status_code == 200
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    refused = runner.invoke(app, ["blog", "upload", str(text)], env=env)
    assert refused.exit_code == 1 and "not a JPEG" in refused.output
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"GIF89a not really a jpeg" * 4)
    rejected = runner.invoke(app, ["blog", "upload", str(fake)], env=env)
    assert rejected.exit_code == 1 and "rejected: not-an-image" in rejected.output
