"""A service's tasks in its load balancer's target groups, through the local elbv2 API.

ECS registers an awsvpc task as an `ip` target (the task's IP and the container port) once
it runs and deregisters it before stopping it; the target group's deregistration delay is
how long a task drains first (attribute `deregistration_delay.timeout_seconds`, 300 s by
default: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/
edit-target-group-attributes.html#deregistration-delay). The calls go to the local endpoint,
so the local load balancer sees the targets where AWS keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from stratus.local.ecs import addresses

log = logging.getLogger("stratus.ecs")
DEFAULT_DEREGISTRATION_DELAY = 300.0


class MotoTargets:
    def __init__(self, clients: Callable[[str], Any]) -> None:
        self._clients = clients

    def register(self, target_group_arn: str, ip: str, port: int) -> None:
        self._clients("elbv2").register_targets(
            TargetGroupArn=target_group_arn, Targets=[{"Id": ip, "Port": port}]
        )

    def deregister(self, target_group_arn: str, ip: str, port: int) -> None:
        self._clients("elbv2").deregister_targets(
            TargetGroupArn=target_group_arn, Targets=[{"Id": ip, "Port": port}]
        )

    def draining_seconds(self, target_group_arn: str) -> float:
        try:
            attributes = self._clients("elbv2").describe_target_group_attributes(
                TargetGroupArn=target_group_arn
            )["Attributes"]
        except Exception as exc:
            log.warning("reading %s's deregistration delay failed: %s", target_group_arn, exc)
            return DEFAULT_DEREGISTRATION_DELAY
        for attribute in attributes:
            if attribute.get("Key") == "deregistration_delay.timeout_seconds":
                return float(attribute.get("Value") or 0)
        return DEFAULT_DEREGISTRATION_DELAY

    def unhealthy(self, target_group_arn: str) -> set[tuple[str, int]]:
        """Targets the load balancer's health checks report `unhealthy`."""
        health = self._clients("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
        return {
            (str(d["Target"]["Id"]), int(d["Target"].get("Port") or 0))
            for d in health.get("TargetHealthDescriptions") or []
            if (d.get("TargetHealth") or {}).get("State") == "unhealthy"
        }

    def forget_stale(self, target_group_arn: str, port: int, keep: set[str]) -> int:
        """Deregister task addresses on `port` that no running task holds (a previous
        `up` killed before it could deregister them); other targets are left alone."""
        health = self._clients("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
        ours = set(addresses.candidates())
        stale = [
            d["Target"]
            for d in health.get("TargetHealthDescriptions") or []
            if d["Target"]["Id"] in ours
            and int(d["Target"].get("Port") or 0) == port
            and d["Target"]["Id"] not in keep
            and not addresses.held(d["Target"]["Id"])
        ]
        if stale:
            self._clients("elbv2").deregister_targets(
                TargetGroupArn=target_group_arn,
                Targets=[{"Id": t["Id"], "Port": t["Port"]} for t in stale],
            )
        return len(stale)
