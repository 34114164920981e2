"""Pages the local cloud serves beside the APIs: the project's web apps, their config, its docs.

On AWS a web client is hosted by the team's own front end; locally each web app the project
declares is served on the gateway's HTTPS origin, with a config.json made from the same
outputs a deployed client would read.
"""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from stratus.local.core.settings import LocalSettings
from stratus.local.provision.project import Outputs, WebApp


def _index_links(
    web_apps: list[WebApp], documents: dict[str, dict[str, Any]], outputs: Outputs
) -> list[str]:
    links = []
    for app in web_apps:
        href = html.escape(app.path.rstrip("/") + "/")
        links.append(f'<li><a href="{href}">{html.escape(app.title or app.path)}</a></li>')
    for name in documents:
        safe = html.escape(name)
        links.append(f'<li><a href="/openapi/{safe}.json">OpenAPI: {safe}</a></li>')
    for stack, values in outputs.items():
        for key, value in values.items():
            if isinstance(value, str) and value.startswith("https://"):
                label = html.escape(f"{stack} {key}")
                links.append(f"<li>{label}: <code>{html.escape(value)}</code></li>")
    return links


def _config_route(app: WebApp, settings: LocalSettings, outputs: Outputs) -> Route:
    assert app.config is not None
    config = app.config(outputs, settings)

    async def config_json(_: Request) -> Response:
        return JSONResponse(config, headers={"Cache-Control": "no-store"})

    return Route(app.path.rstrip("/") + "/config.json", config_json)


def web_routes(
    settings: LocalSettings,
    outputs: Outputs,
    web_apps: list[WebApp],
    documents: dict[str, dict[str, Any]],
) -> list[BaseRoute]:
    """`/` (an index), `/openapi/<name>.json`, and each web app (+ its config.json)."""
    web_apps = [app for app in web_apps if app.directory.is_dir()]
    links = _index_links(web_apps, documents, outputs)

    async def index(_: Request) -> Response:
        body = "<!doctype html><title>stratus local cloud</title><h1>stratus local cloud</h1><ul>"
        return HTMLResponse(body + "".join(links) + "</ul>")

    async def openapi_json(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in documents:
            return JSONResponse({"message": f"no OpenAPI document named {name!r}"}, 404)
        return JSONResponse(documents[name])

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/openapi/{name}.json", openapi_json),
    ]
    for app in web_apps:
        if app.config is not None:
            routes.append(_config_route(app, settings, outputs))
        routes.append(
            Mount(app.path.rstrip("/"), app=StaticFiles(directory=app.directory, html=True))
        )
    return routes
