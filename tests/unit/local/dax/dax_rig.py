"""Test rig: a real DynamoDB round trip through the DAX endpoint.

moto's ThreadedMotoServer is the upstream; the DAX app runs under uvicorn in a thread; a real
boto3 DynamoDB client talks to it. Both on ephemeral ports. A fake clock drives TTL expiry.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from botocore.config import Config
from moto.server import ThreadedMotoServer

from stratus.local.dax import DaxEndpoint, build_dax_app

ITEM_TTL = 300.0
QUERY_TTL = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class DaxRig:
    dax: Any  # boto3 DynamoDB client pointed at the DAX endpoint
    direct: Any  # boto3 DynamoDB client pointed straight at DynamoDB (moto)
    dax_url: str
    upstream_url: str
    endpoint: DaxEndpoint
    clock: FakeClock

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.dax_url}/_stratus/stats").json()
        return data


def _client(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def rig() -> Iterator[DaxRig]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    upstream_url = f"http://{host}:{port}"
    clock = FakeClock()
    endpoint = build_dax_app(
        upstream=upstream_url, ttl_item_seconds=ITEM_TTL, ttl_query_seconds=QUERY_TTL, clock=clock
    )
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP;
    # with proto 0 Nagle + delayed ACK cost ~40 ms per request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    dax_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(endpoint, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "DAX endpoint did not start"
    try:
        dax, direct = _client(dax_url), _client(upstream_url)
        yield DaxRig(dax, direct, dax_url, upstream_url, endpoint, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        moto.stop()


@pytest.fixture
def table(rig: DaxRig) -> str:
    """A fresh table (pk HASH, sk RANGE) per test, created directly upstream."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    rig.direct.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name



def key(pk: str, sk: str = "0") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def item(pk: str, sk: str = "0", **attrs: str) -> dict[str, Any]:
    return {**key(pk, sk), **{name: {"S": value} for name, value in attrs.items()}}
