"""A REGIONAL web ACL on a REST API stage (wafv2/gateway.py): evaluated before the routes
and authorizers; a block is the WAF_FILTERED gateway response (403 Forbidden), a custom
response is sent as the ACL says, an allowed request reaches the function."""

from __future__ import annotations

from typing import Any

from gateway_rig import API_ID, Rig

from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.wafv2.acl import WebAcl
from stratus.local.wafv2.gateway import stage_filter, stage_of
from stratus.local.wafv2.service import AclRuntime
from stratus.local.wafv2.statements import References

ACL_ARN = "arn:aws:wafv2:us-east-1:000000000000:regional/webacl/api/abc"


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _attach(rig: Rig, rules: list[dict[str, Any]]) -> BuiltinMetrics:
    spec = {"DefaultAction": {"Allow": {}}, "VisibilityConfig": _visibility("api"), "Rules": rules}
    acl = WebAcl(ACL_ARN, "api", "REGIONAL", "000000000000", spec, References())
    metrics = BuiltinMetrics()
    rig.app.stage_filters[(API_ID, "prod")] = [stage_filter(AclRuntime(acl, metrics, "us-east-1"))]
    return metrics


def _block_query(value: str, priority: int = 1, **action: Any) -> dict[str, Any]:
    return {
        "Name": f"no-{value}",
        "Priority": priority,
        "Action": action or {"Block": {}},
        "VisibilityConfig": _visibility(f"no{value}"),
        "Statement": {
            "ByteMatchStatement": {
                "SearchString": value,
                "FieldToMatch": {"QueryString": {}},
                "PositionalConstraint": "CONTAINS",
                "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
            }
        },
    }


def test_stage_arn_is_parsed() -> None:
    arn = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/stages/prod"
    assert stage_of(arn) == ("a1b2c3", "prod")
    assert stage_of("arn:aws:apigateway:eu-west-1::/restapis/a1b2c3") is None


def test_blocked_request_is_waf_filtered_and_never_reaches_the_function(rig: Rig) -> None:
    metrics = _attach(rig, [_block_query("evil")])
    resp = rig.request("GET", "/public/x", params={"q": "EVIL"})
    assert resp.status_code == 403
    assert resp.json() == {"message": "Forbidden"}
    assert resp.headers["x-amzn-errortype"] == "ForbiddenException"
    assert rig.lambdas.events == []
    sent = metrics.drain()["us-east-1"]["AWS/WAFV2"]
    assert any(d["MetricName"] == "BlockedRequests" for d in sent)


def test_waf_runs_before_routes_and_authorizers(rig: Rig) -> None:
    _attach(rig, [_block_query("evil")])
    assert rig.request("GET", "/nope", params={"q": "evil"}).json() == {"message": "Forbidden"}
    assert rig.request("GET", "/nope").status_code == 403  # no route: its own answer
    assert rig.request("GET", "/nope").json() == {"message": "Missing Authentication Token"}


def test_allowed_request_passes(rig: Rig) -> None:
    _attach(rig, [_block_query("evil")])
    assert rig.request("GET", "/public/x", params={"q": "kind"}).status_code == 200
    assert len(rig.lambdas.events) == 1


def test_custom_response_is_sent_as_the_acl_says(rig: Rig) -> None:
    custom = {"Block": {"CustomResponse": {"ResponseCode": 418}}}
    _attach(rig, [_block_query("tea", **custom)])
    resp = rig.request("GET", "/public/x", params={"q": "tea"})
    assert resp.status_code == 418
    assert rig.lambdas.events == []
