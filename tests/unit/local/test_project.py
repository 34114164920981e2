"""Projects: a plain CDK app from its cdk.json, or a project that declares its systems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratus.local.core.settings import LocalSettings
from stratus.local.gateway.webapps import web_routes
from stratus.local.provision.project import (
    Project,
    ProjectError,
    WebApp,
    cdk_app_project,
    find_output,
    load_project,
)

ROOT = Path(__file__).resolve().parents[3]


def _app(tmp_path: Path, cdk: dict[str, object]) -> Path:
    (tmp_path / "cdk.json").write_text(json.dumps(cdk))
    (tmp_path / "app.py").write_text("print('hi')\n")
    for ignored in (".stratus", "cdk.out", "node_modules", "lib/__pycache__"):
        (tmp_path / ignored).mkdir(parents=True)
        (tmp_path / ignored / "x.txt").write_text("never hashed")
    (tmp_path / "lib" / "stack.py").write_text("# the app's own code\n")
    return tmp_path


def test_a_plain_cdk_app_is_its_app_command_and_its_own_files(tmp_path: Path) -> None:
    project = load_project(_app(tmp_path, {"app": "python3 app.py"}))
    assert project.app_command == "python3 app.py"
    assert project.systems == ()
    assert [p.relative_to(tmp_path).as_posix() for p in project.synth_inputs] == [
        "app.py",
        "cdk.json",
        "lib/stack.py",
    ]
    settings = LocalSettings.for_project(tmp_path)
    assert project.web_apps({}, settings) == [] and project.documents({}) == {}


def test_an_argv_list_app_is_joined_like_the_cdk_cli_does(tmp_path: Path) -> None:
    project = cdk_app_project(_app(tmp_path, {"app": ["node", "bin/app.js"]}))
    assert project.app_command == "node bin/app.js"


@pytest.mark.parametrize(
    ("cdk", "message"),
    [({}, 'no "app" command'), ({"app": "  "}, 'no "app" command')],
)
def test_a_cdk_json_without_an_app_is_refused(
    tmp_path: Path, cdk: dict[str, object], message: str
) -> None:
    with pytest.raises(ProjectError, match=message):
        load_project(_app(tmp_path, cdk))


def test_a_directory_without_cdk_json_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=f"no cdk.json in {tmp_path}"):
        load_project(tmp_path)


def test_system_selection_needs_a_project_that_declares_systems(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="declares no systems"):
        load_project(_app(tmp_path, {"app": "python3 app.py"}), ("web",))


def test_cdk_json_names_the_factory_of_a_project_with_systems(tmp_path: Path) -> None:
    cdk = {"app": "x", "stratus": {"project": "stratus.local.provision.project:nothing_here"}}
    with pytest.raises(ProjectError, match="cannot load project"):
        load_project(_app(tmp_path, cdk))


def test_this_checkout_is_a_project_of_systems() -> None:
    project = load_project(ROOT)
    assert project.name == "stratus"
    assert set(project.systems) >= {"todo", "probes"}
    assert project.context == {}  # every system


def test_find_output_returns_the_first_stack_with_the_key() -> None:
    outputs = {"A": {"X": 1}, "B": {"Y": 2, "X": 3}}
    assert find_output(outputs, "Y") == ("B", 2)
    assert find_output(outputs, "Z") is None


def test_web_routes_serve_each_web_app_its_config_and_an_index(tmp_path: Path) -> None:
    import asyncio

    import httpx
    from starlette.applications import Starlette

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>hello</h1>")
    settings = LocalSettings.for_project(tmp_path)
    outputs = {"Stack": {"ApiUrl": "https://127.0.0.1:4443/restapis/abc/local/"}}
    apps = [
        WebApp("/apps/demo", site, "Demo app", lambda out, s: {"api": out["Stack"]["ApiUrl"]}),
        WebApp("/apps/missing", tmp_path / "nope", "Never served"),
    ]
    docs = {"demo": {"openapi": "3.0.3"}}
    app = Starlette(routes=web_routes(settings, outputs, apps, docs))

    async def get_all() -> dict[str, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://local") as client:
            paths = ["/", "/apps/demo/", "/apps/demo/config.json", "/openapi/demo.json"]
            paths += ["/openapi/other.json", "/apps/missing/"]
            return {path: await client.get(path) for path in paths}

    got = asyncio.run(get_all())
    index = got["/"].text
    assert 'href="/apps/demo/"' in index and "Never served" not in index
    assert "OpenAPI: demo" in index and "Stack ApiUrl" in index
    assert "hello" in got["/apps/demo/"].text
    config = got["/apps/demo/config.json"]
    assert config.json() == {"api": outputs["Stack"]["ApiUrl"]}
    assert config.headers["cache-control"] == "no-store"
    assert got["/openapi/demo.json"].json() == docs["demo"]
    assert got["/openapi/other.json"].status_code == 404
    assert got["/apps/missing/"].status_code == 404


def test_a_project_is_a_small_plain_dataclass(tmp_path: Path) -> None:
    project = Project(root=tmp_path, name="p", synth_inputs=(), app_command="true")
    assert project.context == {} and project.systems == ()
