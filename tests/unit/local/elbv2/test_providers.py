"""The AWS::ElasticLoadBalancingV2::* providers against moto: placeholders of the skipped
VPC fall back to moto's default VPC, the local DNS name, template targets registered,
and CloudFormation's in-place updates (health checks, rules, listeners keep their ARNs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.core.settings import LocalSettings
from stratus.local.elbv2.providers import (
    ListenerProvider,
    ListenerRuleProvider,
    LoadBalancerProvider,
    TargetGroupProvider,
)
from stratus.local.provision.provider import ProviderContext

PLACEHOLDER = "unsupported:Stack/Vpc"


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        clients: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in clients:
                clients[service] = boto3.client(  # type: ignore[call-overload]
                    service, region_name="us-east-1"
                )
            return clients[service]

        yield client


def ctx(aws: Any, logical_id: str, old: dict[str, Any] | None = None) -> ProviderContext:
    return ProviderContext(
        settings=LocalSettings.for_project(Path("/tmp")),
        aws=aws,
        stack="Stack",
        logical_id=logical_id,
        resource_type="AWS::ElasticLoadBalancingV2::X",
        old_properties=old,
    )


GROUP = {
    "Port": 8080,
    "Protocol": "HTTP",
    "TargetType": "ip",
    "VpcId": PLACEHOLDER,
    "HealthCheckPath": "/health",
    "HealthCheckIntervalSeconds": "5",
    "Matcher": {"HttpCode": "200-299"},
    "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "3"}],
    "Targets": [{"Id": "127.0.0.9", "Port": 9000}],
}


def test_load_balancer_on_placeholder_subnets_gets_a_local_dns_name(aws: Any) -> None:
    props = {
        "Subnets": [f"{PLACEHOLDER}Subnet1", f"{PLACEHOLDER}Subnet2"],
        "SecurityGroups": ["unsupported:Stack/Sg.GroupId"],
        "Scheme": "internal",
        "LoadBalancerAttributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "7"}],
    }
    arn, attrs = LoadBalancerProvider().create(ctx(aws, "WebLb"), props)
    assert attrs["DNSName"].startswith("internal-stack-weblb-")
    assert attrs["DNSName"].endswith(".us-east-1.elb.localhost")
    assert attrs["LoadBalancerFullName"].startswith("app/Stack-WebLb-")
    assert len(attrs["LoadBalancerName"]) <= 32
    described = aws("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)
    assert {"Key": "idle_timeout.timeout_seconds", "Value": "7"} in described["Attributes"]
    assert LoadBalancerProvider().exists(ctx(aws, "WebLb"), arn)


def test_target_group_registers_template_targets_and_updates_in_place(aws: Any) -> None:
    provider = TargetGroupProvider()
    arn, attrs = provider.create(ctx(aws, "Api"), GROUP)
    assert attrs["TargetGroupArn"] == arn
    health = aws("elbv2").describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert [h["Target"] for h in health] == [{"Id": "127.0.0.9", "Port": 9000}]
    changed = {**GROUP, "HealthCheckPath": "/ready", "Targets": [{"Id": "127.0.0.8"}]}
    updated = provider.update(ctx(aws, "Api", old=GROUP), arn, changed)
    assert updated is not None and updated[0] == arn
    group = aws("elbv2").describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert group["HealthCheckPath"] == "/ready"
    health = aws("elbv2").describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert [h["Target"]["Id"] for h in health] == ["127.0.0.8"]
    assert provider.update(ctx(aws, "Api", old=GROUP), arn, {**GROUP, "Port": 81}) is None


def test_listener_and_rule_update_in_place(aws: Any) -> None:
    lb, _ = LoadBalancerProvider().create(ctx(aws, "Lb"), {"Subnets": [PLACEHOLDER]})
    tg, _ = TargetGroupProvider().create(ctx(aws, "Tg"), GROUP)
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    listener_props = {"LoadBalancerArn": lb, "Port": 80, "Protocol": "HTTP"}
    listener, _ = ListenerProvider().create(
        ctx(aws, "L"), {**listener_props, "DefaultActions": forward}
    )
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": 404}}]
    old = {**listener_props, "DefaultActions": forward}
    new = {**listener_props, "Port": 8080, "DefaultActions": fixed}
    assert ListenerProvider().update(ctx(aws, "L", old=old), listener, new) == (
        listener,
        {"ListenerArn": listener},
    )
    described = aws("elbv2").describe_listeners(ListenerArns=[listener])["Listeners"][0]
    assert described["Port"] == 8080
    conditions = [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a/*"]}}]
    rule_props = {"ListenerArn": listener, "Priority": 5, "Conditions": conditions}
    rule, _ = ListenerRuleProvider().create(ctx(aws, "R"), {**rule_props, "Actions": forward})
    moved = {**rule_props, "Priority": 7, "Actions": fixed}
    result = ListenerRuleProvider().update(ctx(aws, "R", old=rule_props), rule, moved)
    assert result is not None and result[0] == rule
    described = aws("elbv2").describe_rules(RuleArns=[rule])["Rules"][0]
    assert (described["Priority"], described["Actions"][0]["Type"]) == ("7", "fixed-response")
