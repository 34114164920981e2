"""A group's instances as local processes, and the runner that keeps its desired capacity.

What EC2 Auto Scaling does, copied
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html and
https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html): it
launches instances until the group has its desired capacity; an instance that is no longer
running (its process ended or was killed) is unhealthy, is terminated and replaced by a new
instance with a new id; instances in service are registered in the group's target groups
(`TargetGroupARNs`) by instance id and the target group's port, and deregistered when they
terminate. Locally an instance gets a loopback address of its own (the same machine-wide
pool as ECS tasks, `ecs.addresses`), runs its user data's local commands (`userdata`) with
its output in `<data>/logs/<instance-id>.log`, and counts as in service once its first
command listens on the target groups' port (or after a 60 s grace period). Each instance's
processes run in a session of their own and stop with the cloud; the ones a killed cloud
left behind are ended at the next start (`end_leftovers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from stratus.local.ecs import addresses

log = logging.getLogger("stratus.autoscaling")
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
CHECK_EVERY = 1.0

# instance id -> its local address, read by the local ALB to reach instance targets.
Registry = dict[str, str]
# (target group ARN, instance id, port, register?) -> RegisterTargets / DeregisterTargets
Targets = Callable[[str, str, int, bool], None]


def _start_time(pid: int) -> str:
    """A process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the
    pid it names that process and no later one that reuses the pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def end_leftovers(status_file: Path) -> int:
    """Kill the process groups of instances an earlier run listed and did not stop (the
    cloud was killed: each instance runs in a session of its own and outlives it)."""
    try:
        status = json.loads(status_file.read_text())
    except (OSError, ValueError):
        return 0
    ended = 0
    for instance in status.get("instances", []):
        for pid, started in zip(
            instance.get("pids", []), instance.get("started", []), strict=False
        ):
            if started and _start_time(int(pid)) == started:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(pid), signal.SIGKILL)
                    ended += 1
    return ended


def new_instance_id() -> str:
    return "i-" + secrets.token_hex(9)[:17]


@dataclass
class LocalInstance:
    id: str
    lease: addresses.Lease
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    log_file: IO[bytes] | None = None
    launched: float = field(default_factory=time.time)
    state: str = "pending"  # pending | in-service | terminated

    @property
    def ip(self) -> str:
        return self.lease.ip

    def alive(self) -> bool:
        return bool(self.processes) and all(p.returncode is None for p in self.processes)

    async def terminate(self) -> None:
        """SIGTERM each process group, SIGKILL after STOP_TIMEOUT; free the address."""
        self.state = "terminated"
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        if self.log_file is not None:
            self.log_file.close()
        self.lease.release()


@dataclass
class GroupSpec:
    name: str
    desired: int
    commands: Callable[[dict[str, str]], list[list[str]]]  # instance env -> argv list
    target_groups: list[tuple[str, int]]  # (ARN, port)
    data_dir: Path


class GroupRunner:
    """Keeps `desired` instances of one group running; replaces the ones that end."""

    def __init__(self, spec: GroupSpec, registry: Registry, targets: Targets) -> None:
        self.spec = spec
        self.registry = registry
        self.targets = targets
        self.instances: dict[str, LocalInstance] = {}
        self.replaced = 0
        # Set by close(): the cloud's stop closes a group while its run loop is still alive
        # (the loop's task is cancelled after), and a launch then would outlive the cloud.
        self.closed = False

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted({port for _, port in self.spec.target_groups}))

    async def run(self) -> None:
        ended = await asyncio.to_thread(end_leftovers, self.spec.data_dir / "instances.json")
        if ended:
            log.warning("ended %d instance processes a killed earlier run left behind", ended)
        try:
            while True:
                await self.reconcile()
                await asyncio.sleep(CHECK_EVERY)
        finally:
            await self.close()

    async def reconcile(self) -> None:
        if self.closed:
            return
        for instance in list(self.instances.values()):
            if instance.state != "terminated" and not instance.alive():
                codes = [p.returncode for p in instance.processes]
                log.warning(
                    "instance %s of %s is not running (exit %s): replacing it",
                    instance.id,
                    self.spec.name,
                    codes,
                )
                await self._terminate(instance)
                self.replaced += 1
        while len(self.instances) < self.spec.desired and not self.closed:
            await self.launch()
        self._write_status()

    async def launch(self) -> LocalInstance:
        lease = await asyncio.to_thread(addresses.claim, self.ports)
        instance = LocalInstance(new_instance_id(), lease)
        if self.closed:  # closed while the address was claimed: launch nothing
            lease.release()
            instance.state = "terminated"
            return instance
        logs = self.spec.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        instance.log_file = (logs / f"{instance.id}.log").open("ab")
        env = {
            **os.environ,
            "STRATUS_INSTANCE_ID": instance.id,
            "STRATUS_INSTANCE_IP": instance.ip,
            "STRATUS_INSTANCE_DATA": str(self.spec.data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        self.instances[instance.id] = instance
        for argv in self.spec.commands(env):
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=instance.log_file,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                cwd=str(self.spec.data_dir),
                start_new_session=True,  # its own process group: stopped as a whole
            )
            instance.processes.append(process)
            if self.closed:  # closed while this process started: close() did not see it
                await instance.terminate()
                self.instances.pop(instance.id, None)
                return instance
        log.info("instance %s of %s launched on %s", instance.id, self.spec.name, instance.ip)
        self._write_status()
        await self._in_service(instance)
        self._write_status()
        return instance

    async def _in_service(self, instance: LocalInstance) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while self.ports and time.monotonic() < deadline and instance.alive():
            if not await asyncio.to_thread(addresses.port_free, instance.ip, self.ports[0]):
                break  # something listens on it: the application is up
            await asyncio.sleep(0.2)
        if not instance.alive():
            return  # the next reconcile replaces it
        instance.state = "in-service"
        self.registry[instance.id] = instance.ip
        for arn, port in self.spec.target_groups:
            await asyncio.to_thread(self.targets, arn, instance.id, port, True)

    async def _terminate(self, instance: LocalInstance) -> None:
        if instance.state == "in-service":
            for arn, port in self.spec.target_groups:
                try:
                    await asyncio.to_thread(self.targets, arn, instance.id, port, False)
                except Exception as exc:  # the group goes on; the target fails its checks
                    log.warning("deregistering %s from %s failed: %s", instance.id, arn, exc)
        await instance.terminate()
        self.instances.pop(instance.id, None)
        self.registry.pop(instance.id, None)

    async def close(self) -> None:
        self.closed = True
        await asyncio.gather(
            *(self._terminate(i) for i in list(self.instances.values())), return_exceptions=True
        )
        self._write_status()

    def status(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "desired": self.spec.desired,
            "replaced": self.replaced,
            "instances": [
                {
                    "id": i.id,
                    "ip": i.ip,
                    "state": i.state,
                    "pids": [p.pid for p in i.processes],
                    "started": [_start_time(p.pid) for p in i.processes],
                    "log": str(self.spec.data_dir / "logs" / f"{i.id}.log"),
                }
                for i in self.instances.values()
            ],
        }

    def _write_status(self) -> None:
        """`<data>/instances.json`: what runs now (tools and tests read it)."""
        path = self.spec.data_dir / "instances.json"
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(self.status(), indent=2))
        partial.replace(path)
