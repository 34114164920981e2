"""Start/stop local clouds for the bench, and resolve a Lambda function's environment.

Reuses tests/conftest.py's start_local_cloud/stop_local_cloud (with extra CLI arguments
such as `--no-dax`, and fixed ports for a warm restart).

The function environment is resolved from what the running cloud itself wrote: the
template's Environment.Variables with Ref -> physical_id and Fn::GetAtt -> attributes taken
from DIR/state/physical_ids.json (the provisioner's record). Only Ref/GetAtt occur in these
variables; anything else is an error rather than a guess.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud

UP_LINE = re.compile(r"stratus is up in ([0-9.]+)s")


def ports_of(handle: LocalCloudHandle) -> list[int]:
    """aws, gateway, dax ports, in the order start_local_cloud asks for free ports."""
    origins = (handle.aws_endpoint, handle.gateway_origin, handle.dax_endpoint)
    return [int(origin.rsplit(":", 1)[1]) for origin in origins]


@contextmanager
def running_cloud(
    state_dir: Path,
    *,
    fresh: bool,
    extra_args: list[str] | None = None,
    ports: list[int] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[LocalCloudHandle, float, float]]:
    """Yield (handle, wall seconds to ready, seconds the CLI reported); always stops it.

    `ports` reuses a previous run's ports (a warm restart as `make up` does it: same ports);
    `env` adds environment variables for `stratus up` (e.g. STRATUS_STATE_SYNC=0).
    """
    fixed = dict(zip(("aws", "gateway", "dax"), ports, strict=True)) if ports else None
    started = time.perf_counter()
    proc, handle = start_local_cloud(
        state_dir, fresh=fresh, extra_args=extra_args, ports=fixed, env=env
    )
    wall = time.perf_counter() - started
    try:
        match = UP_LINE.search(handle.log_path.read_text(errors="replace"))
        yield handle, wall, float(match.group(1)) if match else float("nan")
    finally:
        stop_local_cloud(proc)


PAUSE_LINE = re.compile(
    r"snapshots while running: (\d+), writes paused p50 ([\d.]+) ms, p99 ([\d.]+) ms, "
    r"max ([\d.]+) ms(?:; the fork's own CPU p50 ([\d.]+) ms, max ([\d.]+) ms)?"
)
PAUSE_AIM_MS = 5.0  # issue 7: saving never blocks requests for more than a few ms


def snapshot_pauses(handle: LocalCloudHandle) -> dict[str, float] | None:
    """The write pauses of the snapshots a stopped cloud took (its last line at stop)."""
    found = PAUSE_LINE.findall(handle.log_path.read_text(errors="replace"))
    if not found:
        return None
    count, p50, p99, top, cpu_p50, cpu_top = found[-1]
    pauses = {"count": int(count), "p50_ms": float(p50), "p99_ms": float(p99), "max_ms": float(top)}
    if cpu_p50:
        pauses |= {"fork_cpu_p50_ms": float(cpu_p50), "fork_cpu_max_ms": float(cpu_top)}
    return pauses


def check_pauses(aims: Any, where: str, pauses: dict[str, float] | None) -> None:
    """Print the snapshot pause distribution beside its aim."""
    if pauses is None:
        print(f"  snapshots during {where}: none taken")
        return
    print(
        f"  snapshots during {where}: {pauses['count']:.0f}, writes paused p50 "
        f"{pauses['p50_ms']:.1f} ms, max {pauses['max_ms']:.1f} ms (aim <= {PAUSE_AIM_MS:.0f} ms)"
        + (
            f"; the fork's own CPU p50 {pauses['fork_cpu_p50_ms']:.1f} ms, "
            f"max {pauses['fork_cpu_max_ms']:.1f} ms"
            if "fork_cpu_p50_ms" in pauses
            else ""
        )
    )
    aims.check(
        f"snapshot write pause during {where}: max <= {PAUSE_AIM_MS:.0f} ms",
        f"p50 {pauses['p50_ms']:.1f}, max {pauses['max_ms']:.1f} ms",
        pauses["max_ms"] <= PAUSE_AIM_MS,
    )


def _physical(state_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((state_dir / "state" / "physical_ids.json").read_text())
    return data


def template(state_dir: Path, stack: str = "Stratus-local-Todo") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (state_dir / "cdk.out" / f"{stack}.template.json").read_text()
    )
    return data


def function_environment(
    state_dir: Path, handler: str, stack: str = "Stratus-local-Todo"
) -> dict[str, str]:
    """The resolved Environment.Variables of the function whose Handler is `handler`."""
    records = _physical(state_dir)
    for logical, res in template(state_dir, stack)["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] != "AWS::Lambda::Function" or props.get("Handler") != handler:
            continue
        variables = (props.get("Environment") or {}).get("Variables") or {}
        return {k: _resolve(v, records, stack, logical) for k, v in variables.items()}
    raise KeyError(f"no function with handler {handler} in {stack}")


def _resolve(value: Any, records: dict[str, Any], stack: str, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return str(records[f"{stack}/{value['Ref']}"]["physical_id"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attr = value["Fn::GetAtt"]
        return str(records[f"{stack}/{logical}"]["attributes"][attr])
    raise ValueError(f"{where}: cannot resolve {value!r} for the in-process baseline")


def function_asset_dir(state_dir: Path, handler: str, stack: str = "Stratus-local-Todo") -> Path:
    """The staged code asset of the function in `stack` whose Handler is `handler` (the
    cloud assembly holds every system's assets, so the first one is not the to-do bundle)."""
    for res in template(state_dir, stack)["Resources"].values():
        if res["Type"] == "AWS::Lambda::Function" and res["Properties"].get("Handler") == handler:
            path = (res.get("Metadata") or {}).get("aws:asset:path")
            if path:
                return state_dir / "cdk.out" / str(path)
    raise ValueError(f"{stack}: no function with Handler {handler!r} and a staged asset")


def function_handlers(state_dir: Path, stack: str = "Stratus-local-Todo") -> list[str]:
    """The Handler of every AWS::Lambda::Function in `stack`'s template."""
    return sorted(
        str(res["Properties"].get("Handler"))
        for res in template(state_dir, stack)["Resources"].values()
        if res["Type"] == "AWS::Lambda::Function"
    )
