"""Where a running local cloud listens, written to `<state>/endpoints.json` while it runs,
so commands run elsewhere (`stratus events fire`, `stratus sdk`) find it as `stratus down`
finds its pid: from the project (or `--app DIR`, `--state-dir`)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic
from stratus.local.core.settings import LocalSettings

FILE = "endpoints.json"


class NotRunningError(RuntimeError):
    """No local cloud runs with this state directory (the message says how we know)."""


def write(settings: LocalSettings) -> None:
    record = {
        "aws": settings.aws_endpoint,
        "aws_tls": settings.aws_tls_endpoint,
        "ca": str(settings.ca_pem),
        "ports": dict(settings.ports.items()),
        "pid": os.getpid(),
    }
    write_atomic(settings.state_dir / FILE, json.dumps(record, indent=2).encode())


def remove(settings: LocalSettings) -> None:
    with contextlib.suppress(OSError):
        (settings.state_dir / FILE).unlink()


def running(state_dir: Path) -> dict[str, Any]:
    """The record of the cloud running with `state_dir`; NotRunningError if there is none."""
    path = state_dir / FILE
    try:
        recorded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        raise NotRunningError(f"stratus up is not running (no {path})") from None
    pid = int(recorded.get("pid") or 0)
    if pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise NotRunningError(
                f"stratus up is not running (pid {pid} of {path} is gone)"
            ) from None
        except PermissionError:
            pass  # alive, someone else's
    return recorded


def aws_endpoint(state_dir: Path) -> str:
    return str(running(state_dir)["aws"]).rstrip("/")
