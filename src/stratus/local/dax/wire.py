"""The DynamoDB JSON protocol on both sides of the DAX endpoint: replies and the upstream hop.

The upstream hop forwards the caller's raw body and headers (signature included: the local
AWS endpoint routes on the SigV4 scope). Inside `stratus up` it is an in-process call of the
AWS endpoint's own handler (routing, hooks, moto: the request it would get over its socket,
Host included) because a loopback HTTP hop cost as much CPU as the DynamoDB call itself;
against any other DynamoDB (tests, a URL) one kept-alive httpx.AsyncClient carries it.
Upstream answers, errors included, go back byte for byte; only a body we rewrite gets a
fresh x-amz-crc32, because botocore checks that checksum on every DynamoDB response.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from stratus.local.core.played import played

if TYPE_CHECKING:
    from starlette.responses import Response

    from stratus.local.core.aws_request import AwsRequest

# The AWS endpoint's handler, in-process (core.front_door.FrontDoor.answer).
LocalEndpoint = Callable[["AwsRequest"], Awaitable["Response"]]

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = b"application/x-amz-json-1.0"
# Request headers that belong to one hop (or that httpx must compute itself).
_DROP_REQUEST = frozenset(
    {"host", "content-length", "connection", "transfer-encoding", "accept-encoding", "keep-alive"}
)
# Response headers the ASGI server writes itself, or that no longer hold once httpx decoded.
_DROP_RESPONSE = frozenset(
    {
        "content-length",
        "connection",
        "transfer-encoding",
        "keep-alive",
        "date",
        "server",
        "content-encoding",
    }
)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def with_body(self, body: bytes) -> Reply:
        """The same reply with a rewritten body (and a checksum that matches it)."""
        headers = [(k, v) for k, v in self.headers if k != b"x-amz-crc32"]
        headers.append((b"x-amz-crc32", str(zlib.crc32(body)).encode()))
        return Reply(self.status, body, headers)


def json_reply(payload: Any, status: int = 200) -> Reply:
    return encoded_reply(dumps(payload), status)


def encoded_reply(body: bytes, status: int = 200) -> Reply:
    return Reply(
        status,
        body,
        [
            (b"content-type", CONTENT_TYPE),
            (b"x-amzn-requestid", uuid.uuid4().hex.upper().encode()),
            (b"x-amz-crc32", str(zlib.crc32(body)).encode()),
        ],
    )


def error_reply(status: int, error_type: str, message: str) -> Reply:
    """An error shaped as DynamoDB shapes its own (botocore reads __type after the '#')."""
    reply = json_reply(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{error_type}", "message": message}, status
    )
    reply.headers.append((b"x-amzn-errortype", error_type.encode()))
    return reply


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class Upstream:
    """DynamoDB (the local AWS endpoint) behind the cache: called in-process when `local`
    is given, else over one pooled connection set to `url`."""

    def __init__(self, url: str, timeout: float = 30.0, local: LocalEndpoint | None = None) -> None:
        self.url = url.rstrip("/") + "/"
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._local = local
        self._host = urlsplit(self.url).netloc

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                limits=httpx.Limits(max_keepalive_connections=32, keepalive_expiry=60),
            )
        return self._client

    async def call(self, op: str, body: bytes, caller_headers: list[tuple[bytes, bytes]]) -> Reply:
        if self._local is not None:
            return await self._call_local(self._local, op, body, caller_headers)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in caller_headers
            if k.decode("latin-1").lower() not in _DROP_REQUEST and k.lower() != b"x-amz-target"
        ]
        headers.append(("x-amz-target", TARGET_PREFIX + op))
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("content-type", CONTENT_TYPE.decode()))
        try:
            resp = await self._http().post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return error_reply(
                503, "ServiceUnavailable", f"DAX could not reach DynamoDB at {self.url}: {exc}"
            )
        out = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in resp.headers.multi_items()
            if k.lower() not in _DROP_RESPONSE
        ]
        return Reply(resp.status_code, resp.content, out)

    async def _call_local(
        self,
        endpoint: LocalEndpoint,
        op: str,
        body: bytes,
        caller_headers: list[tuple[bytes, bytes]],
    ) -> Reply:
        """The request the HTTP hop would send (same headers, Host of the endpoint), answered
        by the endpoint's handler; its response is played into a buffer, as a server would."""
        from stratus.local.core.aws_request import AwsRequest

        headers: dict[str, str] = {}
        for raw_name, raw_value in caller_headers:
            name = raw_name.decode("latin-1").lower()
            if name in _DROP_REQUEST or name == "x-amz-target":
                continue
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        headers["host"] = self._host
        headers["x-amz-target"] = TARGET_PREFIX + op
        headers.setdefault("content-type", CONTENT_TYPE.decode())
        headers["content-length"] = str(len(body))
        request = AwsRequest("POST", "/", "/", "", headers, body)
        from stratus.local.iam.enforce import acting_as_service

        # DAX reads and writes DynamoDB with its own role once it authorized the caller
        # (the body may be DAX's own, e.g. ReturnValues=ALL_NEW, so no caller signature).
        with acting_as_service():
            response = await endpoint(request)
        return await _played(response)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _played(response: Response) -> Reply:
    """A starlette response as a Reply, hop-by-hop headers dropped (core.played)."""
    out = await played(response)
    headers = [(k, v) for k, v in out.headers if k.decode("latin-1") not in _DROP_RESPONSE]
    return Reply(out.status, out.body, headers)
