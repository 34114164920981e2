"""Browser POST uploads (generate_presigned_post) are held to their policy as S3 holds them."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
from s3guard_stack import Stack

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # binary, with CRLFs inside


def presigned_post(
    stack: Stack, bucket: str, key: str, size: int, ct: str = "image/png", signer: Any = None
) -> Any:
    """Exactly the shape the to-do system signs: exact key, content type, exact size."""
    return (signer or stack.s3()).generate_presigned_post(
        bucket,
        key,
        Fields={"Content-Type": ct},
        Conditions=[{"Content-Type": ct}, ["content-length-range", size, size]],
        ExpiresIn=300,
    )


def upload(post: Any, body: bytes = PNG, override: dict[str, str] | None = None) -> httpx.Response:
    fields = {**post["fields"], **(override or {})}
    return httpx.post(post["url"], data=fields, files={"file": ("photo.png", body, "image/png")})


def code_and_message(response: httpx.Response) -> tuple[str, str]:
    code = re.search(r"<Code>([^<]+)</Code>", response.text)
    message = re.search(r"<Message>([^<]*)</Message>", response.text)
    assert code and message, response.text
    return code.group(1), message.group(1).replace("&quot;", '"')


def test_correct_upload_is_stored_byte_for_byte(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "users/u1/photo.png", len(PNG))
    response = upload(post)
    assert response.status_code == 204, response.text
    stored = stack.s3().get_object(Bucket=bucket, Key="users/u1/photo.png")
    assert stored["Body"].read() == PNG
    assert stored["ContentType"] == "image/png"


def test_wrong_content_type_is_403_policy_condition_failed(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    response = upload(post, override={"Content-Type": "text/html"})
    assert response.status_code == 403
    assert code_and_message(response) == (
        "AccessDenied",
        "Invalid according to Policy: Policy Condition failed: "
        '["eq", "$Content-Type", "image/png"]',
    )


def test_changed_key_is_403(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "users/u1/a.png", len(PNG))
    response = upload(post, override={"key": "users/u2/a.png"})
    assert response.status_code == 403
    assert code_and_message(response)[1].endswith('["eq", "$key", "users/u1/a.png"]')


def test_too_big_upload_is_entity_too_large(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    response = upload(post, body=PNG + b"x")
    assert response.status_code == 400  # S3's status here, not 403
    assert code_and_message(response)[0] == "EntityTooLarge"
    assert f"<MaxSizeAllowed>{len(PNG)}</MaxSizeAllowed>" in response.text


def test_too_small_upload_is_entity_too_small(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    response = upload(post, body=PNG[:-1])
    assert response.status_code == 400
    assert code_and_message(response)[0] == "EntityTooSmall"


def test_expired_policy_is_403(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    stack.clock.offset = 301
    response = upload(post)
    assert response.status_code == 403
    assert code_and_message(response) == (
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


def test_tampered_policy_is_signature_does_not_match(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not isinstance(c, list)]  # drop size
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    response = upload(post, body=PNG * 3, override={"policy": forged})
    assert response.status_code == 403
    assert code_and_message(response)[0] == "SignatureDoesNotMatch"


def test_extra_field_not_in_policy_is_403(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    response = upload(post, override={"x-amz-meta-owner": "mallory"})
    assert response.status_code == 403
    assert (
        code_and_message(response)[1]
        == "Invalid according to Policy: Extra input fields: x-amz-meta-owner"
    )


def test_post_signed_by_unknown_key_is_invalid_access_key(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG), signer=stack.s3("AKIAGHOST", "s"))
    response = upload(post)
    assert response.status_code == 403
    assert code_and_message(response)[0] == "InvalidAccessKeyId"


def test_post_without_key_field_is_invalid_argument(stack: Stack, bucket: str) -> None:
    post = presigned_post(stack, bucket, "k.png", len(PNG))
    fields = {k: v for k, v in post["fields"].items() if k != "key"}
    response = httpx.post(post["url"], data=fields, files={"file": ("a", PNG)})
    assert response.status_code == 400
    assert code_and_message(response)[0] == "InvalidArgument"
