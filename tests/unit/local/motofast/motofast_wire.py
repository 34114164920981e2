"""`Wire`: the request botocore sends for an operation, answered by MotoApp in-process.

Its own module (not conftest.py) so tests import it by a name no other test folder uses:
`from conftest import ...` picks whichever conftest was imported last when several test
folders run together.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp
from stratus.local.motofast import json_serializer


class _Captured(Exception):
    pass


class Wire:
    """Build the request boto3 sends for an operation, and have MotoApp answer it."""

    def __init__(self, moto: MotoApp) -> None:
        self.moto = moto
        self._clients: dict[str, Any] = {}
        self._seen: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            client = boto3.client(
                service,  # type: ignore[call-overload]
                endpoint_url="http://127.0.0.1:4566",
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 0}),
            )

            def capture(request: Any, **_: Any) -> AWSResponse:
                self._seen["request"] = request
                raise _Captured

            client.meta.events.register("before-send", capture)
            self._clients[service] = client
        return self._clients[service]

    def request(self, service: str, operation: str, **params: Any) -> AwsRequest:
        with contextlib.suppress(_Captured):
            getattr(self._client(service), operation)(**params)
        prepared = self._seen.pop("request")
        url = urlsplit(prepared.url)
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = body.read()
        headers = {
            k.lower(): (v.decode() if isinstance(v, bytes) else v)
            for k, v in prepared.headers.items()
        }
        headers.setdefault("host", url.netloc)  # what the HTTP client adds on the wire
        return AwsRequest(
            method=prepared.method,
            path=unquote(url.path),
            raw_path=url.path,
            query_string=url.query,
            headers=headers,
            body=body,
        )

    def call(self, service: str, operation: str, **params: Any) -> tuple[int, bytes]:
        status, _, body = self.moto.call(self.request(service, operation, **params))
        return status, body


def compact_json(body: bytes | str) -> str:
    """moto's JSON body in the compact UTF-8 form motofast sends for COMPACT_SERVICES."""
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)


def sent_as_moto(service: str, fast: bytes | str, slow: bytes | str) -> bool:
    """Whether stratus's body `fast` is moto's `slow`: the same bytes, or (a service whose
    bodies orjson writes: motofast.json_serializer) exactly the compact form of them."""
    if fast == slow:
        return True
    if service not in json_serializer.COMPACT_SERVICES or not slow:
        return False
    compact = compact_json(slow)
    return fast == (compact.encode() if isinstance(fast, bytes) else compact)
