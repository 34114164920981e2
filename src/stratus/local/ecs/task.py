"""One ECS task as local processes: its containers started, watched, health-checked, stopped.

Each container of the task runs as a process in its own session (so a stop reaches the
workers it forks), with the task's IP (see `addresses`); its stdout and stderr go to the
awslogs log group as ECS names the stream, `prefix/container-name/task-id`
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html).

ECS behaviour copied:
- an essential container that exits stops the task (stop code `EssentialContainerExited`,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html);
- a stop sends SIGTERM, then SIGKILL after the container's `stopTimeout` (30 s on Fargate
  when unset, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html);
- container health checks: `CMD` runs as is, `CMD-SHELL` through `/bin/sh -c`, every
  `interval`, failing after `timeout`; `retries` failures in a row make the container
  UNHEALTHY, failures during `startPeriod` do not count, and the task is UNHEALTHY when an
  essential container is (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).

The bind address: a command binding every interface (`0.0.0.0`, `::`) has that address
rewritten to the task's own. Setting HOST alone would not do: uvicorn, gunicorn and most
servers let the command line win over the environment, and two tasks binding 0.0.0.0 on the
same port would collide. HOST is set too, for apps that read it. Inside a task `localhost`
is the task itself; locally it is the host, so a health check command's `localhost` and
`127.0.0.1` are the task's IP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("stratus.ecs")

DEFAULT_STOP_TIMEOUT = 30.0
_ANY_HOST = re.compile(r"^(?P<pre>(?:--?[\w-]+=)?)(?:0\.0\.0\.0|::|\[::\])(?P<post>(?::\d+)?)$")
_LOCAL_HOST = re.compile(r"\b(?:localhost|127\.0\.0\.1)\b")


class LogSink(Protocol):
    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None: ...


@dataclass(frozen=True)
class HealthCheck:
    """A container definition's healthCheck, with ECS's defaults."""

    command: tuple[str, ...]
    interval: float = 30.0
    timeout: float = 5.0
    retries: int = 3
    start_period: float = 0.0

    @classmethod
    def from_definition(cls, spec: dict[str, Any] | None) -> HealthCheck | None:
        if not spec or not spec.get("command"):
            return None
        return cls(
            command=tuple(str(c) for c in spec["command"]),
            interval=float(spec.get("interval") or 30),
            timeout=float(spec.get("timeout") or 5),
            retries=int(spec.get("retries") or 3),
            start_period=float(spec.get("startPeriod") or 0),
        )

    def argv(self, task_ip: str) -> list[str]:
        kind, *rest = self.command
        if kind == "CMD-SHELL":
            argv = ["/bin/sh", "-c", " ".join(rest)]
        elif kind == "CMD":
            argv = list(rest)
        else:  # `NONE` disables the image's check; anything else is exec form
            argv = [] if kind == "NONE" else list(self.command)
        return [_LOCAL_HOST.sub(task_ip, word) for word in argv]


@dataclass
class ContainerPlan:
    """What to run for one container (the same for every task of a service)."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    essential: bool = True
    health: HealthCheck | None = None
    log_group: str | None = None
    log_prefix: str | None = None
    ports: tuple[int, ...] = ()
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    image: str = ""


def bind_argv(argv: list[str], ip: str) -> list[str]:
    """The command with every-interface bind addresses replaced by the task's IP."""
    out = []
    for word in argv:
        match = _ANY_HOST.match(word)
        out.append(f"{match['pre']}{ip}{match['post']}" if match else word)
    return out


