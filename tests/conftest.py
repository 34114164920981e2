"""Session fixtures shared by the integration and browser tests.

`local_cloud` starts the real `stratus up` once per session, in its own state directory and
on free ports (so a developer's own `make up` keeps running), and stops it at the end.

Under pytest-xdist every worker is its own session: fixed state directories get the worker's
name (`worker_state_dir`), so two workers never share one. `--dist loadgroup` is read here as
"a module stays on one worker, and modules marked `xdist_group(NAME)` share one": a module's
own cloud is then started once, and a timing-sensitive group runs on a single worker.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if os.environ.get("PYTEST_XDIST_WORKER"):
    # xdist hands its workers COLUMNS=80 (the controller's width): a rich Console made at
    # import (the CLI's) would keep 80 for good, where a serial run's console follows the
    # COLUMNS each CliRunner test sets.
    os.environ.pop("COLUMNS", None)
START_TIMEOUT_SECONDS = 300  # a first run synthesizes and downloads the Lambda wheels


def worker_state_dir(name: str) -> Path:
    """`.stratus/NAME` in this checkout, suffixed by the xdist worker (`NAME-gw1`) if any: a
    fixed place keeps the synthesized app between runs (a run that changed nothing skips
    the synth), the suffix keeps parallel workers apart."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return ROOT / ".stratus" / (f"{name}-{worker}" if worker else name)


# Ports for the clouds the tests (and the bench) start. A port from bind(0) comes from the
# kernel's ephemeral range and stays free only until `stratus up` binds it -- the ALB
# listeners and the gateway ~20 s later, after the synth and provisioning -- while every
# outgoing loopback connection made in between may take it as its local port (an ALB
# listener failed so, EADDRINUSE, in the bench). Ports are therefore drawn below that range
# and below the one `core.lasting_ports` keeps for databases and stages (from LOWEST up),
# each xdist worker from its own slice, and a process never hands out one port twice.
TEST_PORTS_START = 12000
_handed_out: set[int] = set()


def _worker_ports() -> range:
    """This process's slice of [TEST_PORTS_START, the lower of lasting_ports.LOWEST and the
    start of the ephemeral range)."""
    from stratus.local.core.lasting_ports import LOWEST, ephemeral_start

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1))
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    width = (min(LOWEST, ephemeral_start()) - TEST_PORTS_START) // count
    start = TEST_PORTS_START + (index % count) * width
    return range(start, start + width)


def _is_free(port: int) -> bool:
    """A server could listen on `port` on 127.0.0.1 (`lasting_ports.port_is_free`) and
    nothing holds it for UDP (the DNS and X-Ray ports are UDP too)."""
    from stratus.local.core.lasting_ports import port_is_free

    if not port_is_free(port):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port_run(count: int = 1) -> int:
    """The first of `count` consecutive free ports not handed out before, below the
    ephemeral range (see above); marks them handed out."""
    ports = _worker_ports()
    for _ in range(500):
        base = secrets.choice(range(ports.start, ports.stop - count))
        run = range(base, base + count)
        if any(port in _handed_out for port in run):
            continue
        if all(_is_free(port) for port in run):
            _handed_out.update(run)
            return base
    raise RuntimeError(f"no run of {count} free ports in {ports.start}-{ports.stop - 1}")


def _free_port() -> int:
    return _free_port_run(1)


ALB_PORTS = 8  # local ALB listeners take --alb-port plus their rank: keep a run of them free


