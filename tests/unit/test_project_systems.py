"""The project's registry of systems and the Project it gives the local cloud."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.local.core.settings import LocalSettings
from stratus.local.provision.project import load_project
from stratus.systems import UnknownSystemError, parse_names, registry, select, stratus_project

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = {
    "Stratus-local-Todo": {
        "TodoApiUrl": "https://127.0.0.1:4443/restapis/abc/local/",
        "UserPoolId": "us-east-1_x",
        "UserPoolClientId": "client",
        "IdentityPoolId": "us-east-1:pool",
        "UserFilesBucketName": "bucket",
        "Region": "us-east-1",
    }
}


def test_every_system_has_a_unique_name_and_its_own_package() -> None:
    names = [system.name for system in registry()]
    assert len(names) == len(set(names))
    for system in registry():
        for path in system.inputs():
            assert (ROOT / path).exists(), f"{system.name}: {path}"


def test_context_systems_accepts_comma_and_list_forms() -> None:
    assert parse_names(None) == () and parse_names("") == ()
    assert parse_names(" todo, probes ,todo") == ("todo", "probes")
    assert parse_names(["todo"]) == ("todo",)


def test_unknown_system_names_the_known_ones() -> None:
    with pytest.raises(UnknownSystemError) as caught:
        select(["todo", "nope"])
    assert str(caught.value) == (
        "unknown system 'nope'; known systems: todo, blog, shop, updates, probes"
    )


def test_cdk_json_points_the_local_cloud_at_this_project() -> None:
    project = load_project(ROOT, ("todo",))
    assert project.name == "stratus" and project.context == {"systems": "todo"}
    assert project.app_command == "python -m stratus.infra.app"


def test_serving_one_system_hashes_only_its_inputs_and_serves_only_its_apps() -> None:
    settings = LocalSettings.for_project(ROOT)
    todo = stratus_project(ROOT, ("todo",))
    probes = stratus_project(ROOT, ("probes",))
    inputs = {p.relative_to(ROOT).as_posix() for p in todo.synth_inputs}
    assert {"src/stratus/todo", "src/stratus/infra/todo", "requirements/lambda-todo.txt"} <= inputs
    assert "src/stratus/probes" not in inputs
    assert [app.path for app in todo.web_apps(OUTPUTS, settings)] == ["/apps/todo"]
    assert probes.web_apps(OUTPUTS, settings) == [] and probes.documents(OUTPUTS) == {}


def test_the_todo_web_app_config_comes_from_the_outputs() -> None:
    settings = LocalSettings.for_project(ROOT)
    apps = {app.path: app for app in stratus_project(ROOT).web_apps(OUTPUTS, settings)}
    assert set(apps) == {"/apps/todo", "/apps/blog-author"}
    app = apps["/apps/todo"]
    assert app.directory == ROOT / "web" / "todo" and app.config is not None
    config = app.config(OUTPUTS, settings)
    assert config["apiUrl"] == OUTPUTS["Stratus-local-Todo"]["TodoApiUrl"]
    assert config["cognitoEndpoint"] == settings.aws_endpoint
    assert app.config({}, settings) == {}


def test_the_blog_author_page_config_comes_from_the_blog_outputs() -> None:
    settings = LocalSettings.for_project(ROOT)
    (app,) = stratus_project(ROOT, ("blog",)).web_apps(OUTPUTS, settings)
    assert app.directory == ROOT / "web" / "blog-author" and app.config is not None
    blog = {
        "BlogApiUrl": "https://127.0.0.1:4443/restapis/xyz/local",
        "BlogUserPoolClientId": "client",
        "BlogUserPoolId": "pool",
    }
    config = app.config({"Stratus-local-Blog": blog}, settings)
    assert config["apiUrl"] == "https://127.0.0.1:4443/restapis/xyz/local/"
    assert config["clientId"] == "client" and config["cognitoEndpoint"] == settings.aws_endpoint
    assert config["uploadBucket"] is None and config["siteUrl"] is None  # not deployed yet
    assert app.config({}, settings) == {}


def test_the_todo_openapi_document_points_at_the_local_api() -> None:
    docs = stratus_project(ROOT).documents(OUTPUTS)
    assert sorted(docs) == ["blog", "todo"]
    assert docs["todo"]["servers"] == [
        {"url": "https://127.0.0.1:4443/restapis/abc/local", "description": "local cloud"}
    ]


def test_the_blog_openapi_document_is_the_committed_one_at_the_local_api() -> None:
    outputs = {"Stratus-local-Blog": {"BlogApiUrl": "https://127.0.0.1:4443/restapis/b/local/"}}
    doc = stratus_project(ROOT).documents(outputs)["blog"]
    assert doc["servers"] == [
        {"url": "https://127.0.0.1:4443/restapis/b/local", "description": "local cloud"}
    ]
    assert "/api/posts/{slug}/comments" in doc["paths"]