@dataclass
class ContainerRun:
    """One container's process and state within a task."""

    plan: ContainerPlan
    process: asyncio.subprocess.Process | None = None
    last_status: str = "PENDING"
    exit_code: int | None = None
    reason: str | None = None
    health_status: str = "UNKNOWN"
    runtime_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class LocalTask:
    """A task: its containers as processes on `ip`; `done` is set once it has stopped."""

    def __init__(
        self,
        *,
        arn: str,
        ip: str,
        containers: list[ContainerPlan],
        sink: LogSink | None,
        extra_env: Callable[[ContainerPlan], dict[str, str]] | None = None,
        clock: Callable[[], float] = time.time,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.arn = arn
        # What DescribeTasks shows beside the runtime state (cluster, task definition, group).
        self.info = dict(info or {})
        self.id = arn.rsplit("/", 1)[-1]
        self.ip = ip
        self.containers = [ContainerRun(plan) for plan in containers]
        self._sink = sink
        self._extra_env = extra_env
        self._clock = clock
        self.created_at = clock()
        self.started_at: float | None = None
        self.stopping_at: float | None = None
        self.stopped_at: float | None = None
        self.last_status = "PROVISIONING"
        self.desired_status = "RUNNING"
        self.stop_code: str | None = None
        self.stopped_reason: str | None = None
        self.done = asyncio.Event()
        self.was_healthy = False  # a container health check has passed once
        self._watchers: list[asyncio.Task[Any]] = []  # exit waiters and health checks
        self._pumps: list[asyncio.Task[Any]] = []  # output to the logs
        self._stopping: asyncio.Task[None] | None = None

    # -------------------------------------------------------------- state
    @property
    def health_status(self) -> str:
        essentials = [c for c in self.containers if c.plan.essential and c.plan.health]
        if any(c.health_status == "UNHEALTHY" for c in essentials):
            return "UNHEALTHY"
        if essentials and all(c.health_status == "HEALTHY" for c in essentials):
            return "HEALTHY"
        return "UNKNOWN"

    @property
    def running(self) -> bool:
        return self.last_status == "RUNNING" and self.desired_status == "RUNNING"

    # -------------------------------------------------------------- start
    async def start(self) -> None:
        """Start every container; a container that cannot start stops the task."""
        self.last_status = "PENDING"
        for run in self.containers:
            env = dict(run.plan.env)
            if self._extra_env is not None:
                env.update(self._extra_env(run.plan))
            argv = bind_argv(run.plan.argv, self.ip)
            try:
                run.process = await asyncio.create_subprocess_exec(
                    *argv,
                    cwd=str(run.plan.cwd),
                    env=env,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    start_new_session=True,
                )
            except OSError as exc:
                run.last_status, run.reason = "STOPPED", f"CannotStartContainerError: {exc}"
                await self.stop(
                    f"CannotStartContainerError: {run.plan.name}: {exc}", "TaskFailedToStart"
                )
                return
            run.last_status = "RUNNING"
            stream = self.log_stream(run.plan)
            for pipe in (run.process.stdout, run.process.stderr):
                if pipe is not None:
                    self._watch(self._pump(pipe, run.plan.log_group, stream), run, pump=True)
            self._watch(self._wait(run), run)
            if run.plan.health is not None:
                self._watch(self._health(run, run.plan.health), run)
        self.started_at = self._clock()
        self.last_status = "RUNNING"

    def log_stream(self, plan: ContainerPlan) -> str:
        return f"{plan.log_prefix}/{plan.name}/{self.id}" if plan.log_prefix else self.id

    def _watch(self, coro: Any, run: ContainerRun, *, pump: bool = False) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"ecs-{self.id}-{run.plan.name}")
        (self._pumps if pump else self._watchers).append(task)

    async def _pump(self, pipe: asyncio.StreamReader, group: str | None, stream: str) -> None:
        while True:
            try:
                line = await pipe.readline()
            except (ValueError, asyncio.LimitOverrunError):  # a line over the reader's limit
                line = await pipe.read(65536)
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\n")
            if group and self._sink is not None and text:
                self._sink.put(group, stream, [(int(self._clock() * 1000), text)])

    async def _wait(self, run: ContainerRun) -> None:
        assert run.process is not None
        code = await run.process.wait()
        run.exit_code, run.last_status = code, "STOPPED"
        if self.desired_status == "RUNNING":
            run.reason = f"exited with code {code}"
            if run.plan.essential:
                self.request_stop("Essential container in task exited", "EssentialContainerExited")

    async def _health(self, run: ContainerRun, check: HealthCheck) -> None:
        argv = check.argv(self.ip)
        if not argv:
            return
        # A failure counts once per interval, and not during startPeriod.
        counts_from = self._clock() + check.start_period
        failures = 0
        while run.last_status == "RUNNING" and self.desired_status == "RUNNING":
            # Until the first success, check every 0.5 s: a new task turns HEALTHY as soon
            # as it serves (a local stand-in for ECS's first check after startPeriod); the
            # extra failed checks do not count, so an app still has retries x interval.
            await asyncio.sleep(check.interval if run.health_status != "UNKNOWN" else 0.5)
            ok = await self._check_once(argv, run, check.timeout)
            if run.last_status != "RUNNING" or self.desired_status != "RUNNING":
                return
            now = self._clock()
            if ok:
                failures = 0
                run.health_status = "HEALTHY"
                self.was_healthy = True
            elif now >= counts_from:
                failures += 1
                counts_from = now + check.interval - 0.5  # the next check at the interval
                if failures >= check.retries:
                    run.health_status = "UNHEALTHY"

    async def _check_once(self, argv: list[str], run: ContainerRun, timeout: float) -> bool:
        env = dict(run.plan.env)
        if self._extra_env is not None:
            env.update(self._extra_env(run.plan))
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(run.plan.cwd),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            return False
        try:
            return await asyncio.wait_for(proc.wait(), timeout) == 0
        except TimeoutError:
            _signal_group(proc, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await proc.wait()
            return False

    # -------------------------------------------------------------- stop
    def request_stop(self, reason: str, code: str) -> asyncio.Task[None]:
        """Start stopping (once; later requests get the same stop), without waiting."""
        if self._stopping is None:
            self.stopped_reason, self.stop_code = reason, code
            self.desired_status = "STOPPED"
            self.stopping_at = self._clock()
            if self.last_status == "RUNNING":
                self.last_status = "DEACTIVATING"
            self._stopping = asyncio.get_running_loop().create_task(self._stop())
        return self._stopping

    async def stop(self, reason: str, code: str = "ServiceSchedulerInitiated") -> None:
        """SIGTERM every container's process group, SIGKILL after its stopTimeout."""
        await asyncio.shield(self.request_stop(reason, code))

    async def _stop(self) -> None:
        self.last_status = "STOPPING"
        await asyncio.gather(*(self._stop_container(run) for run in self.containers))
        for watcher in self._watchers:
            if not watcher.done() and watcher is not asyncio.current_task():
                watcher.cancel()
        # The output pipes end with the processes: their last lines still reach the logs.
        pending = [p for p in self._pumps if not p.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=2.0)
            for pump in late:
                pump.cancel()
        self.last_status = "STOPPED"
        self.stopped_at = self._clock()
        self.done.set()

    async def _stop_container(self, run: ContainerRun) -> None:
        proc = run.process
        if proc is None or proc.returncode is not None:
            run.last_status = "STOPPED"
            return
        _signal_group(proc, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), run.plan.stop_timeout)
        except TimeoutError:
            _signal_group(proc, signal.SIGKILL)
            await proc.wait()
        run.exit_code = proc.returncode
        run.last_status = "STOPPED"


def _signal_group(proc: asyncio.subprocess.Process, sig: int) -> None:
    """Signal the process's whole session (its forked workers too)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
