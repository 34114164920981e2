"""A target group's registered targets: who gets the next request, and who is draining.

Hand-written (the routing and draining rules are ALB's, not a library's). The targets are
the ones registered in moto's elbv2 backend (RegisterTargets / DeregisterTargets, kept
there as AWS keeps them: by target id, a second registration of an id replaces the first);
this module keeps what moto does not: each target's health, its requests in flight and
its draining. Routing, from
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
and https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html:
round robin over the healthy targets; when every registered target is unhealthy the
group fails open and routes to all of them; a draining target gets no new request but
finishes the ones in flight until the deregistration delay ends (it stays `draining` for
the whole delay, then it is gone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from stratus.local.elbv2.health import (
    NOT_IN_USE,
    NOT_REGISTERED,
    UNHEALTHY,
    HealthSettings,
    TargetHealth,
)

# Instance id -> its local address: the local Auto Scaling runner fills it for the instances
# it runs, so `instance` targets (registered by id) are reached like `ip` targets.
INSTANCE_ADDRESSES: dict[str, str] = {}


@dataclass(eq=False)
class Target:
    id: str
    port: int
    health: TargetHealth
    inflight: set[asyncio.Task[object]] = field(default_factory=set)
    checker: asyncio.Task[None] | None = None

    @property
    def host(self) -> str:
        address = INSTANCE_ADDRESSES.get(self.id, self.id)
        return f"[{address}]" if ":" in address else address


@dataclass(frozen=True)
class HealthRow:
    """One row of DescribeTargetHealth."""

    id: str
    port: int
    state: str
    reason: str = ""
    description: str = ""
    health_check_port: str = ""


@dataclass(eq=False)
class TargetGroup:
    arn: str
    name: str
    protocol: str  # HTTP | HTTPS, to the targets
    port: int
    health: HealthSettings
    deregistration_delay: float = 300.0
    in_use: bool = True  # a listener forwards to it
    load_balancers: list[str] = field(default_factory=list)  # ARNs of those listeners' LBs
    targets: dict[str, Target] = field(default_factory=dict)
    draining: dict[str, Target] = field(default_factory=dict)
    _turn: int = 0

    def register(self, target_id: str, port: int | None) -> tuple[Target, Target | None]:
        """The new target, and the one it replaces (same id), if any."""
        old = self.targets.pop(target_id, None)
        target = Target(target_id, int(port or self.port), TargetHealth(self.health))
        self.targets[target_id] = target
        return target, old

    def deregister(self, target_id: str) -> Target | None:
        target = self.targets.pop(target_id, None)
        if target is not None:
            target.health.drain()
            self.draining[target_id] = target
        return target

    def drained(self, target: Target) -> None:
        if self.draining.get(target.id) is target:
            del self.draining[target.id]

    def pick(self) -> Target | None:
        """The next target in round robin, or None (nothing registered or nothing ready)."""
        registered = list(self.targets.values())
        ready = [t for t in registered if t.health.routable]
        if not ready and registered and all(t.health.state == UNHEALTHY for t in registered):
            ready = registered  # fail open
        if not ready:
            return None
        self._turn += 1
        return ready[self._turn % len(ready)]

    def rows(self, wanted: Iterable[tuple[str, int | None]] | None = None) -> list[HealthRow]:
        hc_port = self.health.port
        if wanted is None:
            found = [*self.targets.values(), *self.draining.values()]
            return [self._row(t, hc_port) for t in found]
        rows = []
        for target_id, port in wanted:
            target = self.targets.get(target_id) or self.draining.get(target_id)
            if target is not None and (port is None or port == target.port):
                rows.append(self._row(target, hc_port))
            else:
                state, reason, text = NOT_REGISTERED
                row = HealthRow(target_id, int(port or self.port), state, reason, text, hc_port)
                rows.append(row)
        return rows

    def _row(self, target: Target, hc_port: str) -> HealthRow:
        h = target.health
        if not self.in_use and target.id in self.targets:
            state, reason, text = NOT_IN_USE
            return HealthRow(target.id, target.port, state, reason, text, hc_port)
        return HealthRow(target.id, target.port, h.state, h.reason, h.description, hc_port)
