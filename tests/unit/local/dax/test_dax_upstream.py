"""DAX's upstream hop called in-process: the request the HTTP hop would send, no socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from dax_rig import DaxRig, item, key
from starlette.responses import Response, StreamingResponse

from stratus.local.core.aws_request import AwsRequest
from stratus.local.dax.wire import TARGET_PREFIX, Upstream


def test_in_process_hop_sends_the_request_the_http_hop_would() -> None:
    seen: list[AwsRequest] = []

    async def endpoint(request: AwsRequest) -> Response:
        seen.append(request)
        response = Response(b'{"Item":{}}', status_code=200)
        response.raw_headers = [
            (b"content-type", b"application/x-amz-json-1.0"),
            (b"x-amz-crc32", b"123"),
            (b"content-length", b"11"),
            (b"connection", b"keep-alive"),
        ]
        return response

    upstream = Upstream("http://127.0.0.1:4566", local=endpoint)
    auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request"
    caller = [
        (b"Host", b"127.0.0.1:8111"),
        (b"X-Amz-Target", b"DynamoDB_20120810.Query"),  # replaced by the operation DAX runs
        (
            b"Authorization",
            b"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request",
        ),
        (b"X-Amz-Date", b"20260101T000000Z"),
        (b"Accept-Encoding", b"identity"),
        (b"Content-Length", b"999"),
        (b"X-Custom", b"a"),
        (b"X-Custom", b"b"),
    ]
    reply = asyncio.run(upstream.call("GetItem", b'{"TableName":"t"}', caller))

    [request] = seen
    assert (request.method, request.path, request.raw_path) == ("POST", "/", "/")
    assert request.body == b'{"TableName":"t"}'
    assert request.headers == {
        "host": "127.0.0.1:4566",
        "x-amz-target": TARGET_PREFIX + "GetItem",
        "authorization": auth,
        "x-amz-date": "20260101T000000Z",
        "x-custom": "a,b",
        "content-type": "application/x-amz-json-1.0",
        "content-length": "17",
    }
    assert request.target == TARGET_PREFIX + "GetItem"
    assert request.signing_service == "dynamodb"
    assert (reply.status, reply.body) == (200, b'{"Item":{}}')
    assert reply.headers == [
        (b"content-type", b"application/x-amz-json-1.0"),
        (b"x-amz-crc32", b"123"),
    ]


def test_in_process_hop_keeps_an_error_answer_as_it_is() -> None:
    async def endpoint(request: AwsRequest) -> Response:
        return Response(b'{"__type":"x#ResourceNotFoundException"}', status_code=400)

    reply = asyncio.run(Upstream("http://h:1", local=endpoint).call("Query", b"{}", []))
    assert (reply.status, reply.body) == (400, b'{"__type":"x#ResourceNotFoundException"}')


def test_rig_reads_and_writes_through_its_upstream(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one"))
    got = rig.dax.get_item(TableName=table, Key=key("a"), ConsistentRead=True)
    assert got["Item"] == item("a", v="one")
    # In-process, DAX never opened an HTTP client to reach DynamoDB.
    opened = rig.endpoint.engine.upstream._client is not None
    assert opened == (rig.endpoint.engine.upstream._local is None)


def test_in_process_hop_reads_a_streamed_answer_whole() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b'{"Items":', b"[]", b"}"):
            await asyncio.sleep(0)
            yield part

    async def endpoint(request: AwsRequest) -> Response:
        return StreamingResponse(chunks(), media_type="application/x-amz-json-1.0")

    reply = asyncio.run(Upstream("http://h:1", local=endpoint).call("Query", b"{}", []))
    assert (reply.status, reply.body) == (200, b'{"Items":[]}')
    assert (b"content-type", b"application/x-amz-json-1.0") in reply.headers
