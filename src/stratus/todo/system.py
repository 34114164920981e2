"""The to-do system's manifest: its stacks, bundle, web app and OpenAPI document.

Read by the project (`stratus.systems`) when building the CDK app or serving it locally;
never shipped in a Lambda bundle, so it may import infra and local-cloud types.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from stratus.infra.shared.bundling import BundleSpec
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.project import Outputs, WebApp, find_output
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "todo"
BUNDLE = BundleSpec(
    name=NAME, packages=("runtime", "todo"), requirements="requirements/lambda-todo.txt"
)
WEB_DIR = "web/todo"
API_URL_OUTPUT = "TodoApiUrl"


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle
    from stratus.infra.shared.stage import STAGE_KEYS
    from stratus.infra.todo.stack import TodoStack
    from stratus.infra.todo.stage import TODO_KEYS, todo_stage_config

    view = {key: app.node.try_get_context(key) for key in (*STAGE_KEYS, *TODO_KEYS)}
    todo_cfg = todo_stage_config(view, base=cfg)
    TodoStack(app, cfg=todo_cfg, code_path=build_bundle(PROJECT_ROOT, BUNDLE))


def client_config(outputs: Outputs, settings: LocalSettings) -> dict[str, Any]:
    """The web client's config.json, from the same outputs a deployed client would read."""
    found = find_output(outputs, API_URL_OUTPUT)
    if found is None:
        return {}
    stack = outputs[found[0]]
    return {
        "apiUrl": stack[API_URL_OUTPUT],
        "region": stack.get("Region", settings.region),
        "userPoolId": stack.get("UserPoolId"),
        "clientId": stack.get("UserPoolClientId"),
        "identityPoolId": stack.get("IdentityPoolId"),
        "bucket": stack.get("UserFilesBucketName"),
        # HTTPS under `up --lan`: the page is HTTPS, and a phone's browser blocks plain HTTP
        # to a LAN address as mixed content (127.0.0.1 is exempt).
        "cognitoEndpoint": settings.aws_tls_endpoint if settings.lan else settings.aws_endpoint,
        # The user pool domain (hosted UI) as the outputs name it: the local cloud serves it.
        "hostedUiUrl": stack.get("UserPoolDomain"),
    }


def web_apps(outputs: Outputs, settings: LocalSettings) -> list[WebApp]:
    return [
        WebApp(
            path=f"/apps/{NAME}",
            directory=settings.project_root / WEB_DIR,
            title="To-do web app",
            config=client_config,
        )
    ]


def documents(outputs: Outputs) -> dict[str, dict[str, Any]]:
    """The API's OpenAPI document from the code, with the local server URL filled in."""
    from stratus.todo.openapi import openapi_document

    doc: dict[str, Any] = json.loads(json.dumps(openapi_document()))
    found = find_output(outputs, API_URL_OUTPUT)
    if found is not None:
        doc["servers"] = [{"url": str(found[1]).rstrip("/"), "description": "local cloud"}]
    return {NAME: doc}


SYSTEM = System(
    name=NAME,
    title="mobile to-do backend",
    build=build,
    packages=("todo",),
    infra="todo",
    bundles=(BUNDLE,),
    web_apps=web_apps,
    documents=documents,
)
