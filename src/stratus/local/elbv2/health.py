"""A target's health as an Application Load Balancer keeps it: states and reason codes.

Hand-written (no library models ALB target health). Copied from
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html:
a newly registered target is `initial` (Elb.InitialHealthChecking) until it passes one
health check; a target turns `unhealthy` after UnhealthyThresholdCount consecutive
failures and `healthy` again after HealthyThresholdCount consecutive successes; the
reason of an unhealthy target says why (Target.ResponseCodeMismatch, Target.Timeout,
Target.FailedHealthChecks); a deregistering target is `draining`
(Target.DeregistrationInProgress); with health checks disabled a target is `unavailable`
(Target.HealthCheckDisabled); a group no listener forwards to has `unused` targets
(Target.NotInUse). Descriptions are AWS's
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INITIAL, HEALTHY, UNHEALTHY = "initial", "healthy", "unhealthy"
DRAINING, UNUSED, UNAVAILABLE = "draining", "unused", "unavailable"


@dataclass(frozen=True)
class CheckResult:
    """One health check: `ok`, or why it failed (`code` the status that did not match)."""

    ok: bool
    failure: str = ""  # "" | "code" | "timeout" | "error"
    code: int = 0


@dataclass(frozen=True)
class HealthSettings:
    enabled: bool = True
    protocol: str = "HTTP"
    port: str = "traffic-port"
    path: str = "/"
    interval: float = 30.0
    timeout: float = 5.0
    healthy_threshold: int = 5
    unhealthy_threshold: int = 2
    matcher: str = "200"


def code_matches(matcher: str, code: int) -> bool:
    """`200`, `200,202`, `200-299` (ALB's HttpCode syntax)."""
    for part in matcher.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            if int(low) <= code <= int(high):
                return True
        elif int(part) == code:
            return True
    return False


def valid_matcher(matcher: str) -> bool:
    return re.fullmatch(r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*", matcher.replace(" ", "")) is not None


@dataclass
class TargetHealth:
    """The state machine of one registered target."""

    settings: HealthSettings
    state: str = INITIAL
    reason: str = "Elb.InitialHealthChecking"
    description: str = "Initial health checking in progress"
    successes: int = 0
    failures: int = 0
    codes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.settings.enabled:
            self.state, self.reason = UNAVAILABLE, "Target.HealthCheckDisabled"
            self.description = "Health checks are disabled"

    def record(self, result: CheckResult) -> None:
        if self.state in (DRAINING, UNUSED, UNAVAILABLE):
            return
        if result.ok:
            self.successes += 1
            self.failures = 0
            needed = 1 if self.state == INITIAL else self.settings.healthy_threshold
            if self.state != HEALTHY and self.successes >= needed:
                self.state, self.reason, self.description = HEALTHY, "", ""
            return
        self.failures += 1
        self.successes = 0
        if self.state == UNHEALTHY or self.failures >= self.settings.unhealthy_threshold:
            self.state = UNHEALTHY
            self.reason, self.description = _why(result)

    def drain(self) -> None:
        self.state, self.reason = DRAINING, "Target.DeregistrationInProgress"
        self.description = "Target deregistration is in progress"

    @property
    def routable(self) -> bool:
        return self.state in (HEALTHY, UNAVAILABLE)


def _why(result: CheckResult) -> tuple[str, str]:
    if result.failure == "code":
        text = f"Health checks failed with these codes: [{result.code}]"
        return "Target.ResponseCodeMismatch", text
    if result.failure == "timeout":
        return "Target.Timeout", "Request timed out"
    return "Target.FailedHealthChecks", "Health checks failed"


NOT_REGISTERED = (UNUSED, "Target.NotRegistered", "Target is not registered to the target group")
NOT_IN_USE = (
    UNUSED,
    "Target.NotInUse",
    "Target group is not configured to receive traffic from the load balancer",
)
