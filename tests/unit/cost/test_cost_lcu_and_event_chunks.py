"""Two billing rules the pricing pages state: an ALB in front of Lambda targets fills an LCU
with 0.4 GB an hour (1 GB for EC2, container or IP targets), EventBridge bills each 64 KB
of an event as one event, and SES on its Essentials plan bills by tiers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from stratus.cost.estimate import estimate
from stratus.cost.inventory import Inventory
from stratus.cost.pricebook import PriceBook
from stratus.cost.profile import TrafficProfile
from stratus.cost.services import compute, identity
from stratus.cost.templates import StackTemplate


def test_lambda_targets_fill_an_lcu_at_four_tenths_of_a_gigabyte(prices: PriceBook) -> None:
    # https://aws.amazon.com/elasticloadbalancing/pricing/ : 1 GB/hour per LCU for EC2/IP
    # targets, 0.4 GB/hour for Lambda targets. 1 GB an hour for 730 hours:
    ec2 = compute.alb_cost(730, 730, prices)
    lam = compute.alb_cost(730, 730, prices, lambda_targets=True)
    assert round(ec2, 3) == round(730 * (0.0225 + 1 * 0.008), 3)
    assert round(lam, 3) == round(730 * (0.0225 + 2.5 * 0.008), 3)


def _alb_stack(target_type: str) -> StackTemplate:
    resources: dict[str, Any] = {
        "Lb": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Scheme": "internal", "Type": "application"},
        },
        "Group": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {"TargetType": target_type},
        },
        "Listener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": {"Ref": "Lb"},
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "Group"}}],
            },
        },
    }
    return StackTemplate("Edge", {"Resources": resources})


@pytest.mark.parametrize(("target_type", "lambda_targets"), [("lambda", True), ("ip", False)])
def test_the_model_finds_lambda_targets_behind_a_listener(
    target_type: str, lambda_targets: bool
) -> None:
    inventory = Inventory.of([_alb_stack(target_type)])
    [lb] = inventory.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert compute._has_lambda_targets(SimpleNamespace(inv=inventory), lb) is lambda_targets  # type: ignore[arg-type]


def _bus_stack() -> StackTemplate:
    bus = {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}}
    return StackTemplate("Shop", {"Resources": {"Bus": bus}})


def test_eventbridge_bills_each_64_kb_of_an_event(prices: PriceBook) -> None:
    # https://aws.amazon.com/eventbridge/pricing/ : "an event with a 256 KB payload is billed
    # as 4 events"; 1,000 such events a day for a month at $1.00 per million.
    days = 730 / 24
    small = TrafficProfile(name="small", channels={"Bus": 1000}, channel_bytes={"Bus": 1024})
    large = TrafficProfile(name="large", channels={"Bus": 1000}, channel_bytes={"Bus": 256 * 1024})
    small_usd = estimate([_bus_stack()], small, prices).services["eventbridge"]
    large_usd = estimate([_bus_stack()], large, prices).services["eventbridge"]
    assert round(small_usd, 6) == round(1000 * days / 1e6 * 1.0, 6)
    assert round(large_usd, 6) == round(4 * 1000 * days / 1e6 * 1.0, 6)


def test_ses_per_use_and_on_the_essentials_plan(prices: PriceBook) -> None:
    # Per use: $0.10 per 1,000 (https://aws.amazon.com/ses/pricing/). Essentials (AWS Price
    # List AmazonSES, 2026-07-22): $0.16 per 1,000 up to 10 M a month, then $0.14.
    assert identity.email_cost(20_000_000, prices) == 2000.0
    assert round(identity.email_cost(20_000_000, prices, "essentials"), 6) == 1600.0 + 1400.0
