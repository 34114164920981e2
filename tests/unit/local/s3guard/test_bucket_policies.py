"""A bucket's own policy counts as AWS counts it: its Deny refuses even what the caller's
policies allow, its Allow grants what they lack, and a TLS-only policy
(`aws:SecureTransport` false → Deny) leaves loopback clients of the plain-HTTP endpoint
alone unless the strict switch is on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3guard_stack import Stack
from test_identity_access import ROLE, client, denied, user


def put_policy(stack: Stack, bucket: str, *statements: dict[str, Any]) -> None:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    stack.s3().put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


@pytest.fixture
def strict_tls(stack: Stack) -> Iterator[None]:
    stack.guard._strict_tls = True
    yield
    stack.guard._strict_tls = False


def test_bucket_policy_deny_refuses_what_the_identity_policy_allows(
    stack: Stack, bucket: str
) -> None:
    put_policy(
        stack,
        bucket,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/alice/locked/*",
        },
    )
    s3 = client(stack, user(stack, bucket, "alice"))
    s3.put_object(Bucket=bucket, Key="alice/open.txt", Body=b"ok")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="alice/locked/x.txt", Body=b"no")
    assert denied(exc).endswith("with an explicit deny in a resource-based policy")


def test_bucket_policy_allow_grants_what_the_identity_policy_lacks(
    stack: Stack, bucket: str
) -> None:
    stack.s3().put_object(Bucket=bucket, Key="shared/readme.txt", Body=b"for everyone")
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="shared/readme.txt")
    put_policy(
        stack,
        bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/shared/*",
        },
    )
    assert s3.get_object(Bucket=bucket, Key="shared/readme.txt")["Body"].read() == b"for everyone"


def _tls_only(bucket: str) -> dict[str, Any]:
    """What CDK's `enforceSSL: true` writes."""
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_tls_only_bucket_policy_lets_loopback_http_clients_in_by_default(
    stack: Stack, bucket: str
) -> None:
    put_policy(stack, bucket, _tls_only(bucket))
    s3 = client(stack, user(stack, bucket, "alice"))
    s3.put_object(Bucket=bucket, Key="alice/plain-http.txt", Body=b"ok")


def test_tls_only_bucket_policy_refuses_plain_http_when_strict(
    stack: Stack, bucket: str, strict_tls: None
) -> None:
    put_policy(stack, bucket, _tls_only(bucket))
    s3 = client(stack, user(stack, bucket, "alice"))
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="alice/plain-http.txt", Body=b"no")
    assert denied(exc).endswith("with an explicit deny in a resource-based policy")
