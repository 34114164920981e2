"""A group's runner: desired capacity as real processes on loopback addresses, registered
in the target groups, and a killed instance replaced by a new one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import urllib.request
from pathlib import Path

import pytest

from stratus.local.autoscaling.instances import GroupRunner, GroupSpec
from stratus.local.ecs import addresses

PORT = 18731


@pytest.fixture(autouse=True)
def own_address_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(addresses.LOCK_DIR_ENV, str(tmp_path / "locks"))


def spec(tmp_path: Path, desired: int) -> GroupSpec:
    def commands(env: dict[str, str]) -> list[list[str]]:
        argv = [sys.executable, "-m", "http.server", str(PORT), "--bind"]
        return [[*argv, env["STRATUS_INSTANCE_IP"]]]

    return GroupSpec("web", desired, commands, [("arn:tg", PORT)], tmp_path / "data")


def test_runner_keeps_desired_capacity_and_replaces_a_killed_instance(tmp_path: Path) -> None:
    calls: list[tuple[str, str, int, bool]] = []
    registry: dict[str, str] = {}

    async def scenario() -> None:
        runner = GroupRunner(spec(tmp_path, 2), registry, lambda *a: calls.append(a))
        try:
            await runner.reconcile()
            assert len(runner.instances) == 2
            first = list(runner.instances.values())
            assert {i.state for i in first} == {"in-service"}
            assert len({i.ip for i in first}) == 2 and all(i.ip.startswith("127.") for i in first)
            assert [c[1:] for c in calls] == [(i.id, PORT, True) for i in first]
            for instance in first:  # each answers on its own address
                url = f"http://{registry[instance.id]}:{PORT}/"
                assert (await asyncio.to_thread(urllib.request.urlopen, url)).status == 200
            os.kill(first[0].processes[0].pid, signal.SIGKILL)
            await first[0].processes[0].wait()
            await runner.reconcile()
            assert first[0].id not in runner.instances and first[0].id not in registry
            assert len(runner.instances) == 2 and runner.replaced == 1
            assert ("arn:tg", first[0].id, PORT, False) in calls
            status = json.loads((tmp_path / "data" / "instances.json").read_text())
            assert status["replaced"] == 1 and len(status["instances"]) == 2
        finally:
            await runner.close()
        assert registry == {} and runner.instances == {}

    asyncio.run(scenario())


def test_alb_reaches_an_instance_target_at_its_local_address() -> None:
    from stratus.local.elbv2.health import HealthSettings, TargetHealth
    from stratus.local.elbv2.targets import INSTANCE_ADDRESSES, Target

    target = Target("i-0123456789abcdef0", 8080, TargetHealth(HealthSettings()))
    assert target.host == "i-0123456789abcdef0"  # unknown: not served
    INSTANCE_ADDRESSES[target.id] = "127.0.0.7"
    try:
        assert target.host == "127.0.0.7"
    finally:
        del INSTANCE_ADDRESSES[target.id]


def test_instances_a_killed_run_left_behind_are_ended(tmp_path: Path) -> None:
    import subprocess

    from stratus.local.autoscaling.instances import _start_time, end_leftovers

    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    status = tmp_path / "instances.json"
    status.write_text(
        json.dumps({"instances": [{"pids": [orphan.pid], "started": [_start_time(orphan.pid)]}]})
    )
    try:
        assert end_leftovers(status) == 1
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert end_leftovers(status) == 0  # gone: nothing (and no reused pid) is killed
    finally:
        if orphan.poll() is None:
            orphan.kill()


def test_a_closed_group_launches_nothing_more(tmp_path: Path) -> None:
    """The cloud's stop closes each group while its run loop is still alive (the loop's task
    is cancelled after): the loop must not launch replacements for what close() ended --
    such an instance outlived the cloud."""
    registry: dict[str, str] = {}

    async def scenario() -> None:
        runner = GroupRunner(spec(tmp_path, 1), registry, lambda *a: None)
        loop_task = asyncio.create_task(runner.run())
        try:
            for _ in range(100):
                if any(i.state == "in-service" for i in runner.instances.values()):
                    break
                await asyncio.sleep(0.1)
            first = list(runner.instances.values())
            assert len(first) == 1
            await runner.close()  # what AutoScalingService.stop does
            assert runner.instances == {}
            await asyncio.sleep(2.5)  # two of the loop's reconcile ticks
            assert runner.instances == {}, "a replacement was launched after close()"
            assert first[0].processes[0].returncode is not None
        finally:
            loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop_task
            await runner.close()

    asyncio.run(scenario())
