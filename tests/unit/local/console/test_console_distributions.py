"""The distributions page with a real edge (no origin needed) and a fake CloudFront client:
it lists the distribution, shows recent requests with X-Cache, checks invalidation paths
as CloudFront does, sends CreateInvalidation with the action token, shows how many cached
objects the paths matched before and after, and answers bad input with 400/404 pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.cloudfront.cache_key import cache_key
from stratus.local.cloudfront.config import parse_distribution
from stratus.local.cloudfront.edge import Edge
from stratus.local.cloudfront.policies import PolicyBook
from stratus.local.cloudfront.recent import EdgeRequest
from stratus.local.cloudfront.service import CloudFrontService
from stratus.local.cloudfront.store import CachedObject
from stratus.local.console import app as console_app
from stratus.local.console.pages._invalidation import MAX_WILDCARD_PATHS, check_paths
from stratus.local.core.settings import LocalSettings

DIST = "E2EXAMPLE01"
NOW = 1_795_000_000.0
CONFIG = {
    "Enabled": True,
    "PriceClass": "PriceClass_100",
    "Origins": [{"Id": "site", "DomainName": "site-bucket.s3.us-east-1.amazonaws.com"}],
    "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all"},
    "CacheBehaviors": [
        {
            "PathPattern": "/api/*",
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "https-only",
            "LambdaFunctionAssociations": [
                {
                    "EventType": "viewer-request",
                    "LambdaFunctionARN": "arn:aws:lambda:us-east-1:0:function:Lang:3",
                }
            ],
        }
    ],
}


class FakeCloudFront:
    """CreateInvalidation / ListInvalidations / GetInvalidation, emptying the edge's cache
    as the service's hook does."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.made: list[dict[str, Any]] = []

    def create_invalidation(self, DistributionId: str, InvalidationBatch: Any) -> Any:
        self.edge.cache.invalidate(DistributionId, InvalidationBatch["Paths"]["Items"])
        made = {
            "Id": f"I{len(self.made) + 1}",
            "Status": "Completed",
            "CreateTime": datetime.now(UTC),
            "InvalidationBatch": InvalidationBatch,
        }
        self.made.append(made)
        return {"Invalidation": made}

    def list_invalidations(self, DistributionId: str, MaxItems: str) -> Any:
        items = [{k: m[k] for k in ("Id", "Status", "CreateTime")} for m in self.made]
        return {"InvalidationList": {"Items": items}}

    def get_invalidation(self, DistributionId: str, Id: str) -> Any:
        return {"Invalidation": next(m for m in self.made if m["Id"] == Id)}


def _world(tmp_path: Path) -> tuple[TestClient, Edge, FakeCloudFront]:
    dist = parse_distribution(
        DIST, f"arn:aws:cloudfront::0:distribution/{DIST}", CONFIG, PolicyBook(), logical="Site/Cdn"
    )
    edge = Edge([dist], SimpleNamespace(requests=0), None, clock=lambda: NOW)  # type: ignore[arg-type]
    for path in ("/index.html", "/img/a.png", "/img/b.png"):
        key = cache_key(DIST, "GET", path, "", [], dist.default.cache_policy)
        edge.cache.put(key, CachedObject(200, [], b"x", NOW, 600))
    edge.recent.add(DIST, EdgeRequest(NOW - 5, "GET", "/index.html", 200, "Miss", 1200, 8.5))
    edge.recent.add(DIST, EdgeRequest(NOW - 1, "GET", "/index.html", 200, "Hit", 1200, 0.7))
    fake = FakeCloudFront(edge)
    service = SimpleNamespace(edge=edge)
    resource = SimpleNamespace(properties={"DistributionConfig": CONFIG}, stack="Site")
    deployment = SimpleNamespace(by_physical_id=lambda kind, pid: resource if pid == DIST else None)

    def find(kind: type) -> Any:
        if kind is CloudFrontService:
            return service
        raise LookupError(kind.__name__)

    cloud = SimpleNamespace(
        settings=LocalSettings.for_project(tmp_path),
        deployment=deployment,
        aws=lambda name: fake,
        service=find,
    )
    app = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(app, client=("127.0.0.1", 50000)), edge, fake


