"""The peer: ministack (PyPI), installed by the bench into a throwaway venv, started on a
free port on 127.0.0.1 and stopped at the end.

Install: `python -m venv .stratus/bench/ministack-venv` + `pip install ministack==PIN`
(skipped when the venv already holds that pin). Start: its console script `ministack`
(ministack.app:main, hypercorn in the foreground) with GATEWAY_PORT, BIND_HOST=127.0.0.1,
its optional listeners (IoT mTLS on 8883, SFTP) off and its temp/S3 files under the bench
dir. Ready when GET /_ministack/ready answers 200. Anything that goes wrong raises
PeerUnavailable with the reason, so the bench prints it and skips the comparison.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.hello import free_port

PIN = "ministack==1.5.33"  # the version issue 7 measured
INSTALL_TIMEOUT_S = 300
READY_TIMEOUT_S = 30


class PeerUnavailable(RuntimeError):
    """ministack could not be installed or started; the message says why."""


@dataclass
class Peer:
    endpoint: str
    pid: int
    version: str


def _run(args: list[str], timeout: float) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"{' '.join(args[:4])}…: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PeerUnavailable(f"{' '.join(args[:4])}… exited {done.returncode}: {tail}")


def ensure_installed(venv: Path) -> Path:
    """The venv's `ministack` script, installing PIN into a new venv when needed."""
    venv = venv.resolve()
    script, marker = venv / "bin" / "ministack", venv / ".stratus-pin"
    if script.exists() and marker.exists() and marker.read_text() == PIN:
        return script
    if venv.exists():
        import shutil

        shutil.rmtree(venv)
    print(f"  installing {PIN} into {venv} …", flush=True)
    _run([sys.executable, "-m", "venv", str(venv)], 120)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PIN], INSTALL_TIMEOUT_S)
    if not script.exists():
        raise PeerUnavailable(f"{PIN} installed no `ministack` script in {venv / 'bin'}")
    marker.write_text(PIN)
    return script


@contextmanager
def running_peer(venv: Path, workdir: Path) -> Iterator[Peer]:
    """Install if needed, start on a free port, yield it; always stopped on exit."""
    script = ensure_installed(venv)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update(
        GATEWAY_PORT=str(port),
        BIND_HOST="127.0.0.1",
        IOT_MTLS_ENABLED="0",
        SFTP_ENABLED="0",
        LOG_LEVEL="WARNING",
        TMPDIR=str(workdir),
        S3_DATA_DIR=str(workdir / "s3"),
    )
    log_path = workdir / "ministack.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(script)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        version = _wait_ready(proc, endpoint, log_path)
        yield Peer(endpoint, proc.pid, version)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise PeerUnavailable(f"ministack exited {proc.returncode}: {tail}")
        try:
            if httpx.get(f"{endpoint}/_ministack/ready", timeout=2).status_code == 200:
                health = httpx.get(f"{endpoint}/_ministack/health", timeout=2).json()
                return str(health.get("version") or PIN.split("==")[1])
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise PeerUnavailable(f"ministack not ready on {endpoint} after {READY_TIMEOUT_S} s")
