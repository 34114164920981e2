"""The service scheduler over real processes: desired count, replacement of tasks that exit
or fail their container health check, target (de)registration order, scale-in, stop."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from stratus.local.ecs.scheduler import Binding, ServiceScheduler, TaskLaunchError
from stratus.local.ecs.task import ContainerPlan, HealthCheck, LocalTask, bind_argv

TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef"
SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]
IGNORES_TERM = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
    "time.sleep(120)",
]


class Targets:
    """Records calls, with each task's state at the time (deregister must come first)."""

    def __init__(self, tasks: Callable[[], list[LocalTask]]) -> None:
        self.calls: list[tuple[str, str, int, str]] = []
        self.bad: set[tuple[str, int]] = set()
        self._tasks = tasks

    def _state(self, ip: str) -> str:
        return next((t.last_status for t in self._tasks() if t.ip == ip), "?")

    def register(self, target_group_arn: str, ip: str, port: int) -> None:
        self.calls.append(("register", ip, port, self._state(ip)))

    def deregister(self, target_group_arn: str, ip: str, port: int) -> None:
        self.calls.append(("deregister", ip, port, self._state(ip)))

    def draining_seconds(self, target_group_arn: str) -> float:
        return 0.2

    def unhealthy(self, target_group_arn: str) -> set[tuple[str, int]]:
        return set(self.bad)

    def forget_stale(self, target_group_arn: str, port: int, keep: set[str]) -> int:
        self.calls.append(("forget_stale", "", port, ""))
        return 0


def _launcher(
    tmp_path: Path, argv: list[str], health: HealthCheck | None = None, stop_timeout: float = 5.0
) -> Callable[[], Awaitable[LocalTask]]:
    numbers = itertools.count(2)

    async def launch() -> LocalTask:
        ip = f"127.0.9.{next(numbers)}"
        plan = ContainerPlan(
            name="web", argv=argv, cwd=tmp_path, env=dict(os.environ), health=health,
            ports=(8000,), stop_timeout=stop_timeout,
        )
        task = LocalTask(arn=f"arn:aws:ecs:us-east-1:0:task/c/{os.urandom(16).hex()}", ip=ip,
                         containers=[plan], sink=None)
        await task.start()
        return task

    return launch


