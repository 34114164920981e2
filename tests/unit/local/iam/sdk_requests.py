"""What an SDK sends: boto3 builds and signs a real request, captured before it leaves.

The IAM stage is then run on exactly those bytes (headers, raw path, query, body), for every
protocol (JSON, query, REST JSON), with no server in between.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.router import route

ENDPOINT = "http://127.0.0.1:4566"
REGION = "us-east-1"


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _grab(request: Any, **_: Any) -> None:
    raise _Captured(request)


def sdk_call(
    service: str,
    operation: str,
    *,
    key: str = "test",
    secret: str = "test",
    token: str | None = None,
    unsigned: bool = False,
    client_host: str = "127.0.0.1",
    **params: Any,
) -> AwsCall:
    """The routed call boto3 would send for `operation` (snake_case) with `params`."""
    config = Config(retries={"max_attempts": 0})
    if unsigned:
        from botocore import UNSIGNED

        config = config.merge(Config(signature_version=UNSIGNED))
    client = boto3.client(  # type: ignore[call-overload]
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )
    client.meta.events.register("before-send", _grab)
    try:
        getattr(client, operation)(**params)
    except _Captured as captured:
        prepared = captured.request
    else:  # pragma: no cover - before-send always raises
        raise AssertionError("no request captured")
    url = urlsplit(prepared.url)
    headers = {
        k.lower(): (v.decode() if isinstance(v, bytes) else str(v))
        for k, v in prepared.headers.items()
    }
    headers.setdefault("host", url.netloc)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    request = AwsRequest(
        method=prepared.method,
        path=unquote(url.path) or "/",
        raw_path=url.path or "/",
        query_string=url.query,
        headers=headers,
        body=body,
        client_host=client_host,
    )
    return route(request)
