"""The engine's Target on this cloud: the Lambda runtime's aliases and invoke, the local
CloudWatch's alarm states, the `up` console."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from stratus.local.codedeploy.store import Deployment
from stratus.local.core.context import Reporter
from stratus.local.core.contracts import FunctionNotFoundError
from stratus.local.provision.model import Resource

log = logging.getLogger("stratus.codedeploy")


def function_name(ref: Any) -> str:
    """A function name from a name or an ARN (qualified or not)."""
    text = str(ref or "")
    if ":function:" in text:
        return text.split(":function:", 1)[1].split(":", 1)[0]
    return text


class LocalTarget:
    """The engine's Target on this cloud: the Lambda runtime's aliases, its invoke, the
    local CloudWatch's alarm states (read through the endpoint, in a thread)."""

    def __init__(self, runtime: Any, clients: Any, reporter: Reporter) -> None:
        self._runtime = runtime
        self._clients = clients
        self._reporter = reporter

    def _ensure_version(self, function: str, version: str) -> None:
        """A version the templates no longer declare (the one being replaced) still runs:
        its snapshot is in Lambda's store; the runtime registers it on demand."""
        try:
            self._runtime.get(f"{function}:{version}")
        except FunctionNotFoundError:
            arn = self._runtime.function_arn(function)
            self._runtime.register_version(
                Resource(
                    stack="",
                    logical_id="",
                    type="AWS::Lambda::Version",
                    properties={"FunctionName": function},
                    physical_id=f"{arn}:{version}",
                    attributes={"Version": version},
                )
            )

    def check(self, deployment: Deployment) -> str | None:
        """Why a requested deployment cannot run here, or None."""
        function, alias = deployment.function, deployment.alias
        try:
            live = self._runtime.alias(function, alias)
        except FunctionNotFoundError:
            return f"No alias {alias} of function {function}"
        if live.version != deployment.current or live.weights:
            return (
                f"The alias {alias} serves version {live.version}"
                f"{' with weighted routing' if live.weights else ''}, not CurrentVersion "
                f"{deployment.current}"
            )
        try:
            self._ensure_version(function, deployment.target)
        except (ValueError, FunctionNotFoundError):
            return f"No version {deployment.target} of function {function}"
        return None

    def route(self, deployment: Deployment, weight: float) -> None:
        if weight >= 1.0:
            self.pin(deployment.function, deployment.alias, deployment.target)
        elif weight <= 0.0:
            self.pin(deployment.function, deployment.alias, deployment.current)
        else:
            self.pin(
                deployment.function,
                deployment.alias,
                deployment.current,
                (deployment.target, round(weight, 4)),
            )

    def pin(
        self, function: str, alias: str, version: str, extra: tuple[str, float] | None = None
    ) -> None:
        """Point the alias at `version`, with `extra` (version, weight) beside it."""
        try:
            description = self._runtime.alias(function, alias).description
        except FunctionNotFoundError:
            description = ""
        self._ensure_version(function, version)
        if extra is not None:
            self._ensure_version(function, extra[0])
        self._runtime.put_alias(
            function, alias, version, weights=[extra] if extra else [], description=description
        )

    async def invoke(self, region: str, function: str, payload: bytes) -> str | None:
        try:
            result = await self._runtime.invoke(function, payload)
        except Exception as exc:  # not found, throttled: the hook never reports
            return f"{type(exc).__name__}: {exc}"
        if result.function_error:
            return result.payload.decode("utf-8", "replace")[:500]
        return None

    async def alarms_firing(self, region: str, names: list[str]) -> list[str]:
        def read() -> list[str]:
            client = self._clients(region)("cloudwatch")
            found = client.describe_alarms(AlarmNames=names).get("MetricAlarms", [])
            return [a["AlarmName"] for a in found if a.get("StateValue") == "ALARM"]

        try:
            return await asyncio.to_thread(read)
        except Exception:
            log.exception("reading alarms %s failed", names)
            return []

    def report(self, message: str) -> None:
        log.info("%s", message)
        self._reporter.info(message)
