"""The service scheduler: keep `desiredCount` tasks running, replace the ones that fail.

As ECS's replica scheduler does (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
ecs_services.html#service_scheduler): it starts tasks until the desired count runs; a task
that stops on its own (an essential container exited), whose container health check
reports UNHEALTHY, or whose target the load balancer reports unhealthy after the service's
health check grace period, is stopped and replaced; scaling in stops tasks after taking them out of
the load balancer. Each task is registered in the service's target groups as ECS registers
awsvpc tasks (target type `ip`: the task's IP and the container port) once it runs, and
deregistered before it is stopped; a task stopped on purpose drains for the target group's
deregistration delay first (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
service-load-balancing.html). Tasks that keep failing to start are retried with a growing
delay, ECS's service throttle (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
service-throttle-logic.html; capped at a minute here, not 27). Every step is recorded as
ECS's service event messages (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
service-event-messages-list.html), newest first, the last 100. At its first round it
deregisters task addresses a killed earlier run left in its target groups.

The scheduler holds no AWS client: it is given a launcher (start one task) and a target
registry, so tests drive it with fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from stratus.local.ecs.task import LocalTask

log = logging.getLogger("stratus.ecs")

MAX_EVENTS = 100
MAX_BACKOFF = 60.0
# A task that stops on its own this soon, before any health check passed, failed to start.
SHORT_LIVED = 10.0


class TaskLaunchError(RuntimeError):
    """A task could not be started (secrets, program, addresses); the reason is ECS's."""


class TargetRegistry(Protocol):
    def register(self, target_group_arn: str, ip: str, port: int) -> None: ...
    def deregister(self, target_group_arn: str, ip: str, port: int) -> None: ...
    def draining_seconds(self, target_group_arn: str) -> float: ...
    def unhealthy(self, target_group_arn: str) -> set[tuple[str, int]]: ...
    def forget_stale(self, target_group_arn: str, port: int, keep: set[str]) -> int: ...


@dataclass(frozen=True)
class Binding:
    """One `loadBalancers` entry of the service."""

    target_group_arn: str
    container_name: str
    container_port: int


Launcher = Callable[[], Awaitable[LocalTask]]


