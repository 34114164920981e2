"""A custom origin (HttpOrigin on a load balancer's DNS name) at the local edge, in front of
a real update server: the listener's local port is used, each behaviour's TTL follows the
origin's Cache-Control, binaries are not compressed, ranges come from the cached object,
concurrent misses go to the origin once, and a full object is sent in slices."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stratus.local.cloudfront.config import parse_distribution
from stratus.local.cloudfront.edge import BODY_CHUNK, Edge
from stratus.local.cloudfront.origins import OriginGateway
from stratus.local.cloudfront.policies import PolicyBook, cache_policy_from
from stratus.local.cloudfront.store import EdgeCache
from stratus.local.core.settings import LocalSettings, Ports
from stratus.updates.publish import binary_name, publish_sample
from stratus.updates.server import UpdateServer

ALB = "my-alb-123.us-east-1.elb.localhost"
SIZE = 2 * 1024 * 1024 + 3
BIN = "/" + binary_name("1.0.0")


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpdateServer]:
    root = tmp_path_factory.mktemp("site")
    publish_sample(root, "1.0.0", SIZE)
    server = UpdateServer(("127.0.0.1", 0), root)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def distribution() -> Any:
    book = PolicyBook()
    book.cache["manifest"] = cache_policy_from(
        {
            "MinTTL": 0,
            "DefaultTTL": 60,
            "MaxTTL": 300,
            "Name": "m",
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        }
    )
    book.cache["release"] = cache_policy_from(
        {
            "MinTTL": 0,
            "DefaultTTL": 86400,
            "MaxTTL": 31536000,
            "Name": "r",
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        }
    )
    config = {
        "Enabled": True,
        "Origins": [
            {
                "Id": "alb",
                "DomainName": ALB,
                "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"},
                "OriginShield": {"Enabled": True, "OriginShieldRegion": "us-east-1"},
            }
        ],
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "CachePolicyId": "manifest",
            "Compress": True,
            "ViewerProtocolPolicy": "allow-all",
        },
        "CacheBehaviors": [
            {
                "PathPattern": "/manifest.json",
                "TargetOriginId": "alb",
                "CachePolicyId": "manifest",
                "Compress": True,
                "ViewerProtocolPolicy": "allow-all",
            },
            {
                "PathPattern": "/releases/*",
                "TargetOriginId": "alb",
                "CachePolicyId": "release",
                "Compress": False,
                "ViewerProtocolPolicy": "allow-all",
            },
        ],
    }
    return parse_distribution("EDIST", "arn:aws:cloudfront::1:distribution/EDIST", config, book)


def edge_for(server: UpdateServer, tmp_path: Path) -> tuple[Edge, OriginGateway]:
    port = server.server_address[1]
    settings = LocalSettings(project_root=tmp_path, state_dir=tmp_path, ports=Ports())
    gateway = OriginGateway(
        settings, local_ports=lambda host, p: port if (host, p) == (ALB, 80) else None
    )
    return Edge([distribution()], gateway, None, EdgeCache(64 * 1024 * 1024)), gateway


async def fetch(client: httpx.AsyncClient, path: str, **headers: str) -> httpx.Response:
    return await client.get(f"http://edist.local{path}", headers=headers)


def run(server: UpdateServer, tmp_path: Path, scenario: Any) -> None:
    async def main() -> None:
        edge, gateway = edge_for(server, tmp_path)
        transport = httpx.ASGITransport(app=_by_id(edge))
        async with httpx.AsyncClient(transport=transport) as client:
            await scenario(client, gateway)
        await gateway.aclose()

    asyncio.run(main())


def _by_id(edge: Edge) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {
                **scope,
                "path": "/_stratus/distributions/EDIST" + scope["path"],
                "raw_path": b"/_stratus/distributions/EDIST" + scope["raw_path"],
            }
        await edge(scope, receive, send)

    return app


def test_manifest_then_binary_through_the_local_listener_port(
    origin: UpdateServer, tmp_path: Path
) -> None:
    async def scenario(client: httpx.AsyncClient, gateway: OriginGateway) -> None:
        first = await fetch(client, "/manifest.json")
        assert first.status_code == 200 and first.headers["x-cache"] == "Miss from cloudfront"
        again = await fetch(client, "/manifest.json")
        assert again.headers["x-cache"] == "Hit from cloudfront"
        entry = first.json()["releases"][0]["files"][0]
        body = await fetch(client, BIN, **{"accept-encoding": "gzip"})
        assert "content-encoding" not in body.headers  # compression off for binaries
        assert hashlib.sha256(body.content).hexdigest() == entry["sha256"]
        ranged = await fetch(client, BIN, range="bytes=10-19")
        assert ranged.status_code == 206 and ranged.content == body.content[10:20]
        assert ranged.headers["x-cache"] == "Hit from cloudfront"
        assert gateway.requests == 2  # one per object

    run(origin, tmp_path, scenario)


def test_concurrent_misses_reach_the_origin_once(origin: UpdateServer, tmp_path: Path) -> None:
    async def scenario(client: httpx.AsyncClient, gateway: OriginGateway) -> None:
        answers = await asyncio.gather(*(fetch(client, BIN) for _ in range(20)))
        assert {a.status_code for a in answers} == {200}
        assert {len(a.content) for a in answers} == {SIZE}
        assert gateway.requests == 1

    run(origin, tmp_path, scenario)


def test_a_full_object_is_sent_in_slices(origin: UpdateServer, tmp_path: Path) -> None:
    sizes: list[int] = []

    async def main() -> None:
        edge, gateway = edge_for(origin, tmp_path)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                sizes.append(len(message.get("body", b"")))

        path = "/_stratus/distributions/EDIST" + BIN
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", b"x")],
            "scheme": "http",
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "http_version": "1.1",
            "root_path": "",
        }
        await edge(scope, receive, send)
        await gateway.aclose()

    asyncio.run(main())
    assert sum(sizes) == SIZE and max(sizes) == BODY_CHUNK


def _by_id_raw(edge: Edge) -> Any:
    return edge
