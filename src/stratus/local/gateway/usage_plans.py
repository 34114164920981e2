"""API keys and usage plans of REST APIs: which key a request carries, whether it may call
this stage, and the plan's throttle and quota
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html).

- A method with ApiKeyRequired needs a key: from the `x-api-key` header (apiKeySource HEADER)
  or a Lambda authorizer's usageIdentifierKey (AUTHORIZER). Missing, unknown, disabled, or
  not in a usage plan of this API stage: 403 {"message":"Forbidden"}.
- The plan's Throttle (RateLimit/BurstLimit, per key; per method when ApiStages[].Throttle
  names "/path/METHOD") answers 429 "Too Many Requests"; its Quota (Limit per DAY, WEEK or
  MONTH, Offset days into the period; a WEEK starts on Sunday, offset 0) answers 429
  "Limit Exceeded".
- Keys come from AWS::ApiGateway::ApiKey: its `Value`, or one generated from the stack and
  logical id (40 characters, stable across restarts). CloudFormation's `Enabled` defaults to
  false, as AWS's (the CDK writes true). `apigateway get-api-key(s) --include-value` on the
  local endpoint answers from here (`operations`).

Quota counters live in memory: a restart starts every period afresh.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.gateway.errors import GatewayError
from stratus.local.gateway.limits import TokenBucket
from stratus.local.provision.model import Deployment, Resource
from stratus.local.provision.provider import short_id

INVALID_API_KEY = GatewayError("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException")
QUOTA_EXCEEDED = GatewayError("QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException")
USAGE_PLAN_THROTTLED = GatewayError(
    "THROTTLED", 429, "Too Many Requests", "TooManyRequestsException"
)


class UsageDenied(Exception):
    def __init__(self, error: GatewayError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    value: str
    enabled: bool
    description: str | None = None


@dataclass(frozen=True)
class Throttle:
    rate: float
    burst: int


@dataclass
class UsagePlan:
    plan_id: str
    name: str
    stages: set[tuple[str, str]]  # (api id, stage)
    throttle: Throttle | None
    quota_limit: int | None
    quota_period: str  # DAY | WEEK | MONTH
    quota_offset: int
    # (api id, stage, "/path/METHOD") -> throttle for that method
    method_throttles: dict[tuple[str, str, str], Throttle] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)  # key ids


def api_key_value(res: Resource) -> str:
    given = res.properties.get("Value")
    return str(given) if given else short_id(f"{res.stack}/{res.logical_id}/api-key-value", 40)


def _throttle(props: Any) -> Throttle | None:
    if not isinstance(props, dict):
        return None
    rate, burst = props.get("RateLimit"), props.get("BurstLimit")
    if rate is None and burst is None:
        return None
    return Throttle(
        float(rate) if rate is not None else 1e9, int(burst) if burst is not None else 10**9
    )


def load_keys(deployment: Deployment) -> dict[str, ApiKey]:
    return {
        r.physical_id: ApiKey(
            key_id=r.physical_id,
            name=str(r.properties.get("Name") or r.physical_id),
            value=api_key_value(r),
            enabled=str(r.properties.get("Enabled", "false")).lower() == "true",
            description=r.properties.get("Description"),
        )
        for r in deployment.resources("AWS::ApiGateway::ApiKey")
    }


def load_plans(deployment: Deployment) -> dict[str, UsagePlan]:
    plans: dict[str, UsagePlan] = {}
    for res in deployment.resources("AWS::ApiGateway::UsagePlan"):
        props = res.properties
        quota = props.get("Quota") or {}
        plan = UsagePlan(
            plan_id=res.physical_id,
            name=str(props.get("UsagePlanName") or res.physical_id),
            stages=set(),
            throttle=_throttle(props.get("Throttle")),
            quota_limit=int(quota["Limit"]) if quota.get("Limit") is not None else None,
            quota_period=str(quota.get("Period") or "DAY").upper(),
            quota_offset=int(quota.get("Offset") or 0),
        )
        for entry in props.get("ApiStages") or []:
            api, stage = str(entry.get("ApiId")), str(entry.get("Stage"))
            plan.stages.add((api, stage))
            for path_method, settings in (entry.get("Throttle") or {}).items():
                found = _throttle(settings)
                if found is not None:
                    plan.method_throttles[(api, stage, str(path_method))] = found
        plans[plan.plan_id] = plan
    for res in deployment.resources("AWS::ApiGateway::UsagePlanKey"):
        linked = plans.get(str(res.properties.get("UsagePlanId")))
        if linked is not None:
            linked.keys.add(str(res.properties.get("KeyId")))
    return plans


def period_window(period: str, offset: int, now: float) -> tuple[int, ...]:
    """Which quota period `now` falls in (UTC)."""
    day = dt.datetime.fromtimestamp(now, dt.UTC).date() - dt.timedelta(days=offset)
    if period == "WEEK":
        days = (day - dt.date(1970, 1, 4)).days  # 1970-01-04 was a Sunday
        return (days // 7,)
    if period == "MONTH":
        return (day.year, day.month)
    return (day.toordinal(),)


class UsagePlans:
    def __init__(self, deployment: Deployment, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.keys = load_keys(deployment)
        self.plans = load_plans(deployment)
        self._by_value = {k.value: k for k in self.keys.values()}
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}
        self._used: dict[tuple[str, str], tuple[tuple[int, ...], int]] = {}

    def admit(
        self, api_id: str, stage: str, value: str | None, resource_path: str, verb: str
    ) -> ApiKey:
        """The key's usage for one request: raises UsageDenied (403 or 429), else counts it."""
        key = self._by_value.get(value or "")
        if key is None or not key.enabled:
            raise UsageDenied(INVALID_API_KEY, "no such key" if key is None else "disabled")
        plan = next(
            (
                p
                for p in self.plans.values()
                if key.key_id in p.keys and (api_id, stage) in p.stages
            ),
            None,
        )
        if plan is None:
            raise UsageDenied(INVALID_API_KEY, "key not in a usage plan of this stage")
        now = self._clock()
        window = period_window(plan.quota_period, plan.quota_offset, now)
        used_key = (plan.plan_id, key.key_id)
        seen_window, used = self._used.get(used_key, (window, 0))
        if seen_window != window:
            used = 0
        if plan.quota_limit is not None and used >= plan.quota_limit:
            raise UsageDenied(QUOTA_EXCEEDED, "quota")
        throttle = plan.method_throttles.get((api_id, stage, f"{resource_path}/{verb}"))
        scope: tuple[str, ...] = (plan.plan_id, key.key_id, resource_path, verb)
        if throttle is None:
            throttle, scope = plan.throttle, (plan.plan_id, key.key_id)
        if throttle is not None:
            bucket = self._buckets.get(scope)
            if bucket is None:
                bucket = TokenBucket(throttle.rate, throttle.burst, self._clock)
                self._buckets[scope] = bucket
            if not bucket.take():
                raise UsageDenied(USAGE_PLAN_THROTTLED, "usage plan throttle")
        self._used[used_key] = (window, used + 1)
        return key