class ServiceScheduler:
    def __init__(
        self,
        *,
        name: str,
        desired: int,
        launch: Launcher,
        targets: TargetRegistry | None = None,
        bindings: tuple[Binding, ...] = (),
        tick: float = 1.0,
        clock: Callable[[], float] = time.time,
        grace_seconds: float = 0.0,
        deployment_id: str = "",
        lb_check_seconds: float = 5.0,
    ) -> None:
        self.name = name
        self.desired = desired
        self.tasks: dict[str, LocalTask] = {}  # running or starting
        self.draining: dict[str, LocalTask] = {}  # stopped on purpose, on their way out
        self.stopped: deque[LocalTask] = deque(maxlen=100)
        self.events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
        self._launch = launch
        self._targets = targets
        self._bindings = bindings
        self._tick = tick
        self._clock = clock
        self._poke = asyncio.Event()
        self._closed = False
        self._failures = 0
        self._not_before = 0.0
        self._steady = False
        self._background: set[asyncio.Task[Any]] = set()
        # HealthCheckGracePeriodSeconds: load balancer health is ignored this long after start.
        self._grace = grace_seconds
        self._deployment_id = deployment_id
        self._lb_every = lb_check_seconds
        self._lb_checked = 0.0
        self._cleaned = False

    # ------------------------------------------------------------------ inputs
    def set_desired(self, count: int) -> None:
        self.desired = max(0, count)
        self._steady = False
        self._poke.set()

    def poke(self) -> None:
        self._poke.set()

    @property
    def running_count(self) -> int:
        return sum(1 for t in self.tasks.values() if t.last_status == "RUNNING")

    @property
    def pending_count(self) -> int:
        return sum(1 for t in self.tasks.values() if t.last_status != "RUNNING")

    def all_tasks(self) -> list[LocalTask]:
        return [*self.tasks.values(), *self.draining.values(), *self.stopped]

    # ------------------------------------------------------------------ loop
    async def run(self) -> None:
        while not self._closed:
            try:
                await self.reconcile()
            except Exception:  # one bad round must not end the service
                log.exception("service %s: scheduling failed", self.name)
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), self._tick)

    async def reconcile(self) -> None:
        """One round: reap stopped tasks, replace unhealthy ones, scale to desired."""
        for task in list(self.tasks.values()):
            if task.done.is_set() or task.desired_status == "STOPPED":
                await self._reap(task)
            elif task.health_status == "UNHEALTHY":
                self._event(
                    f"(service {self.name}) (task {task.id}) failed container health checks."
                )
                self._retire(task, "Task failed container health checks", drain=False)
        if self._closed:
            return
        if not self._cleaned:
            await self._forget_stale()
        await self._check_load_balancer()
        missing = self.desired - len(self.tasks)
        if missing > 0 and self._clock() >= self._not_before:
            await self._start(missing)
        elif missing < 0:
            newest = sorted(self.tasks.values(), key=lambda t: t.created_at, reverse=True)
            for task in newest[:-missing]:
                self._retire(
                    task,
                    f"Scaling activity initiated by (deployment {self._deployment_id})",
                    drain=True,
                )
        self._check_steady()

    async def _start(self, count: int) -> None:
        started: list[LocalTask] = []
        for _ in range(count):
            try:
                task = await self._launch()
            except TaskLaunchError as exc:
                self._failed(str(exc))
                break
            self.tasks[task.id] = task
            started.append(task)
            self._watch_exit(task)
        if started:
            ids = " ".join(f"(task {t.id})" for t in started)
            self._event(f"(service {self.name}) has started {len(started)} tasks: {ids}.")
            await self._register(started)

    def _watch_exit(self, task: LocalTask) -> None:
        async def wait() -> None:
            await task.done.wait()
            self.poke()

        self._spawn(wait())

    def _failed(self, reason: str) -> None:
        self._failures += 1
        delay = min(2.0 ** (self._failures - 1), MAX_BACKOFF)
        self._not_before = self._clock() + delay
        self._event(f"(service {self.name}) failed to launch a task: {reason}")
        log.warning("service %s: a task failed (%s); next start in %.0fs", self.name, reason, delay)

    async def _reap(self, task: LocalTask) -> None:
        """A task stopping on its own (or by StopTask): out of the load balancer at once,
        replaced next; recorded as stopped once its processes are gone."""
        self.tasks.pop(task.id, None)
        self._steady = False
        lived = self._clock() - (task.started_at or task.created_at)
        if lived < SHORT_LIVED and not task.was_healthy:
            self._failed(task.stopped_reason or "the task stopped")
        else:
            self._failures = 0
        self.draining[task.id] = task
        await self._deregister([task])

        async def record() -> None:
            await task.done.wait()
            self.draining.pop(task.id, None)
            self.stopped.appendleft(task)
            self._event(f"(service {self.name}) has stopped 1 running tasks: (task {task.id}).")
            self.poke()

        self._spawn(record())

    def _retire(self, task: LocalTask, reason: str, *, drain: bool) -> None:
        """Stop a task on purpose: deregister, drain (scale-in), then stop; not a failure."""
        self.tasks.pop(task.id, None)
        self.draining[task.id] = task
        task.desired_status = "STOPPED"
        self._steady = False

        async def finish() -> None:
            await self._deregister([task])
            targets = self._targets
            if drain and self._bindings and targets is not None:
                delays = [
                    await asyncio.to_thread(targets.draining_seconds, b.target_group_arn)
                    for b in self._bindings
                ]
                delay = max(delays)
                task.last_status = "DEACTIVATING"
                await asyncio.sleep(delay)
            await task.stop(reason, "ServiceSchedulerInitiated")
            self.draining.pop(task.id, None)
            self.stopped.appendleft(task)
            self._event(f"(service {self.name}) has stopped 1 running tasks: (task {task.id}).")
            self.poke()

        self._spawn(finish())

    def _check_steady(self) -> None:
        healthy = all(t.health_status != "UNHEALTHY" and t.running for t in self.tasks.values())
        steady = len(self.tasks) == self.desired and not self.draining and healthy
        if steady and not self._steady:
            self._event(f"(service {self.name}) has reached a steady state.")
        self._steady = steady

    # ------------------------------------------------------------------ targets
    async def _check_load_balancer(self) -> None:
        """ECS also replaces a task its load balancer reports unhealthy, once the service's
        health check grace period has passed since the task started."""
        targets = self._targets
        now = self._clock()
        if targets is None or not self._bindings or now - self._lb_checked < self._lb_every:
            return
        self._lb_checked = now
        for binding in self._bindings:
            try:
                bad = await asyncio.to_thread(targets.unhealthy, binding.target_group_arn)
            except Exception as exc:
                log.warning("reading %s's target health failed: %s", binding.target_group_arn, exc)
                continue
            for task in list(self.tasks.values()):
                started = task.started_at or task.created_at
                if (task.ip, binding.container_port) in bad and now - started >= self._grace:
                    self._event(
                        f"(service {self.name}) (task {task.id}) (port {binding.container_port}) "
                        f"is unhealthy in (target-group {binding.target_group_arn}) due to "
                        "(reason Health checks failed)."
                    )
                    self._retire(
                        task,
                        "Task failed ELB health checks in (target-group "
                        f"{binding.target_group_arn})",
                        drain=False,
                    )

    async def _forget_stale(self) -> None:
        """Targets a previous run registered and could not take out (it was killed)."""
        self._cleaned = True
        targets = self._targets
        if targets is None:
            return
        keep = {t.ip for t in self.tasks.values()}
        for binding in self._bindings:
            try:
                await asyncio.to_thread(
                    targets.forget_stale, binding.target_group_arn, binding.container_port, keep
                )
            except Exception as exc:
                log.warning("cleaning %s failed: %s", binding.target_group_arn, exc)

    # The registry calls the local endpoint, served by this very event loop: in a thread.
    async def _register(self, tasks: list[LocalTask]) -> None:
        await self._change_targets(tasks, "registered")

    async def _deregister(self, tasks: list[LocalTask]) -> None:
        await self._change_targets(tasks, "deregistered")

    async def _change_targets(self, tasks: list[LocalTask], done: str) -> None:
        for binding in self._bindings:
            if self._targets is None:
                return
            change = self._targets.register if done == "registered" else self._targets.deregister
            for task in tasks:
                try:
                    await asyncio.to_thread(
                        change, binding.target_group_arn, task.ip, binding.container_port
                    )
                except Exception as exc:
                    log.warning("%s of %s failed: %s", done, task.ip, exc)
            self._event(
                f"(service {self.name}) {done} {len(tasks)} targets in "
                f"(target-group {binding.target_group_arn})"
            )

    # ------------------------------------------------------------------ misc
    def _event(self, message: str) -> None:
        self.events.appendleft(
            {"id": str(uuid.uuid4()), "createdAt": self._clock(), "message": message}
        )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop every task (out of the load balancer first, no drain: the cloud stops)."""
        self._closed = True
        self._poke.set()
        tasks = [*self.tasks.values(), *self.draining.values()]
        await self._deregister(list(self.tasks.values()))
        self.tasks.clear()
        await asyncio.gather(
            *(t.stop("The local cloud stopped", "UserInitiated") for t in tasks),
            return_exceptions=True,
        )
        for pending in list(self._background):
            pending.cancel()
