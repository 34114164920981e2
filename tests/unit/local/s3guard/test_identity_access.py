"""Credentials that carry policies reach only what the policies allow (the per-user folder rule)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from s3guard_stack import Stack

from stratus.local.iam.credentials import Principal

ROLE = "arn:aws:iam::000000000000:role/todo-AuthenticatedRole"
OWN = "${aws:PrincipalTag/sub}"


def folder_policy(bucket: str) -> dict[str, Any]:
    """The to-do system's authenticated-role policy (infra/todo/constructs/auth.py), resolved."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnFolderObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"arn:aws:s3:::{bucket}/{OWN}/*",
            },
            {
                "Sid": "ListOwnFolder",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [f"{OWN}/*", f"{OWN}/"]}},
            },
        ],
    }


def user(stack: Stack, bucket: str, sub: str) -> Principal:
    return stack.store.issue(
        kind="identity",
        role_arn=ROLE,
        policies=[folder_policy(bucket)],
        principal_tags={"sub": sub},
        subject=f"us-east-1:{sub}",
    )


def client(stack: Stack, p: Principal) -> Any:
    return stack.s3(p.access_key_id, p.secret_access_key, p.session_token)


def denied(exc: pytest.ExceptionInfo[ClientError]) -> str:
    err = exc.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Code"] == "AccessDenied"
    return str(err["Error"]["Message"])


def test_user_puts_gets_and_lists_own_folder(stack: Stack, bucket: str) -> None:
    s3 = client(stack, user(stack, bucket, "alice"))
    s3.put_object(Bucket=bucket, Key="alice/notes.txt", Body=b"mine")
    assert s3.get_object(Bucket=bucket, Key="alice/notes.txt")["Body"].read() == b"mine"
    assert s3.head_object(Bucket=bucket, Key="alice/notes.txt")["ContentLength"] == 4
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="alice/")
    assert [o["Key"] for o in listed["Contents"]] == ["alice/notes.txt"]
    s3.delete_object(Bucket=bucket, Key="alice/notes.txt")


def test_other_users_folder_is_access_denied(stack: Stack, bucket: str) -> None:
    stack.s3().put_object(Bucket=bucket, Key="bob/secret.txt", Body=b"bob's")
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="bob/secret.txt")
    # HEAD/GET answers carry no body; botocore maps them to 403 with the code only.
    assert exc.value.response["Error"]["Code"] in ("AccessDenied", "403")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bob/evil.txt", Body=b"x")
    message = denied(exc)
    assert message == (
        "User: arn:aws:sts::000000000000:assumed-role/todo-AuthenticatedRole/"
        "CognitoIdentityCredentials is not authorized to perform: s3:PutObject on resource: "
        f'"arn:aws:s3:::{bucket}/bob/evil.txt" '
        "because no identity-based policy allows the s3:PutObject action"
    )
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=bucket, Prefix="bob/")
    denied(exc)


def test_listing_bucket_root_without_prefix_is_denied(stack: Stack, bucket: str) -> None:
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=bucket)
    assert "s3:ListBucket" in denied(exc)


def test_copy_needs_read_on_source_too(stack: Stack, bucket: str) -> None:
    stack.s3().put_object(Bucket=bucket, Key="bob/secret.txt", Body=b"bob's")
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="alice/stolen.txt", CopySource=f"{bucket}/bob/secret.txt")
    assert "s3:GetObject" in denied(exc)


def test_unmapped_operation_is_denied_with_clear_message(stack: Stack, bucket: str) -> None:
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy="{}")
    assert "s3:PutBucketPolicy" in denied(exc)


def test_presigned_url_is_only_as_good_as_the_signers_rights(stack: Stack, bucket: str) -> None:
    stack.s3().put_object(Bucket=bucket, Key="bob/secret.txt", Body=b"bob's")
    stack.s3().put_object(Bucket=bucket, Key="alice/a.txt", Body=b"alice's")
    s3 = client(stack, user(stack, bucket, "alice"))
    own = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "alice/a.txt"})
    assert httpx.get(own).content == b"alice's"
    other = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "bob/secret.txt"}
    )
    response = httpx.get(other)
    assert response.status_code == 403 and "<Code>AccessDenied</Code>" in response.text


def test_presigned_post_by_a_user_only_writes_own_folder(stack: Stack, bucket: str) -> None:
    s3 = client(stack, user(stack, bucket, "alice"))
    for key, status in (("alice/p.png", 204), ("bob/p.png", 403)):
        post = s3.generate_presigned_post(bucket, key, Conditions=[["content-length-range", 1, 10]])
        response = httpx.post(post["url"], data=post["fields"], files={"file": ("p.png", b"abc")})
        assert response.status_code == status, response.text


def test_root_key_is_unrestricted(stack: Stack, bucket: str) -> None:
    s3 = stack.s3()
    s3.put_object(Bucket=bucket, Key="bob/x", Body=b"1")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
        f'"Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::{bucket}"}}]}}',
    )


def test_error_body_is_s3_xml(stack: Stack, bucket: str) -> None:
    p = user(stack, bucket, "alice")
    url = client(stack, p).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "bob/x"}
    )
    response = httpx.get(url)
    assert response.headers["content-type"].startswith("application/xml")
    assert re.match(
        r'<\?xml version="1.0" encoding="UTF-8"\?>\n'
        r"<Error><Code>AccessDenied</Code><Message>[^<]+</Message>"
        r"<RequestId>[0-9A-F]+</RequestId><HostId>[^<]+</HostId></Error>$",
        response.text,
    )
