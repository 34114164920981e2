"""Real AWS wire requests, made by botocore's own serializers, for routing tests."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from stratus.local.core.aws_request import AwsRequest


class _Captured(Exception):
    pass


def wire_request(service: str, operation: str, **params: Any) -> AwsRequest:
    """The request boto3 would send for `operation` (signed with SigV4), as the door sees it."""
    client = boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url="http://127.0.0.1:4566",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}),
    )
    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen["request"] = request
        raise _Captured

    client.meta.events.register("before-send", capture)
    with contextlib.suppress(_Captured):
        getattr(client, operation)(**params)
    prepared = seen["request"]
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    headers = {
        k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()
    }
    from urllib.parse import unquote

    return AwsRequest(
        method=prepared.method,
        path=unquote(url.path),
        raw_path=url.path,
        query_string=url.query,
        headers=headers,
        body=body,
    )
