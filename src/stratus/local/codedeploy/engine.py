"""Run one Lambda deployment: hooks, traffic shifting on schedule, alarms, rollback.

The lifecycle CodeDeploy runs for Lambda
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html,
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda):
BeforeAllowTraffic (the hook function is invoked with `DeploymentId` and
`LifecycleEventHookExecutionId` and must report with PutLifecycleEventHookExecutionStatus
within an hour), AllowTraffic (the alias's RoutingConfig shifted step by step, see
`configs.schedule`), AfterAllowTraffic, then Succeeded. The group's CloudWatch alarms are
polled throughout; one in ALARM stops the deployment
(https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html). A
deployment that does not succeed leaves the alias on its original version, and with the
group's automatic rollback a rollback deployment (creator `codeDeployRollback`) records it
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).

Minutes are divided by the time scale (`stratus up --deploy-time-scale`), so a 5-minute
canary takes 5 s at 60. The alias, hook invocation and alarm reads are injected (`Target`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from stratus.local.codedeploy import configs
from stratus.local.codedeploy.store import (
    DONE,
    FAILED,
    IN_PROGRESS,
    STOPPED,
    SUCCEEDED,
    CodeDeployStore,
    Deployment,
    alias_key,
    new_deployment_id,
)

log = logging.getLogger("stratus.codedeploy")

HOOK_TIMEOUT_MINUTES = 60.0  # a hook must report within one hour
BEFORE, ALLOW, AFTER = "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"


class Target(Protocol):
    """What a deployment acts on: the alias, the hook functions, the alarms."""

    def route(self, deployment: Deployment, weight: float) -> None:
        """Point the alias at `current` with `weight` of traffic on `target` (1.0: target)."""

    async def invoke(self, region: str, function: str, payload: bytes) -> str | None:
        """Run a hook function; its error message, or None."""

    async def alarms_firing(self, region: str, names: list[str]) -> list[str]:
        """The named alarms now in ALARM."""

    def report(self, message: str) -> None:
        """Progress for the `stratus up` console."""


class DeploymentError(Exception):
    """A request CodeDeploy refuses; `code` is its error type."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def routing_of(store: CodeDeployStore, region: str, name: str) -> configs.TrafficRouting:
    if name in configs.PREDEFINED:
        return configs.PREDEFINED[name]
    record = store.configs.get(f"{region}/{name}")
    if record is None:
        raise DeploymentError(
            "DeploymentConfigDoesNotExistException", f"No deployment config named {name}"
        )
    return configs.from_properties(name, record["properties"])


