"""Lambda entry point for /files. Dependencies are built on the first request, once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime.tracing import traced
from stratus.todo.api import build_files_app
from stratus.todo.config import TodoConfig
from stratus.todo.wiring import production_dependencies

logger = Logger(service="files-api")
_app: APIGatewayRestResolver | None = None


def app() -> APIGatewayRestResolver:
    global _app
    if _app is None:
        _app = build_files_app(production_dependencies(TodoConfig.from_env(), logger))
    return _app


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().resolve(event, context)
