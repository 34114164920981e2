"""Test harness: MotoApp served by uvicorn on an ephemeral port, and boto3 clients for it.

It reuses the front door's ASGI -> AwsRequest step but none of its interceptors, so
provisioner/persistence tests see moto alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import uvicorn
from botocore.config import Config
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.front_door import to_aws_request
from stratus.local.core.moto_app import MotoApp


class MotoAsgi:
    def __init__(self, moto: MotoApp, on_request: Callable[[AwsRequest], Any] | None = None):
        self.moto = moto
        self.on_request = on_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = to_aws_request(scope, await Request(scope, receive).body())
        response = None
        if self.on_request is not None:
            response = await self.on_request(request)
        if response is None:
            response = await self.moto.handle(request)
        await response(scope, receive, send)


@contextmanager
def serve(app: Any, **options: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1:<ephemeral>; yields its base URL. `options` go to
    uvicorn.Config."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def client_factory(endpoint: str) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=endpoint, config=config)
        return cache[service]

    return client
