"""The edge records each request routed to a distribution for the console, with its
X-Cache result; a request no distribution answers is not recorded."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx

from stratus.local.cloudfront.config import parse_distribution
from stratus.local.cloudfront.edge import Edge
from stratus.local.cloudfront.policies import PolicyBook
from stratus.local.cloudfront.recent import RecentEdge, cache_outcome

CONFIG = {
    "Enabled": True,
    "Origins": [{"Id": "o", "DomainName": "example.com", "CustomOriginConfig": {}}],
    "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
}


def _edge() -> Edge:
    dist = parse_distribution(
        "EDIST1", "arn:aws:cloudfront::1:distribution/EDIST1", CONFIG, PolicyBook()
    )
    return Edge([dist], origins=None, lambdas=None, clock=lambda: 1_795_000_000.0)  # type: ignore[arg-type]


def _send(edge: Edge, method: str, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=edge)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.request(method, url)

    return asyncio.run(go())


def test_a_refused_method_is_recorded_with_its_x_cache() -> None:
    edge = _edge()
    response = _send(edge, "POST", "https://127.0.0.1/_stratus/distributions/EDIST1/form?x=1")
    assert response.status_code == 403
    [recorded] = edge.recent.requests("EDIST1")
    assert (recorded.method, recorded.path, recorded.status) == ("POST", "/form?x=1", 403)
    assert recorded.cache == "Error" and recorded.bytes == len(response.content)


def test_a_request_for_no_distribution_is_not_recorded() -> None:
    edge = _edge()
    assert _send(edge, "GET", "https://unknown.example/").status_code == 403
    assert edge.recent.requests("EDIST1") == []


def test_hits_and_refresh_hits_count_as_hits_errors_as_neither() -> None:
    assert cache_outcome("Hit") is True and cache_outcome("RefreshHit") is True
    assert cache_outcome("Miss") is False
    assert cache_outcome("Error") is None and cache_outcome("LambdaGeneratedResponse") is None


def test_record_response_reads_the_label_from_x_cache() -> None:
    recent = RecentEdge()
    response = SimpleNamespace(
        status_code=200, body=b"abc", raw_headers=[(b"x-cache", b"RefreshHit from cloudfront")]
    )
    scope = {"path": "/a", "method": "GET", "query_string": b""}
    recent.record_response("D", scope, response, 120.0, 120.25)
    [entry] = recent.requests("D")
    assert (entry.cache, entry.bytes, entry.path) == ("RefreshHit", 3, "/a")
    assert abs(entry.ms - 250.0) < 1e-6
    [minute] = recent.cache_series("D", 120.0, minutes=1)
    assert minute.hits == 1