class Engine:
    def __init__(
        self,
        store: CodeDeployStore,
        target: Target,
        *,
        scale: float = 1.0,
        poll_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.target = target
        self.scale = max(float(scale), 1e-6)
        self.poll = poll_seconds
        self._clock = clock
        self._wake: dict[str, asyncio.Event] = {}
        self._hook_calls: set[asyncio.Task[str | None]] = set()

    def seconds(self, minutes: float) -> float:
        return minutes * 60.0 / self.scale

    # -- requests from the API ----------------------------------------------------------
    def hook_status(self, deployment_id: str, execution_id: str, status: str) -> None:
        """PutLifecycleEventHookExecutionStatus."""
        dep = self.store.get(deployment_id)
        if dep is None:
            raise DeploymentError(
                "DeploymentDoesNotExistException", f"The deployment {deployment_id} does not exist"
            )
        if status not in (SUCCEEDED, FAILED):
            raise DeploymentError(
                "InvalidLifecycleEventHookExecutionStatusException",
                f"Status {status!r} is invalid: use Succeeded or Failed",
            )
        current = dep.hooks.get(execution_id)
        if current is None:
            raise DeploymentError(
                "InvalidLifecycleEventHookExecutionIdException",
                f"No lifecycle event hook execution {execution_id} in {deployment_id}",
            )
        if current in (SUCCEEDED, FAILED) or dep.status in DONE:
            raise DeploymentError(
                "LifecycleEventAlreadyCompletedException",
                f"The lifecycle event of {execution_id} is already complete",
            )
        dep.hooks[execution_id] = status
        self.store.save()
        self._poke(deployment_id)

    def stop(self, deployment_id: str, rollback: bool | None) -> None:
        """StopDeployment: the running deployment ends Stopped (MANUAL_STOP)."""
        dep = self.store.get(deployment_id)
        if dep is None:
            raise DeploymentError(
                "DeploymentDoesNotExistException", f"The deployment {deployment_id} does not exist"
            )
        if dep.status in DONE:
            raise DeploymentError(
                "DeploymentAlreadyCompletedException", f"The deployment {deployment_id} is complete"
            )
        events = self._group(dep).get("AutoRollbackConfiguration") or {}
        on_request = bool(events.get("Enabled")) and "DEPLOYMENT_STOP_ON_REQUEST" in (
            events.get("Events") or []
        )
        dep.stop_requested = (
            "rollback" if (on_request if rollback is None else rollback) else "keep"
        )
        self.store.save()
        self._poke(deployment_id)

    def _poke(self, deployment_id: str) -> None:
        event = self._wake.get(deployment_id)
        if event is not None:
            event.set()

    # -- the run ------------------------------------------------------------------------
    def _group(self, dep: Deployment) -> dict[str, Any]:
        record = self.store.group(dep.region, dep.application, dep.group) or {}
        props: dict[str, Any] = record.get("properties") or {}
        return props

    def _alarms(self, dep: Deployment) -> list[str]:
        config = self._group(dep).get("AlarmConfiguration") or {}
        if not config.get("Enabled", True):
            return []
        return [str(a.get("Name")) for a in config.get("Alarms") or [] if a.get("Name")]

    async def run(self, dep: Deployment) -> None:
        """Run `dep` to its end (resumed from its start after a restart)."""
        self._wake[dep.id] = asyncio.Event()
        try:
            await self._run(dep)
        except asyncio.CancelledError:
            raise  # the cloud stops: the record stays InProgress and resumes next time
        except Exception as exc:  # never leave the alias half-shifted
            log.exception("deployment %s failed", dep.id)
            self._end(dep, FAILED, "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}")
        finally:
            self._wake.pop(dep.id, None)

    async def _run(self, dep: Deployment) -> None:
        routing = routing_of(self.store, dep.region, dep.config)
        alarms = self._alarms(dep)
        dep.status, dep.started = IN_PROGRESS, dep.started or time.time()
        dep.events = {BEFORE: "Pending", ALLOW: "Pending", AFTER: "Pending"}
        dep.weight = 0.0
        self.store.save()
        self.target.route(dep, 0.0)
        self.target.report(
            f"deployment {dep.id} ({dep.application}/{dep.group}): {dep.function}:{dep.alias} "
            f"version {dep.current} -> {dep.target}, {routing.name}"
        )
        if not await self._hook(dep, BEFORE, dep.before_hook, alarms):
            return
        dep.events[ALLOW] = IN_PROGRESS
        began = self._clock()
        for minutes, weight in configs.schedule(routing):
            if not await self._hold(dep, began + self.seconds(minutes), alarms):
                return
            dep.weight = weight
            self.store.save()
            self.target.route(dep, weight)
            self.target.report(f"deployment {dep.id}: {weight:.0%} of traffic on {dep.target}")
        dep.events[ALLOW] = SUCCEEDED
        self.store.save()
        if not await self._hook(dep, AFTER, dep.after_hook, alarms):
            return
        self._end(dep, SUCCEEDED)

    async def _hook(self, dep: Deployment, event: str, function: str, alarms: list[str]) -> bool:
        if not function:
            dep.events[event] = "Skipped"
            return await self._hold(dep, self._clock(), alarms)
        execution = str(uuid.uuid4())
        dep.events[event] = IN_PROGRESS
        dep.hooks[execution] = "Pending"
        self.store.save()
        payload = json.dumps({"DeploymentId": dep.id, "LifecycleEventHookExecutionId": execution})
        # The hook runs on its own (it may still be returning after it reported), as on AWS;
        # the task is kept until it ends so it is never collected half-way.
        call = asyncio.create_task(self.target.invoke(dep.region, function, payload.encode()))
        self._hook_calls.add(call)
        call.add_done_callback(self._hook_calls.discard)
        deadline = self._clock() + self.seconds(HOOK_TIMEOUT_MINUTES)
        ok = await self._hold(
            dep, deadline, alarms, lambda: dep.hooks.get(execution) in (SUCCEEDED, FAILED)
        )
        if not ok:
            return False
        status = dep.hooks.get(execution)
        if status == SUCCEEDED:
            dep.events[event] = SUCCEEDED
            self.target.report(f"deployment {dep.id}: {event} hook {function} Succeeded")
            return True
        error = call.result() if call.done() and not call.cancelled() else None
        if status == FAILED:
            message = f"The {event} hook {function} reported Failed"
            code = "HOOK_EXECUTION_FAILURE"
        else:
            message = f"The {event} hook {function} did not report a status in time"
            code = "TIMEOUT"
            dep.hooks[execution] = "Unknown"
        if error:
            message += f" (the function failed: {error})"
        dep.events[event] = FAILED
        self._end(dep, FAILED, code, message)
        return False

    async def _hold(
        self,
        dep: Deployment,
        deadline: float,
        alarms: list[str],
        done: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait until `deadline` (or until `done()`), watching alarms and stop requests;
        False when the deployment ended meanwhile, True when it goes on."""
        wake = self._wake.setdefault(dep.id, asyncio.Event())
        while True:
            if dep.stop_requested:
                self._end(dep, STOPPED, "MANUAL_STOP", "The deployment was stopped by a request")
                return False
            firing = await self.target.alarms_firing(dep.region, alarms) if alarms else []
            if firing:
                self._end(
                    dep,
                    STOPPED,
                    "ALARM_ACTIVE",
                    "One or more alarms have been activated according to the Amazon "
                    "CloudWatch metrics you selected, and the affected deployments have been "
                    f"stopped. Activated alarms: {', '.join(firing)}",
                )
                return False
            if done is not None and done():
                return True
            remaining = deadline - self._clock()
            if remaining <= 0:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(remaining, self.poll))
            wake.clear()

    def _end(self, dep: Deployment, status: str, code: str = "", message: str = "") -> None:
        dep.status, dep.completed = status, time.time()
        if code:
            dep.error = {"code": code, "message": message}
            dep.messages.append(message)
        for event, state in dep.events.items():
            if state in ("Pending", IN_PROGRESS):
                dep.events[event] = "Skipped" if state == "Pending" else FAILED
        if status == SUCCEEDED:
            dep.weight = 1.0
            self.target.route(dep, 1.0)
            self.store.set_alias(alias_key(dep.region, dep.function, dep.alias), dep.target)
            self.target.report(f"deployment {dep.id} Succeeded: {dep.alias} serves {dep.target}")
            return
        # Not succeeded: the original version takes all traffic back.
        dep.weight = 0.0
        self.target.route(dep, 0.0)
        if self._rolls_back(dep, code):
            self._record_rollback(dep)
        self.store.save()
        self.target.report(
            f"deployment {dep.id} {status} ({code}): {message}; {dep.alias} serves {dep.current}"
        )

    def _rolls_back(self, dep: Deployment, code: str) -> bool:
        if code == "MANUAL_STOP":
            return dep.stop_requested == "rollback"
        config = self._group(dep).get("AutoRollbackConfiguration") or {}
        if not config.get("Enabled"):
            return False
        wanted = "DEPLOYMENT_STOP_ON_ALARM" if code == "ALARM_ACTIVE" else "DEPLOYMENT_FAILURE"
        return wanted in (config.get("Events") or [])

    def _record_rollback(self, dep: Deployment) -> None:
        now = time.time()
        rollback = Deployment(
            id=new_deployment_id(),
            region=dep.region,
            application=dep.application,
            group=dep.group,
            config=configs.PREFIX + "LambdaAllAtOnce",
            function=dep.function,
            alias=dep.alias,
            current=dep.target,
            target=dep.current,
            logical_id=dep.logical_id,
            status=SUCCEEDED,
            creator="codeDeployRollback",
            description=f"Rollback of {dep.id}",
            created=now,
            started=now,
            completed=now,
            weight=1.0,
            events={BEFORE: "Skipped", ALLOW: SUCCEEDED, AFTER: "Skipped"},
            rollback={"rollbackTriggeringDeploymentId": dep.id},
        )
        dep.rollback = {
            "rollbackDeploymentId": rollback.id,
            "rollbackMessage": f"Automatic rollback triggered by {dep.error.get('code', '')}: "
            f"{rollback.id} restored version {dep.current}",
        }
        self.store.add(rollback)
