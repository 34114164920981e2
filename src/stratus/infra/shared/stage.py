"""Typed per-stage settings every system shares, read once from CDK context.

Every knob that differs between dev, test, prod and the local cloud lives here, so the
stack code reads `cfg.dax_enabled` instead of comparing stage names all over the place.
Unknown stage names (a feature branch, a developer's sandbox) get dev-like defaults.
A system with knobs of its own extends `StageConfig` in its own infra package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

DEFAULT_STAGE = "dev"
DEFAULT_DAX_NODE_TYPE = "dax.t3.small"
# Origin of the local gateway's web apps; always allowed by CORS so local web clients work.
LOCAL_WEB_ORIGIN = "https://127.0.0.1:4443"
# Stage names end up in stack names, API Gateway stage names (alphanumerics, hyphens and
# underscores: https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html) and Cognito
# domain prefixes (lower case, digits, hyphens): lower-case letters, digits and single inner
# hyphens fit all, so `make deploy STAGE=feature-x` makes a complete separate environment.
_STAGE_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,19}$")


class StageConfigError(ValueError):
    """Context values that cannot make a valid stage."""


@dataclass(frozen=True)
class Throttling:
    rate_limit: float
    burst_limit: int


@dataclass(frozen=True)
class StageConfig:
    name: str
    removal_policy: RemovalPolicy
    deletion_protection: bool
    log_retention: logs.RetentionDays
    throttling: Throttling
    dax_enabled: bool
    dax_node_type: str
    dax_nodes: int

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    @property
    def stack_prefix(self) -> str:
        return f"Stratus-{self.name}"


_THROTTLING = {
    "prod": Throttling(rate_limit=1000, burst_limit=2000),
    "test": Throttling(rate_limit=200, burst_limit=400),
    # The local cloud runs the benches: generous, but still a limit that is enforced.
    "local": Throttling(rate_limit=1000, burst_limit=2000),
}
_RETENTION = {
    "prod": logs.RetentionDays.ONE_YEAR,
    "test": logs.RetentionDays.TWO_WEEKS,
    "local": logs.RetentionDays.ONE_DAY,
}


def flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise StageConfigError(f"context {key} must be true or false, got {value!r}")


def url_list(value: Any, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list, a JSON list string or a comma-separated string (as `-c key=a,b` gives)."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else text.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise StageConfigError(f"context {key} must be a list of URLs, got {value!r}")
    urls = tuple(str(item).strip() for item in items if str(item).strip())
    for url in urls:
        if "://" not in url:
            raise StageConfigError(f"context {key}: {url!r} is not a URL")
    return urls or default


def stage_config(context: Mapping[str, Any]) -> StageConfig:
    """Build the StageConfig for the `stage` in `context` (default dev)."""
    name = str(context.get("stage") or DEFAULT_STAGE).strip()
    if not _STAGE_RE.match(name):
        raise StageConfigError(
            f"stage {name!r} is invalid: use 1-20 lower-case letters, digits and single "
            "hyphens, starting with a letter and not ending with a hyphen (it becomes part of "
            "stack, API stage and domain names)"
        )
    dax_default = name in ("prod", "local")
    dax_raw = context.get("dax")
    dax = dax_default if dax_raw is None or dax_raw == "" else flag(dax_raw, "dax")
    return StageConfig(
        name=name,
        removal_policy=RemovalPolicy.RETAIN if name == "prod" else RemovalPolicy.DESTROY,
        # The laptop cloud is wiped by `stratus up --fresh`; protection there only gets in the way.
        deletion_protection=name not in ("dev", "local"),
        log_retention=_RETENTION.get(name, logs.RetentionDays.ONE_WEEK),
        throttling=_THROTTLING.get(name, Throttling(rate_limit=100, burst_limit=200)),
        dax_enabled=dax,
        dax_node_type=str(context.get("daxNodeType") or DEFAULT_DAX_NODE_TYPE),
        dax_nodes=3 if name == "prod" else 1,
    )


# Context keys `stage_config` reads (everything else is CDK feature flags or a system's own).
STAGE_KEYS = ("stage", "dax", "daxNodeType")


def shared_fields(cfg: StageConfig) -> dict[str, Any]:
    """The shared settings as keyword arguments, for a system's StageConfig subclass."""
    return {f.name: getattr(cfg, f.name) for f in fields(StageConfig)}
