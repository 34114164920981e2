"""Lambda deployment configurations and the traffic-shifting schedule each one means.

Predefined configurations and the custom TimeBasedCanary / TimeBasedLinear / AllAtOnce
shapes as CodeDeploy documents them
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-codedeploy-deploymentconfig-trafficroutingconfig.html):
- canary: P% of traffic to the new version at once, the rest `interval` minutes later;
- linear: P% more every `interval` minutes (P, 2P, ... then 100%), the first step at once;
- all at once: 100% at once.
A schedule is a list of steps (minutes after shifting starts, weight of the new version).
Pure: no clock, no I/O, so the unit tests check every configuration exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFIX = "CodeDeployDefault."


@dataclass(frozen=True)
class TrafficRouting:
    """One deployment configuration: its type, percentage and interval (minutes)."""

    name: str
    kind: str  # TimeBasedCanary | TimeBasedLinear | AllAtOnce
    percentage: int = 100
    interval: int = 0  # minutes

    def to_api(self) -> dict[str, Any]:
        """DeploymentConfigInfo.trafficRoutingConfig as GetDeploymentConfig answers it."""
        out: dict[str, Any] = {"type": self.kind}
        if self.kind == "TimeBasedCanary":
            out["timeBasedCanary"] = {
                "canaryPercentage": self.percentage,
                "canaryInterval": self.interval,
            }
        elif self.kind == "TimeBasedLinear":
            out["timeBasedLinear"] = {
                "linearPercentage": self.percentage,
                "linearInterval": self.interval,
            }
        return out


def _predefined() -> dict[str, TrafficRouting]:
    table = {f"{PREFIX}LambdaAllAtOnce": TrafficRouting(f"{PREFIX}LambdaAllAtOnce", "AllAtOnce")}
    for minutes in (5, 10, 15, 30):
        name = f"{PREFIX}LambdaCanary10Percent{minutes}Minutes"
        table[name] = TrafficRouting(name, "TimeBasedCanary", 10, minutes)
    for minutes in (1, 2, 3, 10):
        unit = "Minute" if minutes == 1 else "Minutes"
        name = f"{PREFIX}LambdaLinear10PercentEvery{minutes}{unit}"
        table[name] = TrafficRouting(name, "TimeBasedLinear", 10, minutes)
    return table


PREDEFINED = _predefined()


class ConfigError(ValueError):
    """A deployment configuration that CodeDeploy would reject."""


def from_properties(name: str, props: dict[str, Any]) -> TrafficRouting:
    """AWS::CodeDeploy::DeploymentConfig (ComputePlatform Lambda) -> TrafficRouting."""
    routing = props.get("TrafficRoutingConfig") or {}
    kind = str(routing.get("Type") or "AllAtOnce")
    if kind == "AllAtOnce":
        return TrafficRouting(name, kind)
    key, pct, ivl = (
        ("TimeBasedCanary", "CanaryPercentage", "CanaryInterval")
        if kind == "TimeBasedCanary"
        else ("TimeBasedLinear", "LinearPercentage", "LinearInterval")
        if kind == "TimeBasedLinear"
        else ("", "", "")
    )
    if not key:
        raise ConfigError(f"{name}: unknown traffic routing type {kind!r}")
    body = routing.get(key) or {}
    try:
        percentage, interval = int(body[pct]), int(body[ivl])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {key} needs {pct} and {ivl} as integers") from exc
    if not 1 <= percentage <= 99 or interval < 1:
        raise ConfigError(f"{name}: percentage must be 1..99 and interval at least 1 minute")
    return TrafficRouting(name, kind, percentage, interval)


def schedule(routing: TrafficRouting) -> list[tuple[float, float]]:
    """(minutes after shifting starts, weight of the new version 0..1), ending at 1.0."""
    if routing.kind == "TimeBasedCanary":
        return [(0.0, routing.percentage / 100), (float(routing.interval), 1.0)]
    if routing.kind == "TimeBasedLinear":
        steps: list[tuple[float, float]] = []
        share, at = routing.percentage, 0.0
        while share < 100:
            steps.append((at, share / 100))
            share += routing.percentage
            at += routing.interval
        steps.append((at, 1.0))
        return steps
    return [(0.0, 1.0)]
