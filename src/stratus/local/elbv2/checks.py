"""Health checks: a GET of the group's path on each registered target, every interval.

httpx sends them (timeout: HealthCheckTimeoutSeconds; the User-Agent ALB's checker sends,
`ELB-HealthChecker/2.0`); each result goes to the target's state machine (`health`).
Targets of HTTPS groups are checked over HTTPS without verifying their certificate, as
ALB does not verify targets' certificates
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from stratus.local.elbv2.health import CheckResult, code_matches
from stratus.local.elbv2.targets import Target, TargetGroup

log = logging.getLogger("stratus.elbv2")
USER_AGENT = "ELB-HealthChecker/2.0"


class HealthChecks:
    def __init__(self) -> None:
        self.client = httpx.AsyncClient(
            verify=False,  # ALB does not verify its targets' certificates
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            trust_env=False,
        )

    def start(self, group: TargetGroup, target: Target) -> None:
        if not group.health.enabled or not group.in_use:
            return
        target.checker = asyncio.create_task(
            self._loop(group, target), name=f"alb-health:{target.id}:{target.port}"
        )

    @staticmethod
    def stop(target: Target) -> None:
        if target.checker is not None:
            target.checker.cancel()
            target.checker = None

    async def _loop(self, group: TargetGroup, target: Target) -> None:
        while True:
            result = await self.check(group, target)
            before = target.health.state
            target.health.record(result)
            if target.health.state != before:
                log.info(
                    "target %s:%s of %s: %s -> %s %s",
                    target.id,
                    target.port,
                    group.name,
                    before,
                    target.health.state,
                    target.health.reason,
                )
            await asyncio.sleep(group.health.interval)

    async def check(self, group: TargetGroup, target: Target) -> CheckResult:
        settings = group.health
        port = target.port if settings.port == "traffic-port" else int(settings.port)
        scheme = settings.protocol.lower()
        url = f"{scheme}://{target.host}:{port}{settings.path or '/'}"
        try:
            response = await self.client.get(
                url, headers={"user-agent": USER_AGENT}, timeout=settings.timeout
            )
        except httpx.TimeoutException:
            return CheckResult(False, "timeout")
        except httpx.HTTPError:
            return CheckResult(False, "error")
        if code_matches(settings.matcher, response.status_code):
            return CheckResult(True)
        return CheckResult(False, "code", response.status_code)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()
