"""API Gateway's stage-cache calls for the REST APIs the local gateway serves.

- FlushStageCache (`DELETE /restapis/{id}/stages/{stage}/cache/data`) empties the stage's
  cache; AWS answers 202 with no body
  (https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageCache.html).
- UpdateStage's `replace` patches of the cache settings (stage_cache.apply_patch; the
  controlplane's UpdateStage hands them here, the canary's and variables' to releases.py):
  `/cacheClusterEnabled` and `/{resource}/{method}/caching/{enabled, ttlInSeconds,
  requireAuthorizationForCacheControl, unauthorizedCacheControlHeaderStrategy}` — the last
  two exist only here, CloudFormation has no property for them. Other patches are refused
  with BadRequestException: the local gateway reads every other stage setting from the
  template. Patched settings last until the local cloud stops (AWS would keep them, and
  drift from the template).

An API or stage that is not the gateway's returns None (moto answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.gateway.stage_cache import PatchError, apply_patch

Handler = Callable[[AwsCall], Awaitable[Response | None]]
CachePatcher = Callable[[str, str, list[Mapping[str, Any]]], dict[str, Any]]


def operations(app_source: Callable[[], Any]) -> dict[str, Handler]:
    """`app_source()` is the running GatewayApp (None before the gateway starts)."""

    def stage_of(call: AwsCall) -> Any:
        app = app_source()
        api = None if app is None else app.apis.get(call.labels.get("restapi_id", ""))
        return None if api is None else api.stages.get(call.labels.get("stage_name", ""))

    async def flush_stage_cache(call: AwsCall) -> Response | None:
        stage = stage_of(call)
        if stage is None:
            return None
        app_source().caches.flush(stage.api_id, stage.name)
        return Response(status_code=202)

    return {"FlushStageCache": flush_stage_cache}


def is_cache_patch(op: Mapping[str, Any]) -> bool:
    """A patch of the stage cache's settings (the rest of UpdateStage is releases.py's)."""
    path = str(op.get("path", ""))
    return path == "/cacheClusterEnabled" or "/caching/" in path


def cache_patcher(app_source: Callable[[], Any]) -> CachePatcher:
    """UpdateStage's cache patches for controlplane.py: applies them to the running stage
    (raising PatchError for what AWS would refuse) and returns the stage's cache fields."""

    def patch(api_id: str, stage_name: str, operations: list[Mapping[str, Any]]) -> dict[str, Any]:
        app = app_source()
        api = None if app is None else app.apis.get(api_id)
        stage = None if api is None else api.stages.get(stage_name)
        if stage is None:
            if operations:
                raise PatchError(f"no running stage {stage_name} to patch the cache of")
            return {}
        for op in operations:
            if op.get("op") != "replace":
                raise PatchError(f"the local gateway applies replace operations only: {op}")
            apply_patch(stage, str(op.get("path", "")), str(op.get("value", "")))
        return _stage_body(stage)

    return patch


def _stage_body(stage: Any) -> dict[str, Any]:
    settings = {}
    for (path, method), s in stage.settings.items():
        key = ("*" if path == "/*" else path.replace("/", "~1")) + "/" + method
        settings[key] = {
            "cachingEnabled": s.caching,
            "cacheTtlInSeconds": s.ttl,
            "requireAuthorizationForCacheControl": s.require_auth_for_cache_control,
            "unauthorizedCacheControlHeaderStrategy": s.unauthorized_strategy,
        }
    return {"cacheClusterEnabled": stage.cache_cluster, "methodSettings": settings}