# -- the control plane: GetApiKey / GetApiKeys for the keys the templates declare ------------

Handler = Callable[[AwsCall], Awaitable[Response | None]]


def operations(deployment_source: Callable[[], Deployment | None]) -> dict[str, Handler]:
    """API Gateway's GetApiKey and GetApiKeys for template-declared keys (moto never saw them);
    `includeValue(s)=true` returns the value, generated ones included
    (https://docs.aws.amazon.com/apigateway/latest/api/API_GetApiKey.html)."""

    def known() -> dict[str, ApiKey]:
        deployment = deployment_source()
        return load_keys(deployment) if deployment is not None else {}

    def shape(key: ApiKey, with_value: bool) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": key.key_id,
            "name": key.name,
            "enabled": key.enabled,
            "stageKeys": [],
        }
        if key.description:
            item["description"] = key.description
        if with_value:
            item["value"] = key.value
        return item

    async def get_api_key(call: AwsCall) -> Response | None:
        key = known().get(call.labels.get("api_Key", ""))
        if key is None:
            return None
        with_value = str(call.params().get("includeValue", "")).lower() == "true"
        return _json(shape(key, with_value))

    async def get_api_keys(call: AwsCall) -> Response | None:
        keys = known()
        if not keys:
            return None
        params = call.params()
        with_value = str(params.get("includeValues", "")).lower() == "true"
        prefix = str(params.get("name") or "")
        items = [shape(k, with_value) for k in keys.values() if k.name.startswith(prefix)]
        return _json({"item": items})

    return {"GetApiKey": get_api_key, "GetApiKeys": get_api_keys}


def _json(body: dict[str, Any]) -> Response:
    return Response(content=json.dumps(body), media_type="application/json")