def _token(client: TestClient) -> str:
    return client.get("/console/").text.split('data-csrf="', 1)[1].split('"', 1)[0]


# -- path checks ---------------------------------------------------------------------------
def test_paths_are_one_per_line_trimmed_and_deduplicated() -> None:
    check = check_paths("/index.html\n\n  /img/*  \n/index.html\r\n")
    assert check.errors == [] and check.paths == ["/index.html", "/img/*"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("index.html", "must start with /"),
        ("/img/*.png", "* may only be the last character"),
        ("/*/a", "* may only be the last character"),
        ("/" + "a" * 4000, "longer than 4000"),
        ("", "at least one path"),
        ("\n".join(f"/w{i}/*" for i in range(MAX_WILDCARD_PATHS + 1)), "wildcard"),
        ("/a" * 40000, "Too much text"),
    ],
)
def test_invalid_paths_are_refused_with_a_reason(text: str, message: str) -> None:
    check = check_paths(text)
    assert check.errors and message in " ".join(check.errors)


# -- pages ---------------------------------------------------------------------------------
def test_list_names_the_distribution_with_urls_price_class_and_behaviours(tmp_path: Path) -> None:
    client, _, _ = _world(tmp_path)
    page = client.get("/console/distributions")
    assert page.status_code == 200
    assert f'href="/console/distributions/{DIST}"' in page.text
    assert "PriceClass_100" in page.text and "Site/Cdn" in page.text
    assert f"/_stratus/distributions/{DIST}/" in page.text
    assert 'href="/console/functions/Lang"' in page.text


def test_detail_shows_recent_requests_and_the_hit_ratio(tmp_path: Path) -> None:
    client, _, _ = _world(tmp_path)
    page = client.get(f"/console/distributions/{DIST}")
    assert page.status_code == 200
    assert "<td>Hit</td>" in page.text and "<td>Miss</td>" in page.text
    assert "50% hit ratio" in page.text
    assert "viewer-request" in page.text and "version 3" in page.text


def test_invalidation_empties_the_cache_for_its_paths(tmp_path: Path) -> None:
    client, edge, fake = _world(tmp_path)
    response = client.post(
        f"/console/distributions/{DIST}/invalidations",
        data={"csrf": _token(client), "paths": "/img/*"},
    )
    assert response.status_code == 200, response.text
    assert "2 cached object(s) matched these paths before, 0 now" in response.text
    assert "<strong>Completed</strong>" in response.text
    assert [m["InvalidationBatch"]["Paths"]["Items"] for m in fake.made] == [["/img/*"]]
    assert len(edge.cache) == 1
    assert "<code>I1</code>" in client.get(f"/console/distributions/{DIST}").text


def test_invalidation_with_a_bad_path_is_a_400_and_sends_nothing(tmp_path: Path) -> None:
    client, edge, fake = _world(tmp_path)
    response = client.post(
        f"/console/distributions/{DIST}/invalidations",
        data={"csrf": _token(client), "paths": "/img/*.png\n<script>x</script>"},
    )
    assert response.status_code == 400
    assert "<script>x</script>" not in response.text  # escaped
    assert fake.made == [] and len(edge.cache) == 3


def test_invalidation_without_the_token_is_refused(tmp_path: Path) -> None:
    client, _, fake = _world(tmp_path)
    response = client.post(f"/console/distributions/{DIST}/invalidations", data={"paths": "/*"})
    assert response.status_code == 403 and fake.made == []


@pytest.mark.parametrize("name", ["NOPE", "..%2F..%2Fetc", "x" * 300])
def test_unknown_distribution_is_a_404_page(tmp_path: Path, name: str) -> None:
    client, _, _ = _world(tmp_path)
    assert client.get(f"/console/distributions/{name}").status_code == 404
