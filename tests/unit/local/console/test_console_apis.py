"""The APIs page against a real gateway app (the gateway tests' fixture API, in memory):
it lists the API with its stage URL and routes, a request the gateway served shows up in
recent requests with its status and cache result, and bad input is a 400/404 page."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.gateway.recent import RecentApis
from stratus.local.gateway.service import GatewayService

RIGS = Path(__file__).parents[1] / "gateway"


def _load(name: str, path: Path) -> Any:
    """A rig module of the gateway tests (they are not a package), loaded once by name."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _rig_module() -> Any:
    return _load("gateway_rig", RIGS / "gateway_rig.py")


def _http_rig_module() -> Any:
    _rig_module()  # http_rig imports it by name
    return _load("http_rig", RIGS / "http_api" / "http_rig.py")


def _console(rig: Any, gateway: Any = None) -> TestClient:
    service = SimpleNamespace(app=gateway or rig.app)

    def find(kind: type) -> Any:
        if kind is GatewayService:
            return service
        raise LookupError(kind.__name__)

    cloud = SimpleNamespace(
        settings=rig.ctx.settings, deployment=rig.deployment, aws=None, service=find
    )
    gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(gateway, client=("127.0.0.1", 50000))


@pytest.fixture
def rig(tmp_path: Path) -> Any:
    module = _rig_module()
    return module.Rig(tmp_path)


def test_apis_page_lists_the_api_with_its_stage_url(rig: Any) -> None:
    module = _rig_module()
    page = _console(rig).get("/console/apis")
    assert page.status_code == 200
    assert f'href="/console/apis/{module.API_ID}"' in page.text
    assert f"/restapis/{module.API_ID}/prod/" in page.text


def test_api_page_shows_routes_settings_and_a_served_request(rig: Any) -> None:
    module = _rig_module()
    assert rig.request("GET", "/public/hello").status_code == 200
    assert rig.request("GET", "/public/hello").status_code == 200  # from the stage cache
    assert rig.request("GET", "/nowhere").status_code == 403
    page = _console(rig).get(f"/console/apis/{module.API_ID}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "/todos/{id}" in text and "COGNITO_USER_POOLS" in text
    assert f'href="/console/functions/{module.FUNCTION_NAME}"' in text
    assert "<code>/public/hello</code>" in text and "<code>/nowhere</code>" in text
    assert ">403<" in text
    assert ">hit<" in text and ">miss<" in text
    assert "50% hit ratio" in text
    assert "<svg" in text


def test_unknown_api_is_a_404_page(rig: Any) -> None:
    client = _console(rig)
    assert client.get("/console/apis/nosuchapi").status_code == 404
    assert client.get("/console/apis/..%2F..%2Fetc").status_code == 404
    assert client.get("/console/apis/" + "a" * 500).status_code == 404


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "9" * 40])
def test_bad_limit_is_a_400_page(rig: Any, limit: str) -> None:
    module = _rig_module()
    response = _console(rig).get(f"/console/apis/{module.API_ID}", params={"limit": limit})
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_http_apis_are_listed_with_routes_stages_and_recent_requests(tmp_path: Path) -> None:
    module = _http_rig_module()
    rig = module.HttpRig(tmp_path)
    gateway = SimpleNamespace(apis={}, recent=RecentApis(), clock=rig.clock)
    rig.app.recent = gateway.recent
    assert rig.request("GET", "/limited/items/1").status_code == 200
    client = _console(rig, gateway)
    listing = client.get("/console/apis")
    assert listing.status_code == 200
    assert (
        f'href="/console/apis/{module.API_ID}"' in listing.text and "<td>HTTP</td>" in listing.text
    )
    assert f"/httpapis/{module.API_ID}/limited/" in listing.text
    page = client.get(f"/console/apis/{module.API_ID}")
    assert page.status_code == 200
    assert "/items/{id}" in page.text and "AWS_PROXY" in page.text
    assert 'href="/console/functions/HttpApiFixture-Echo"' in page.text
    assert "<code>/limited/items/1</code>" in page.text
    assert "HTTP APIs have no cache" in page.text
