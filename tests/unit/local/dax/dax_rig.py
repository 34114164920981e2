"""Test rig: a real DynamoDB round trip through the DAX endpoint.

Every test runs twice, once per upstream hop: "http", moto's ThreadedMotoServer reached over
a socket; "in-process", the local cloud's own AWS endpoint (FrontDoor over MotoApp) called
in-process, as `stratus up` wires it (served on a socket too, for the direct client). The DAX
app runs under uvicorn in a thread; a real boto3 DynamoDB client talks to it. All on
ephemeral ports. A fake clock drives TTL expiry.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from botocore.config import Config
from moto.server import ThreadedMotoServer

from stratus.local.core.front_door import FrontDoor
from stratus.local.core.moto_app import MotoApp
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


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    """`app` under uvicorn in a thread on an ephemeral port; yields its URL."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP;
    # with proto 0 Nagle + delayed ACK cost ~40 ms per request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "server did not start"
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def _moto_server() -> Iterator[tuple[str, None]]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}", None
    finally:
        moto.stop()


@contextmanager
def _local_endpoint() -> Iterator[tuple[str, FrontDoor]]:
    door = FrontDoor(MotoApp().handle)
    with _serving(door) as url:
        yield url, door


@pytest.fixture(scope="module", params=["http", "in-process"])
def rig(request: pytest.FixtureRequest) -> Iterator[DaxRig]:
    upstream = _moto_server() if request.param == "http" else _local_endpoint()
    with upstream as (upstream_url, door):
        clock = FakeClock()
        endpoint = build_dax_app(
            upstream=upstream_url,
            ttl_item_seconds=ITEM_TTL,
            ttl_query_seconds=QUERY_TTL,
            clock=clock,
            local=door.answer if door is not None else None,
        )
        with _serving(endpoint) as dax_url:
            dax, direct = _client(dax_url), _client(upstream_url)
            yield DaxRig(dax, direct, dax_url, upstream_url, endpoint, clock)


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
