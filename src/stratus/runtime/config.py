"""Helpers for typed configuration read once from the environment.

Each system keeps its own config object and env-var names in its package (e.g. the to-do
system's in `stratus.todo.config`); this module only holds what every one of them needs.
A missing key raises ConfigError naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from stratus.runtime.errors import ConfigError

ENV_REGION = "AWS_REGION"


def require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"missing required setting {name}")
    return value


def integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"setting {name} must be an integer, got {raw!r}") from exc


def region(env: Mapping[str, str]) -> str:
    """The function's region as Lambda sets it (AWS_REGION), else the SDK default."""
    return env.get(ENV_REGION) or env.get("AWS_DEFAULT_REGION") or "us-east-1"
