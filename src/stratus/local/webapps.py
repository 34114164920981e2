"""Pages the local cloud serves beside the APIs: the web clients, their config, OpenAPI docs.

On AWS the mobile web client would be hosted by the team's own front end; locally it is
served from `web/` on the gateway's HTTPS origin, with a config.json made from the same
outputs a deployed client would read.
"""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from stratus.local.settings import LocalSettings


def find_output(outputs: dict[str, dict[str, Any]], key: str) -> tuple[str, Any] | None:
    """(stack, value) of the first stack that has output `key`."""
    for stack, values in outputs.items():
        if key in values:
            return stack, values[key]
    return None


def todo_client_config(
    settings: LocalSettings, outputs: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    found = find_output(outputs, "TodoApiUrl")
    if found is None:
        return {}
    stack = outputs[found[0]]
    return {
        "apiUrl": stack["TodoApiUrl"],
        "region": stack.get("Region", settings.region),
        "userPoolId": stack.get("UserPoolId"),
        "clientId": stack.get("UserPoolClientId"),
        "identityPoolId": stack.get("IdentityPoolId"),
        "bucket": stack.get("UserFilesBucketName"),
        "cognitoEndpoint": settings.aws_endpoint,
    }


def web_routes(
    settings: LocalSettings,
    outputs: dict[str, dict[str, Any]],
    openapi: dict[str, dict[str, Any]],
) -> list[BaseRoute]:
    """Routes for `/` (an index), `/apps/todo/` (+config.json) and `/openapi/<name>.json`."""
    web_root = settings.project_root / "web"
    routes: list[BaseRoute] = []

    async def index(_: Request) -> Response:
        links = []
        if (web_root / "todo").is_dir():
            links.append('<li><a href="/apps/todo/">To-do web app</a></li>')
        for name in openapi:
            safe = html.escape(name)
            links.append(f'<li><a href="/openapi/{safe}.json">OpenAPI: {safe}</a></li>')
        for stack, values in outputs.items():
            for key, value in values.items():
                if isinstance(value, str) and value.startswith("https://"):
                    label = html.escape(f"{stack} {key}")
                    links.append(f"<li>{label}: <code>{html.escape(value)}</code></li>")
        body = "<!doctype html><title>stratus local cloud</title><h1>stratus local cloud</h1><ul>"
        return HTMLResponse(body + "".join(links) + "</ul>")

    routes.append(Route("/", index))

    todo_config = todo_client_config(settings, outputs)

    async def todo_config_json(_: Request) -> Response:
        return JSONResponse(todo_config, headers={"Cache-Control": "no-store"})

    async def openapi_json(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in openapi:
            return JSONResponse({"message": f"no OpenAPI document named {name!r}"}, 404)
        return JSONResponse(openapi[name])

    routes.append(Route("/openapi/{name}.json", openapi_json))
    if (web_root / "todo").is_dir():
        routes.append(Route("/apps/todo/config.json", todo_config_json))
        routes.append(Mount("/apps/todo", app=StaticFiles(directory=web_root / "todo", html=True)))
    return routes
