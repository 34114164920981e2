"""SigV4 header signatures and pre-signed URLs are checked as S3 checks them."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from s3guard_stack import Stack


def code_of(response: httpx.Response) -> str:
    match = re.search(r"<Code>([^<]+)</Code>", response.text)
    assert match, response.text
    return match.group(1)


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]


def test_root_key_signed_requests_work_end_to_end(stack: Stack, bucket: str) -> None:
    s3 = stack.s3()
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == b"hello"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a b+c.txt"]
    s3.copy_object(
        Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/a b+c.txt"}
    )
    s3.delete_object(Bucket=bucket, Key="copy.txt")


def test_multipart_upload_with_root_key_works(stack: Stack, bucket: str) -> None:
    s3 = stack.s3()
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")
    part = s3.upload_part(
        Bucket=bucket, Key="big.bin", UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 10
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == 10


def test_unknown_access_key_is_invalid_access_key_id(stack: Stack, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        stack.s3(key="AKIANOBODY", secret="x").list_objects_v2(Bucket=bucket)
    assert error_code(exc) == (403, "InvalidAccessKeyId")


def test_wrong_secret_is_signature_does_not_match(stack: Stack, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        stack.s3(secret="wrong").put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_code(exc) == (403, "SignatureDoesNotMatch")


def test_clock_skew_over_15_minutes_is_request_time_too_skewed(stack: Stack, bucket: str) -> None:
    stack.clock.offset = 16 * 60
    with pytest.raises(ClientError) as exc:
        stack.s3().list_objects_v2(Bucket=bucket)
    assert error_code(exc) == (403, "RequestTimeTooSkewed")


def test_temporary_key_checks_token_and_expiry(stack: Stack, bucket: str) -> None:
    p = stack.store.issue(kind="function", role_arn=None, policies=None, ttl_seconds=600)
    assert stack.s3(p.access_key_id, p.secret_access_key, p.session_token).list_objects_v2(
        Bucket=bucket
    )
    with pytest.raises(ClientError) as exc:
        stack.s3(p.access_key_id, p.secret_access_key, "forged").list_objects_v2(Bucket=bucket)
    assert error_code(exc) == (400, "InvalidToken")
    stack.clock.offset = 601  # past the key's 600 s life, within the 15-minute skew allowance
    with pytest.raises(ClientError) as exc:
        stack.s3(p.access_key_id, p.secret_access_key, p.session_token).list_objects_v2(
            Bucket=bucket
        )
    assert error_code(exc) == (400, "ExpiredToken")


def test_body_not_matching_signed_hash_is_rejected(stack: Stack, bucket: str) -> None:
    url = f"{stack.endpoint}/{bucket}/k"
    signed = AWSRequest(method="PUT", url=url, data=b"hello")
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(signed)
    ok = httpx.put(url, headers=dict(signed.headers), content=b"hello")
    assert ok.status_code == 200
    response = httpx.put(url, headers=dict(signed.headers), content=b"evil!")
    assert response.status_code == 400 and code_of(response) == "XAmzContentSHA256Mismatch"


# Pre-signed URLs ------------------------------------------------------------------------------


def _presigned_get(stack: Stack, bucket: str, key: str = "photo.png", expires: int = 60) -> str:
    stack.s3().put_object(Bucket=bucket, Key=key, Body=b"png-bytes")
    return stack.s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
    )


def test_valid_presigned_get_works(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket, key="users/u 1/photo.png")
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"png-bytes"


def test_presigned_url_with_changed_key_is_signature_mismatch(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket)
    stack.s3().put_object(Bucket=bucket, Key="other.png", Body=b"secret")
    response = httpx.get(url.replace("/photo.png", "/other.png"))
    assert response.status_code == 403 and code_of(response) == "SignatureDoesNotMatch"
    assert "application/xml" in response.headers["content-type"]


def test_presigned_url_with_changed_signature_is_403(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Signature"] = "0" * 64
    response = httpx.get(urlunsplit(parts._replace(query=urlencode(query))))
    assert response.status_code == 403 and code_of(response) == "SignatureDoesNotMatch"


def test_presigned_url_with_added_query_parameter_is_403(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket)
    response = httpx.get(url + "&response-content-type=text/html")
    assert response.status_code == 403 and code_of(response) == "SignatureDoesNotMatch"


def test_expired_url_is_403_request_has_expired(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket, expires=60)
    stack.clock.offset = 61
    response = httpx.get(url)
    assert response.status_code == 403 and code_of(response) == "AccessDenied"
    assert "<Message>Request has expired</Message>" in response.text
    assert "<X-Amz-Expires>60</X-Amz-Expires>" in response.text and "<ServerTime>" in response.text


def test_presign_longer_than_a_week_is_rejected(stack: Stack, bucket: str) -> None:
    url = _presigned_get(stack, bucket, expires=604801)
    response = httpx.get(url)
    assert response.status_code == 400 and code_of(response) == "AuthorizationQueryParametersError"


def test_presigned_put_with_unsigned_amz_header_is_denied(stack: Stack, bucket: str) -> None:
    url = stack.s3().generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"})
    assert httpx.put(url, content=b"data").status_code == 200
    response = httpx.put(url, content=b"data", headers={"x-amz-meta-evil": "1"})
    assert response.status_code == 403 and "not signed" in response.text


def test_presigned_url_from_unknown_key_is_invalid_access_key(stack: Stack, bucket: str) -> None:
    url = stack.s3(key="AKIAGHOST", secret="s").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}
    )
    response = httpx.get(url)
    assert response.status_code == 403 and code_of(response) == "InvalidAccessKeyId"


def test_anonymous_request_to_bucket_is_access_denied(stack: Stack, bucket: str) -> None:
    response = httpx.get(f"{stack.endpoint}/{bucket}/anything")
    assert response.status_code == 403 and code_of(response) == "AccessDenied"


def test_other_services_are_left_alone(stack: Stack) -> None:
    # JSON protocol (X-Amz-Target) and Lambda's REST paths are not S3's business.
    response = httpx.post(
        f"{stack.endpoint}/",
        headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
        },
        content=b"{}",
    )
    assert "<Code>" not in response.text