@dataclass
class LocalCloudHandle:
    state_dir: Path
    aws_endpoint: str
    gateway_origin: str
    dax_endpoint: str
    log_path: Path
    pid: int
    edge_origin: str = ""
    dns_port: int = 0  # the Route 53 DNS port (UDP and TCP), on 127.0.0.1

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = json.loads((self.state_dir / "outputs.json").read_text())
        return data

    @property
    def ca_pem(self) -> Path:
        return self.state_dir / "ca.pem"

    @property
    def web_url(self) -> str:
        return f"{self.gateway_origin}/apps/todo/"

    def stack_output(self, key: str) -> Any:
        for values in self.outputs.values():
            if key in values:
                return values[key]
        raise KeyError(f"no stack output {key!r} in {list(self.outputs)}")

    def confirmation_code(self, email: str) -> str:
        outbox = self.state_dir / "state" / "outbox.jsonl"
        for line in reversed(outbox.read_text().splitlines()):
            entry = json.loads(line)
            if entry["username"] == email.lower():
                return str(entry["code"])
        raise KeyError(f"no confirmation code was sent to {email}")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_local_cloud(
    state_dir: Path | None,
    *,
    fresh: bool = True,
    extra_args: list[str] | None = None,
    ports: dict[str, int] | None = None,
    app_dir: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], LocalCloudHandle]:
    """Start `stratus up` on free ports (or `ports`: aws, gateway, dax) and wait until ready.

    `app_dir`: serve that CDK app (`--app DIR`); with `state_dir=None` its state goes where
    `up` puts it by default (DIR/.stratus), so no `--state-dir` is passed.
    """
    args = [str(Path(sys.executable).with_name("stratus")), "up"]
    if app_dir is not None:
        args += ["--app", str(app_dir)]
    if state_dir is None:
        if app_dir is None:
            raise ValueError("start_local_cloud needs a state_dir or an app_dir")
        state_dir = app_dir / ".stratus"
    else:
        args += ["--state-dir", str(state_dir)]
    state_dir.mkdir(parents=True, exist_ok=True)
    ports = dict(ports or {"aws": _free_port(), "gateway": _free_port(), "dax": _free_port()})
    ports.setdefault("aws_tls", _free_port())  # the AWS endpoint over HTTPS
    ports.setdefault("edge", _free_port())  # the CloudFront edge's HTTPS port
    ports.setdefault("dns", _free_port())  # the Route 53 DNS port (UDP and TCP)
    # The first local ALB listener; each further listener takes the next port.
    ports.setdefault("alb", _free_port_run(ALB_PORTS))
    ports.setdefault("xray", _free_port())  # the X-Ray daemon (UDP)
    log_path = state_dir / "up.log"
    args += [
        "--aws-port",
        str(ports["aws"]),
        "--aws-tls-port",
        str(ports["aws_tls"]),
        "--gateway-port",
        str(ports["gateway"]),
        "--dax-port",
        str(ports["dax"]),
        "--edge-port",
        str(ports["edge"]),
        "--dns-port",
        str(ports["dns"]),
        "--alb-port",
        str(ports["alb"]),
        "--xray-port",
        str(ports["xray"]),
    ]
    if fresh:
        args.append("--fresh")
    args += extra_args or []
    outputs = state_dir / "outputs.json"
    if fresh and outputs.exists():
        outputs.unlink()
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1", **(env or {}))
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    handle = LocalCloudHandle(
        state_dir=state_dir,
        aws_endpoint=f"http://127.0.0.1:{ports['aws']}",
        gateway_origin=f"https://127.0.0.1:{ports['gateway']}",
        dax_endpoint=f"http://127.0.0.1:{ports['dax']}",
        edge_origin=f"https://127.0.0.1:{ports['edge']}",
        dns_port=ports["dns"],
        log_path=log_path,
        pid=proc.pid,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"stratus up exited with {proc.returncode}:\n{handle.log_tail()}")
        if "stratus is up" in log_path.read_text(errors="replace"):
            return proc, handle
        time.sleep(0.2)
    stop_local_cloud(proc)
    raise RuntimeError(f"stratus up not ready after {START_TIMEOUT_SECONDS}s:\n{handle.log_tail()}")


def copy_fixture_app(tmp_path_factory: pytest.TempPathFactory, fixture: Path) -> Path:
    """A fresh copy of a fixture CDK app (tests/fixtures/apps/NAME) in a temporary folder,
    without any state or synth output it may carry; its state goes in DIR/.stratus."""
    target = tmp_path_factory.mktemp(fixture.name) / fixture.name
    shutil.copytree(fixture, target, ignore=shutil.ignore_patterns(".stratus", "cdk.out"))
    return target


@contextmanager
def app_cloud(
    app_dir: Path, *, extra_args: list[str] | None = None, env: dict[str, str] | None = None
) -> Iterator[LocalCloudHandle]:
    """A local cloud serving the CDK app in `app_dir` (`stratus up --app`), always stopped."""
    proc, handle = start_local_cloud(None, app_dir=app_dir, extra_args=extra_args, env=env)
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def stop_local_cloud(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@pytest.fixture(scope="session")
def local_cloud() -> Iterator[LocalCloudHandle]:
    # probes=true adds the diagnostic stack the failure-path tests drive (crash, timeout...).
    proc, handle = start_local_cloud(
        worker_state_dir("test-cloud"), extra_args=["-c", "probes=true"]
    )
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup`: a file, or an `xdist_group`, is one unit (see xdist_schedule)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.xdist_schedule import FileOrGroupScheduling

    return FileOrGroupScheduling(config, log)
