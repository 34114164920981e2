"""Canary releases of a REST API stage: the live stage, the traffic split, UpdateStage's
patch operations.

A stage with canary settings sends each request to the canary with probability
PercentTraffic / 100, "separated at random"; a canary request runs the canary's deployment
with the stage variables overridden by StageVariableOverrides, and uses the stage cache only
with UseStageCache
(https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html).

Promoting and removing a canary are UpdateStage patch operations
(https://docs.aws.amazon.com/apigateway/latest/developerguide/promote-canary-deployment.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/delete-canary-deployment.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html):
``copy /canarySettings/deploymentId -> /deploymentId``, ``copy
/canarySettings/stageVariableOverrides -> /variables``, ``replace
/canarySettings/percentTraffic``, ``remove /canarySettings``. A path this emulation does
not know is refused with BadRequestException, as AWS refuses an invalid patch path.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from stratus.local.gateway.config import CanarySettings

OPS = ("add", "remove", "replace", "move", "copy", "test")


class PatchError(Exception):
    """BadRequestException (400) for UpdateStage."""


@dataclass(frozen=True)
class LiveStage:
    """What UpdateStage may change on a stage while the cloud runs."""

    deployment_id: str | None
    variables: dict[str, str] = field(default_factory=dict)
    canary: CanarySettings | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"deploymentId": self.deployment_id, "variables": self.variables}
        if self.description is not None:
            out["description"] = self.description
        if self.canary is not None:
            out["canarySettings"] = canary_json(self.canary)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LiveStage:
        canary = data.get("canarySettings")
        return cls(
            deployment_id=data.get("deploymentId"),
            variables={str(k): str(v) for k, v in (data.get("variables") or {}).items()},
            canary=None
            if canary is None
            else CanarySettings(
                percent_traffic=float(canary.get("percentTraffic") or 0.0),
                deployment_id=canary.get("deploymentId"),
                stage_variable_overrides=dict(canary.get("stageVariableOverrides") or {}),
                use_stage_cache=bool(canary.get("useStageCache", False)),
            ),
            description=data.get("description"),
        )


def canary_json(canary: CanarySettings) -> dict[str, Any]:
    """API_CanarySettings as GetStage shows it."""
    out: dict[str, Any] = {
        "percentTraffic": canary.percent_traffic,
        "useStageCache": canary.use_stage_cache,
    }
    if canary.deployment_id:
        out["deploymentId"] = canary.deployment_id
    if canary.stage_variable_overrides:
        out["stageVariableOverrides"] = dict(canary.stage_variable_overrides)
    return out


def goes_to_canary(canary: CanarySettings | None, draw: float) -> bool:
    """`draw` is uniform in [0, 1): 0% never, 100% always."""
    return canary is not None and draw * 100.0 < canary.percent_traffic


def apply_patch(
    live: LiveStage, operations: list[Mapping[str, Any]], deployments: Collection[str]
) -> LiveStage:
    """The stage after `operations` (all or nothing); `deployments`: the API's deployment ids."""
    for op in operations:
        live = _apply_one(live, op, deployments)
    return live


def _apply_one(live: LiveStage, op: Mapping[str, Any], deployments: Collection[str]) -> LiveStage:
    kind = str(op.get("op", ""))
    path = str(op.get("path", ""))
    value = op.get("value")
    if kind not in OPS:
        raise PatchError(f"Invalid patch operation specified. Must be one of: {', '.join(OPS)}")
    if kind == "copy":
        return _copy(live, str(op.get("from", "")), path)
    if path == "/deploymentId" and kind == "replace":
        return replace(live, deployment_id=_deployment(value, deployments))
    if path == "/description" and kind in ("replace", "add", "remove"):
        return replace(live, description=None if kind == "remove" else str(value or ""))
    if path.startswith("/variables/") and len(path) > len("/variables/"):
        name = _unescape(path.removeprefix("/variables/"))
        variables = dict(live.variables)
        if kind == "remove":
            variables.pop(name, None)
        elif kind in ("replace", "add"):
            variables[name] = str(value if value is not None else "")
        else:
            raise _invalid(kind, path)
        return replace(live, variables=variables)
    if path == "/canarySettings" and kind == "remove":
        return replace(live, canary=None)
    if path.startswith("/canarySettings/") and kind in ("replace", "add", "remove"):
        # Setting any canary field on a stage without one creates the canary, on the
        # stage's deployment until told otherwise.
        canary = live.canary or CanarySettings(deployment_id=live.deployment_id)
        return replace(live, canary=_canary_field(canary, kind, path, value, deployments))
    raise _invalid(kind, path)


def _canary_field(
    canary: CanarySettings, kind: str, path: str, value: Any, deployments: Collection[str]
) -> CanarySettings:
    field_path = path.removeprefix("/canarySettings/")
    if field_path.startswith("stageVariableOverrides/") and field_path.count("/") == 1:
        name = _unescape(field_path.split("/", 1)[1])
        overrides = dict(canary.stage_variable_overrides)
        if kind == "remove":
            overrides.pop(name, None)
        else:
            overrides[name] = str(value if value is not None else "")
        return replace(canary, stage_variable_overrides=overrides)
    if kind == "remove":
        raise _invalid(kind, path)
    if field_path == "percentTraffic":
        try:
            percent = float(value)
        except (TypeError, ValueError):
            raise PatchError(f"Invalid value for percentTraffic: {value}") from None
        if not 0.0 <= percent <= 100.0:
            raise PatchError("percentTraffic must be between 0.0 and 100.0")
        return replace(canary, percent_traffic=percent)
    if field_path == "deploymentId":
        return replace(canary, deployment_id=_deployment(value, deployments))
    if field_path == "useStageCache":
        if str(value).lower() not in ("true", "false"):
            raise PatchError(f"Invalid value for useStageCache: {value}")
        return replace(canary, use_stage_cache=str(value).lower() == "true")
    raise _invalid(kind, path)


def _copy(live: LiveStage, source: str, path: str) -> LiveStage:
    if source.startswith("/canarySettings") and live.canary is None:
        raise PatchError("Stage does not have canary settings to copy from")
    if source == "/canarySettings/deploymentId" and path == "/deploymentId":
        assert live.canary is not None
        return replace(live, deployment_id=live.canary.deployment_id or live.deployment_id)
    if source == "/canarySettings/stageVariableOverrides" and path == "/variables":
        assert live.canary is not None
        return replace(live, variables={**live.variables, **live.canary.stage_variable_overrides})
    raise PatchError(f"Invalid patch path '{path}' specified for op 'copy' from '{source}'")


def _deployment(value: Any, deployments: Collection[str]) -> str:
    text = str(value or "")
    if text not in deployments:
        raise PatchError(f"Deployment id '{text}' does not exist")
    return text


def _unescape(name: str) -> str:
    return name.replace("~1", "/").replace("~0", "~")  # JSON Pointer escapes (RFC 6901)


def _invalid(kind: str, path: str) -> PatchError:
    return PatchError(f"Invalid patch path '{path}' specified for op '{kind}'")
