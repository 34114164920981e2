"""API keys and usage plans: 403 Forbidden for a bad key, 429 for throttle and quota."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from auth_rig import add, fn_arn, lambda_authorizer, policy, protect
from gateway_rig import API_ID, Rig

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.gateway.usage_plans import operations, period_window
from stratus.local.provision.model import Deployment

KEY = "k" * 30


def plans(
    d: Deployment,
    *,
    quota: int | None = None,
    period: str = "DAY",
    throttle: dict[str, Any] | None = None,
    enabled: bool = True,
    value: str | None = KEY,
) -> None:
    key_props: dict[str, Any] = {"Enabled": enabled, "Name": "partner"}
    if value is not None:
        key_props["Value"] = value
    add(d, "PartnerKey", "AWS::ApiGateway::ApiKey", key_props)
    plan: dict[str, Any] = {"ApiStages": [{"ApiId": API_ID, "Stage": "prod"}]}
    if quota is not None:
        plan["Quota"] = {"Limit": quota, "Period": period}
    if throttle is not None:
        plan["Throttle"] = throttle
    add(d, "Plan", "AWS::ApiGateway::UsagePlan", plan)
    add(
        d,
        "PlanKey",
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": "partnerkey", "KeyType": "API_KEY", "UsagePlanId": "plan"},
    )


def _keyed(tmp_path: Path, **kw: Any) -> Rig:
    def tweak(d: Deployment) -> None:
        protect(d, ApiKeyRequired=True)
        plans(d, **kw)

    return Rig(tmp_path, tweak=tweak)


def test_missing_unknown_or_disabled_key_is_403_forbidden(tmp_path: Path) -> None:
    rig = _keyed(tmp_path)
    for headers in ({}, {"x-api-key": "nope"}):
        resp = rig.request("GET", "/public/x", headers=headers)
        assert (resp.status_code, resp.json()) == (403, {"message": "Forbidden"})
        assert resp.headers["x-amzn-errortype"] == "ForbiddenException"
    disabled = _keyed(tmp_path / "d", enabled=False)
    assert disabled.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code == 403
    assert rig.lambdas.events == disabled.lambdas.events == []


def test_valid_key_reaches_the_integration_with_its_identity(tmp_path: Path) -> None:
    rig = _keyed(tmp_path)
    assert rig.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code == 200
    identity = rig.lambdas.events[0]["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == (KEY, "partnerkey")


def test_key_outside_any_plan_of_the_stage_is_403(tmp_path: Path) -> None:
    def tweak(d: Deployment) -> None:
        protect(d, ApiKeyRequired=True)
        plans(d)
        next(d.resources("AWS::ApiGateway::UsagePlan")).properties["ApiStages"] = [
            {"ApiId": API_ID, "Stage": "other"}
        ]

    rig = Rig(tmp_path, tweak=tweak)
    assert rig.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code == 403


def test_quota_exceeded_is_429_limit_exceeded_until_the_next_period(tmp_path: Path) -> None:
    rig = _keyed(tmp_path, quota=2)
    codes = [rig.request("GET", "/public/x", headers={"x-api-key": KEY}) for _ in range(3)]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert codes[2].json() == {"message": "Limit Exceeded"}
    assert codes[2].headers["x-amzn-errortype"] == "LimitExceededException"
    rig.clock.advance(86400)
    assert rig.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code == 200


def test_plan_throttle_is_429_too_many_requests(tmp_path: Path) -> None:
    rig = _keyed(tmp_path, throttle={"RateLimit": 1, "BurstLimit": 2})
    codes = [
        rig.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    rig.clock.advance(1)
    assert rig.request("GET", "/public/x", headers={"x-api-key": KEY}).status_code == 200


def test_method_without_api_key_required_ignores_keys(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=lambda d: (protect(d), plans(d, quota=1)))
    for _ in range(3):
        assert rig.request("GET", "/public/x").status_code == 200


def test_authorizer_source_takes_the_usage_identifier_key(tmp_path: Path) -> None:
    def tweak(d: Deployment) -> None:
        lambda_authorizer(d, "TOKEN")
        protect(d, ApiKeyRequired=True)
        plans(d)
        next(d.resources("AWS::ApiGateway::RestApi")).properties["ApiKeySourceType"] = "AUTHORIZER"

    rig = Rig(tmp_path, tweak=tweak)

    def authz(event: dict[str, Any]) -> dict[str, Any]:
        key = KEY if event["authorizationToken"] == "good" else "wrong"
        return policy("Allow", event["methodArn"], usageIdentifierKey=key)

    rig.lambdas.register(fn_arn("Authz"), authz)
    assert rig.request("GET", "/public/x", headers={"Authorization": "good"}).status_code == 200
    # The header is not the source any more: a key there does not help.
    resp = rig.request("GET", "/public/x", headers={"Authorization": "bad", "x-api-key": KEY})
    assert resp.status_code == 403


def test_week_periods_start_on_sunday_and_months_on_the_first() -> None:
    saturday, sunday = 1_795_305_600.0 - 86400, 1_795_305_600.0  # 2026-11-21 / 2026-11-22
    assert period_window("WEEK", 0, saturday) != period_window("WEEK", 0, sunday)
    assert period_window("WEEK", 0, sunday) == period_window("WEEK", 0, sunday + 6 * 86400)
    assert period_window("MONTH", 0, sunday) == (2026, 11)


def test_get_api_key_answers_generated_values_with_include_value(tmp_path: Path) -> None:
    rig = _keyed(tmp_path, value=None)
    table = operations(lambda: rig.deployment)

    def call(op: str, labels: dict[str, str], query: str) -> Any:
        request = AwsRequest("GET", "/apikeys", "/apikeys", query, {}, b"")
        aws_call = AwsCall(request, "apigateway", op, protocol="rest-json", labels=labels)
        response = asyncio.run(table[op](aws_call))
        assert response is not None
        return json.loads(bytes(response.body))

    one = call("GetApiKey", {"api_Key": "partnerkey"}, "includeValue=true")
    assert len(one["value"]) == 40 and one["enabled"] is True
    assert "value" not in call("GetApiKey", {"api_Key": "partnerkey"}, "")
    listed = call("GetApiKeys", {}, "includeValues=true")["item"]
    assert [k["value"] for k in listed] == [one["value"]]
    # The generated value is the one the gateway accepts.
    assert rig.request("GET", "/public/x", headers={"x-api-key": one["value"]}).status_code == 200
