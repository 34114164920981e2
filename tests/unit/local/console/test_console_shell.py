"""The console's shell: pages found and linked, errors as pages, loopback only unless
--lan, actions only with the run's CSRF token."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.console import pages
from stratus.local.core.settings import LocalSettings


def _cloud(tmp_path: Path, host: str = "127.0.0.1") -> SimpleNamespace:
    settings = LocalSettings.for_project(tmp_path, host=host)
    return SimpleNamespace(settings=settings, deployment=None, aws=None)


def _client(cloud: SimpleNamespace, address: str = "127.0.0.1") -> TestClient:
    gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(gateway, client=(address, 50000), follow_redirects=False)


def test_index_links_every_page(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path)).get("/console/")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    for page in pages.discover():
        assert f'href="/console/{page.slug}"' in response.text


def test_bare_console_path_redirects_to_the_index(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path)).get("/console")
    assert response.status_code == 308
    assert response.headers["location"] == "/console/"


def test_unknown_page_is_a_404_page(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path)).get("/console/no-such-page")
    assert response.status_code == 404
    assert "No such console page." in response.text


def test_static_files_are_served(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path)).get("/console/static/console.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]


def test_static_path_traversal_is_refused(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path)).get("/console/static/..%2F..%2Fapp.py")
    assert response.status_code == 404


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.5", "testclient"])
def test_other_machines_are_refused_without_lan(tmp_path: Path, address: str) -> None:
    response = _client(_cloud(tmp_path), address).get("/console/")
    assert response.status_code == 403
    assert "--lan" in response.text


def test_lan_opens_the_console_to_the_network(tmp_path: Path) -> None:
    response = _client(_cloud(tmp_path, host="192.168.1.5"), "192.168.1.20").get("/console/")
    assert response.status_code == 200


def _with_action(cloud: SimpleNamespace) -> TestClient:
    """The console with one extra action route, as a page module declares them."""

    async def act(request: Request) -> Response:
        await console_app.require_action(request)
        return PlainTextResponse("done")

    page = pages.Page("act", "Act", 999, lambda console: [Route("/act", act, methods=["POST"])])
    original = pages.discover
    pages.discover = lambda: [*original(), page]
    try:
        return _client(cloud)
    finally:
        pages.discover = original


def test_action_needs_the_runs_token(tmp_path: Path) -> None:
    client = _with_action(_cloud(tmp_path))
    token = client.get("/console/").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    assert client.post("/console/act", data={"csrf": token}).text == "done"
    assert client.post("/console/act", headers={"x-console-csrf": token}).text == "done"
    refused = client.post("/console/act", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert client.post("/console/act").status_code == 403


def test_cross_site_action_is_refused_even_with_the_token(tmp_path: Path) -> None:
    client = _with_action(_cloud(tmp_path))
    token = client.get("/console/").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/console/act", data={"csrf": token}, headers={"sec-fetch-site": "cross-site"}
    )
    assert response.status_code == 403


def test_a_failing_page_is_a_503_page_without_a_traceback(tmp_path: Path) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("table vanished")

    page = pages.Page("broken", "Broken", 999, lambda c: [Route("/broken", broken)])
    original = pages.discover
    pages.discover = lambda: [*original(), page]
    try:
        client = _client(_cloud(tmp_path))
    finally:
        pages.discover = original
    response = client.get("/console/broken")
    assert response.status_code == 503
    assert "RuntimeError: table vanished" in response.text
    assert "Traceback" not in response.text
