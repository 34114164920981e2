"""The to-do system's own stage settings: Cognito callback URLs, its domain prefix, CORS.

They extend the shared `StageConfig`, so the to-do constructs read one `cfg`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.infra.shared.stage import (
    LOCAL_WEB_ORIGIN,
    StageConfig,
    StageConfigError,
    shared_fields,
    stage_config,
    url_list,
)

# `stratus todo login --browser` takes the hosted UI's code on this loopback redirect.
# Cognito allows plain http only for localhost and compares callback URLs exactly (no
# any-port loopback rule), so the port is fixed:
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-client-apps.html
CLI_CALLBACK_PORT = 8976
CLI_CALLBACK_URL = f"http://localhost:{CLI_CALLBACK_PORT}/callback"
# The local web app (served by `stratus up` at /apps/todo/; the local cloud makes this name
# the port the gateway runs on), the mobile app's scheme and the CLI's loopback redirect.
DEFAULT_CALLBACK_URLS = (f"{LOCAL_WEB_ORIGIN}/apps/todo/", "myapp://callback", CLI_CALLBACK_URL)
DEFAULT_LOGOUT_URLS = (f"{LOCAL_WEB_ORIGIN}/apps/todo/", "myapp://callback")
# Context keys this module reads, beside the shared STAGE_KEYS.
TODO_KEYS = ("callbackUrls", "logoutUrls", "domainPrefix")
_PREFIX_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class TodoStageConfig(StageConfig):
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    domain_prefix: str | None  # None: derive `stratus-todo-<stage>-<account id>` at deploy time

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """Web origins of the callback URLs (custom schemes like myapp:// are not origins)."""
        origins = [LOCAL_WEB_ORIGIN]
        for url in self.callback_urls:
            if url == CLI_CALLBACK_URL:  # the CLI's redirect, not a web client's origin
                continue
            scheme, sep, rest = url.partition("://")
            if sep and scheme in ("http", "https"):
                origin = f"{scheme}://{rest.split('/', 1)[0]}"
                if origin not in origins:
                    origins.append(origin)
        return tuple(origins)


def todo_stage_config(
    context: Mapping[str, Any], base: StageConfig | None = None
) -> TodoStageConfig:
    """The to-do settings for the stage in `context` (the shared part from `base` if given)."""
    base = base or stage_config(context)
    callback_urls = url_list(context.get("callbackUrls"), "callbackUrls", DEFAULT_CALLBACK_URLS)
    logout_urls = url_list(context.get("logoutUrls"), "logoutUrls", DEFAULT_LOGOUT_URLS)
    prefix = context.get("domainPrefix")
    if prefix is not None and not _PREFIX_RE.match(str(prefix)):
        raise StageConfigError(f"context domainPrefix {prefix!r} is not a valid Cognito prefix")
    return TodoStageConfig(
        **shared_fields(base),
        callback_urls=callback_urls,
        logout_urls=logout_urls,
        domain_prefix=str(prefix) if prefix else None,
    )
