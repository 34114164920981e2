"""Route selection with AWS's priorities (http-api-develop-routes.html, "Routing API
requests"), on the documented example routes and through the fixture API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from http_rig import HttpRig

from stratus.local.gateway.http_api.config import Route
from stratus.local.gateway.http_api.routing import RouteTable, split_path
from stratus.local.provision.model import Deployment


def _route(key: str) -> Route:
    method, _, path = key.partition(" ")
    if key == "$default":
        method, path = "", ""
    return Route(key, key, method, path, None, "NONE", None, ())


TABLE = RouteTable(
    [
        _route(k)
        for k in (
            "GET /pets/dog/1",
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
        )
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "route", "params"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),  # full match
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),  # full match, variable
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),  # longest greedy
        ("POST", "/pets/cat/1", "ANY /{proxy+}", {"proxy": "pets/cat/1"}),
        ("GET", "/", "$default", {}),  # {proxy+} needs one segment at least
    ],
)
def test_documented_priorities(method: str, path: str, route: str, params: dict[str, str]) -> None:
    match = TABLE.select(method, split_path(path))
    assert match is not None
    assert (match.route.key, match.path_params) == (route, params)


def test_method_route_wins_over_any_and_literal_over_variable() -> None:
    table = RouteTable([_route("ANY /a/{x}"), _route("GET /a/{x}"), _route("GET /{y}/b")])
    found = table.select("GET", ["a", "b"])
    assert found is not None and found.route.key == "GET /a/{x}"
    found = table.select("PUT", ["a", "z"])
    assert found is not None and found.route.key == "ANY /a/{x}"


def test_no_route_and_no_default_is_none() -> None:
    assert RouteTable([_route("GET /a")]).select("GET", ["b"]) is None
    assert RouteTable([_route("GET /a")]).select("POST", ["a"]) is None


def test_unmatched_path_goes_to_the_default_route(rig: HttpRig) -> None:
    resp = rig.request("DELETE", "/nowhere/at/all")
    assert resp.status_code == 200
    assert rig.last_event()["routeKey"] == "$default"
    assert rig.last_event()["rawPath"] == "/nowhere/at/all"


def _without_default_route(deployment: Deployment) -> None:
    for res in deployment.resources("AWS::ApiGatewayV2::Route"):
        if res.properties["RouteKey"] == "$default":
            res.properties["RouteKey"] = "GET /only"


def test_not_found_without_a_default_route(tmp_path: Path) -> None:
    rig = HttpRig(tmp_path, tweak=_without_default_route)
    resp = rig.request("GET", "/nowhere")
    assert resp.status_code == 404
    assert resp.json() == {"message": "Not Found"}
    assert resp.headers["apigw-requestid"] == "req-1234567890="
    assert rig.lambdas.events == []


def test_unknown_api_is_not_found(rig: HttpRig) -> None:
    import asyncio

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=rig.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://x") as client:
            return await client.get("/httpapis/nosuchapi0/items/1")

    resp = asyncio.run(go())
    assert resp.status_code == 404 and resp.json() == {"message": "Not Found"}
