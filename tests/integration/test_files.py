"""Each user's own S3 folder: pre-signed URLs and identity-pool credentials, checked as AWS does."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, aws_client


def upload_url(
    api: httpx.Client, user: User, name: str, content_type: str, size: int
) -> dict[str, Any]:
    response = api.post(
        "files/upload-url",
        headers=user.auth,
        json={"name": name, "content_type": content_type, "size": size},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def post_upload(grant: dict[str, Any], content: bytes, content_type: str) -> httpx.Response:
    fields = dict(grant["fields"])
    return httpx.post(grant["url"], data=fields, files={"file": ("f", content, content_type)})


def test_upload_list_download_delete(api: httpx.Client, alice: User) -> None:
    body = b"hello from alice"
    grant = upload_url(api, alice, "notes/hello.txt", "text/plain", len(body))
    assert grant["key"] == f"{alice.sub}/notes/hello.txt"
    assert post_upload(grant, body, "text/plain").status_code in (200, 201, 204)

    names = [item["name"] for item in api.get("files", headers=alice.auth).json()["items"]]
    assert "notes/hello.txt" in names

    answer = api.get("files/download-url", params={"name": "notes/hello.txt"}, headers=alice.auth)
    assert answer.status_code == 200, answer.text
    assert httpx.get(answer.json()["url"]).content == body

    assert (
        api.delete("files", params={"name": "notes/hello.txt"}, headers=alice.auth).status_code
        == 204
    )
    assert (
        api.get(
            "files/download-url", params={"name": "notes/hello.txt"}, headers=alice.auth
        ).status_code
        == 404
    )


def test_upload_with_other_content_type_is_403(api: httpx.Client, alice: User) -> None:
    grant = upload_url(api, alice, "a.png", "image/png", 4)
    fields = dict(grant["fields"], **{"Content-Type": "text/html"})
    response = httpx.post(grant["url"], data=fields, files={"file": ("f", b"1234", "text/html")})
    assert response.status_code == 403
    assert "AccessDenied" in response.text


def test_upload_larger_than_signed_size_is_rejected(api: httpx.Client, alice: User) -> None:
    grant = upload_url(api, alice, "small.bin", "application/octet-stream", 4)
    response = post_upload(grant, b"12345678", "application/octet-stream")
    # S3 answers a content-length-range violation with 400 EntityTooLarge.
    assert response.status_code == 400 and "EntityTooLarge" in response.text


def test_tampered_download_url_is_403(api: httpx.Client, alice: User, bob: User) -> None:
    body = b"bob's secret"
    grant = upload_url(api, bob, "secret.txt", "text/plain", len(body))
    post_upload(grant, body, "text/plain")
    link = api.get("files/download-url", params={"name": "secret.txt"}, headers=bob.auth).json()[
        "url"
    ]
    parts = urlsplit(link)
    other_key = parts.path.replace(bob.sub, alice.sub)
    assert httpx.get(urlunsplit(parts._replace(path=other_key))).status_code == 403
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Signature"] = "0" * 64
    assert httpx.get(urlunsplit(parts._replace(query=urlencode(query)))).status_code == 403
    assert httpx.get(link).content == body


@pytest.mark.parametrize("name", ["../escape.txt", "/abs.txt", "a\\b.txt", "bad\x01.txt", "a//b"])
def test_names_that_escape_the_folder_are_400(api: httpx.Client, alice: User, name: str) -> None:
    response = api.post(
        "files/upload-url",
        headers=alice.auth,
        json={"name": name, "content_type": "text/plain", "size": 1},
    )
    assert response.status_code == 400
    assert "name" in response.text


def test_other_users_file_is_404_through_the_api(api: httpx.Client, alice: User, bob: User) -> None:
    body = b"x"
    grant = upload_url(api, bob, "only-bob.txt", "text/plain", 1)
    post_upload(grant, body, "text/plain")
    assert (
        api.get(
            "files/download-url", params={"name": "only-bob.txt"}, headers=alice.auth
        ).status_code
        == 404
    )
    assert "only-bob.txt" not in [
        i["name"] for i in api.get("files", headers=alice.auth).json()["items"]
    ]


def identity_credentials(cloud: LocalCloudHandle, user: User) -> dict[str, str]:
    identity = aws_client(cloud, "cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{cloud.stack_output('UserPoolId')}"
    identity_id = identity.get_id(
        IdentityPoolId=cloud.stack_output("IdentityPoolId"), Logins={provider: user.id_token}
    )["IdentityId"]
    creds = identity.get_credentials_for_identity(
        IdentityId=identity_id, Logins={provider: user.id_token}
    )["Credentials"]
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretKey"],
        "session_token": creds["SessionToken"],
    }


def test_identity_pool_credentials_are_distinct_per_user(
    local_cloud: LocalCloudHandle, alice: User, bob: User
) -> None:
    assert (
        identity_credentials(local_cloud, alice)["access_key"]
        != identity_credentials(local_cloud, bob)["access_key"]
    )


def test_identity_credentials_reach_only_the_users_own_folder(
    local_cloud: LocalCloudHandle, alice: User, bob: User
) -> None:
    bucket = local_cloud.stack_output("UserFilesBucketName")
    s3 = aws_client(local_cloud, "s3", **identity_credentials(local_cloud, alice))
    s3.put_object(Bucket=bucket, Key=f"{alice.sub}/direct.txt", Body=b"direct")
    assert s3.get_object(Bucket=bucket, Key=f"{alice.sub}/direct.txt")["Body"].read() == b"direct"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{alice.sub}/")
    assert any(obj["Key"].endswith("direct.txt") for obj in listed.get("Contents", []))
    for call in (
        lambda: s3.put_object(Bucket=bucket, Key=f"{bob.sub}/planted.txt", Body=b"x"),
        lambda: s3.get_object(Bucket=bucket, Key=f"{bob.sub}/secret.txt"),
        lambda: s3.list_objects_v2(Bucket=bucket, Prefix=f"{bob.sub}/"),
        lambda: s3.list_objects_v2(Bucket=bucket),
        lambda: s3.delete_object(Bucket=bucket, Key=f"{bob.sub}/secret.txt"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_forged_signature_with_real_access_key_is_rejected(
    local_cloud: LocalCloudHandle, alice: User
) -> None:
    creds = identity_credentials(local_cloud, alice)
    s3 = aws_client(local_cloud, "s3", **{**creds, "secret_key": "not-the-secret"})
    with pytest.raises(ClientError) as caught:
        s3.get_object(
            Bucket=local_cloud.stack_output("UserFilesBucketName"), Key=f"{alice.sub}/direct.txt"
        )
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