async def _until(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def _pids(scheduler: ServiceScheduler) -> list[int]:
    return [
        c.process.pid for t in scheduler.tasks.values() for c in t.containers if c.process
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _scheduler(tmp_path: Path, argv: list[str], **kw: Any) -> ServiceScheduler:
    holder: list[ServiceScheduler] = []
    targets = Targets(lambda: holder[0].all_tasks())
    desired, grace = kw.pop("desired", 2), kw.pop("grace", 0.0)
    scheduler = ServiceScheduler(
        name="web",
        desired=desired,
        launch=_launcher(tmp_path, argv, **kw),
        targets=targets,
        bindings=(Binding(TG, "web", 8000),),
        tick=0.1,
        grace_seconds=grace,
        lb_check_seconds=0.1,
    )
    holder.append(scheduler)
    return scheduler


def test_a_task_that_exits_is_deregistered_and_replaced(tmp_path: Path) -> None:
    async def scenario() -> None:
        scheduler = _scheduler(tmp_path, SLEEP)
        runner = asyncio.create_task(scheduler.run())
        await _until(lambda: scheduler.running_count == 2)
        targets: Any = scheduler._targets
        assert [c[0] for c in targets.calls] == ["forget_stale", "register", "register"]
        victim = next(iter(scheduler.tasks.values()))
        os.kill(victim.containers[0].process.pid, 9)  # type: ignore[union-attr]
        await _until(lambda: victim.id not in scheduler.tasks and scheduler.running_count == 2)
        assert victim.stop_code == "EssentialContainerExited"
        assert victim.containers[0].exit_code == -9
        assert [c[:2] for c in targets.calls[3:]] == [
            ("deregister", victim.ip),
            ("register", targets.calls[-1][1]),
        ]
        assert targets.calls[-1][1] not in (victim.ip, targets.calls[2][1])
        messages = [e["message"] for e in scheduler.events]
        assert any(f"has stopped 1 running tasks: (task {victim.id})" in m for m in messages)
        assert messages[0].endswith("has reached a steady state.")
        pids = _pids(scheduler)
        await scheduler.close()
        runner.cancel()
        assert not any(_alive(pid) for pid in pids)

    asyncio.run(scenario())


def test_a_task_failing_its_health_check_is_replaced(tmp_path: Path) -> None:
    marker = tmp_path / "healthy"
    check = HealthCheck(
        command=("CMD-SHELL", f"test -f {marker}"), interval=0.1, timeout=2, retries=2
    )

    async def scenario() -> None:
        scheduler = _scheduler(tmp_path, SLEEP, desired=1, health=check)
        marker.touch()
        runner = asyncio.create_task(scheduler.run())
        first = await _until(lambda: next(
            (t for t in scheduler.tasks.values() if t.health_status == "HEALTHY"), None))
        marker.unlink()  # the check starts failing
        await _until(lambda: first.done.is_set())
        assert first.stopped_reason == "Task failed container health checks"
        marker.touch()
        await _until(lambda: any(
            t.health_status == "HEALTHY" and t.id != first.id for t in scheduler.tasks.values()
        ))
        assert any("failed container health checks" in e["message"] for e in scheduler.events)
        await scheduler.close()
        runner.cancel()

    asyncio.run(scenario())


def test_a_task_its_load_balancer_reports_unhealthy_is_replaced_after_the_grace_period(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        scheduler = _scheduler(tmp_path, SLEEP, desired=1, grace=0.5)
        targets: Any = scheduler._targets
        runner = asyncio.create_task(scheduler.run())
        first = await _until(lambda: next(iter(scheduler.tasks.values()), None))
        targets.bad = {(first.ip, 8000)}
        await asyncio.sleep(0.3)
        assert not first.done.is_set()  # still in its grace period
        await _until(lambda: first.done.is_set())
        assert "ELB health checks" in str(first.stopped_reason)
        await _until(lambda: scheduler.running_count == 1 and first.id not in scheduler.tasks)
        assert any("is unhealthy in (target-group" in e["message"] for e in scheduler.events)
        await scheduler.close()
        runner.cancel()

    asyncio.run(scenario())


def test_scale_in_deregisters_drains_then_stops_and_scale_out_starts(tmp_path: Path) -> None:
    async def scenario() -> None:
        scheduler = _scheduler(tmp_path, SLEEP, desired=2)
        runner = asyncio.create_task(scheduler.run())
        await _until(lambda: scheduler.running_count == 2)
        scheduler.set_desired(1)
        await _until(lambda: len(scheduler.tasks) == 1 and not scheduler.draining)
        targets: Any = scheduler._targets
        deregistered = [c for c in targets.calls if c[0] == "deregister"]
        assert len(deregistered) == 1
        assert deregistered[0][3] in ("RUNNING", "DEACTIVATING")  # before the stop
        gone = scheduler.stopped[0]
        assert gone.stop_code == "ServiceSchedulerInitiated"
        assert gone.desired_status == gone.last_status == "STOPPED"
        scheduler.set_desired(3)
        await _until(lambda: scheduler.running_count == 3)
        await scheduler.close()
        runner.cancel()

    asyncio.run(scenario())


def test_stop_kills_after_stop_timeout_a_process_ignoring_sigterm(tmp_path: Path) -> None:
    async def scenario() -> None:
        scheduler = _scheduler(tmp_path, IGNORES_TERM, desired=1, stop_timeout=0.5)
        runner = asyncio.create_task(scheduler.run())
        await _until(lambda: scheduler.running_count == 1)
        task = next(iter(scheduler.tasks.values()))
        await asyncio.sleep(0.3)  # the process has installed its handler
        pid = task.containers[0].process.pid  # type: ignore[union-attr]
        await scheduler.close()
        runner.cancel()
        assert task.containers[0].exit_code == -9
        assert task.stopped_at is not None and task.stopping_at is not None
        assert 0.4 <= task.stopped_at - task.stopping_at < 3
        assert not _alive(pid)

    asyncio.run(scenario())


def test_launch_failures_back_off(tmp_path: Path) -> None:
    attempts: list[float] = []

    async def failing() -> LocalTask:
        attempts.append(asyncio.get_running_loop().time())
        raise TaskLaunchError("ResourceInitializationError: unable to pull secrets")

    async def scenario() -> None:
        scheduler = ServiceScheduler(name="web", desired=1, launch=failing, tick=0.05)
        runner = asyncio.create_task(scheduler.run())
        await asyncio.sleep(1.6)
        await scheduler.close()
        runner.cancel()
        # 0 s, +1 s, then +2 s: two attempts in 1.6 s, not thirty.
        assert len(attempts) == 2
        assert "unable to pull secrets" in scheduler.events[0]["message"]

    asyncio.run(scenario())


def test_bind_addresses_on_every_interface_become_the_task_ip() -> None:
    ip = "127.0.0.7"
    assert bind_argv(["uvicorn", "a:b", "--host", "0.0.0.0"], ip)[-1] == ip
    assert bind_argv(["gunicorn", "-b", "0.0.0.0:8000"], ip)[-1] == f"{ip}:8000"
    assert bind_argv(["x", "--bind=0.0.0.0:80"], ip)[-1] == f"--bind={ip}:80"
    assert bind_argv(["x", "--host", "::"], ip)[-1] == ip
    assert bind_argv(["x", "--host", "127.0.0.1", "10.0.0.0"], ip)[-2:] == ["127.0.0.1", "10.0.0.0"]


def test_health_check_localhost_is_the_task() -> None:
    check = HealthCheck(("CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"))
    assert check.argv("127.0.0.9") == [
        "/bin/sh", "-c", "curl -f http://127.0.0.9:8000/health || exit 1"
    ]
    assert HealthCheck(("CMD", "probe", "127.0.0.1")).argv("127.0.0.9") == ["probe", "127.0.0.9"]
    assert HealthCheck.from_definition({"command": ["CMD", "x"]}) == HealthCheck(
        ("CMD", "x"), interval=30, timeout=5, retries=3, start_period=0
    )


def test_fast_first_probes_do_not_spend_the_retries_of_a_slow_starting_app(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "ready"
    check = HealthCheck(command=("CMD-SHELL", f"test -f {marker}"), interval=3, retries=2)

    async def scenario() -> None:
        launch = _launcher(tmp_path, SLEEP, health=check)
        task = await launch()
        await asyncio.sleep(1.7)  # probes every 0.5 s fail meanwhile; ECS would probe once
        assert task.containers[0].health_status == "UNKNOWN"
        marker.touch()
        await _until(lambda: task.health_status == "HEALTHY", 5)
        await task.stop("done", "UserInitiated")

    asyncio.run(scenario())
