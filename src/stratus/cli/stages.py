"""Environment cloning on one machine: each stage of `stratus up --stage NAME` is its own
local cloud, beside any other.

The `local` stage (the default) keeps `.stratus/` and the well-known ports (4566, 4443, ...).
Any other stage gets `.stratus/stages/<stage>/` (state, cdk.out, outputs.json, CA) and its
own ports: free ones picked on its first start (below the ephemeral range, so that no
client socket takes them meanwhile: `core.lasting_ports`) and kept in `ports.json` there, so
its URLs stay the same across restarts; a port given on the command line always wins. Stack
names already carry the stage (`Stratus-<stage>-Todo`), as on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from stratus.local.core.lasting_ports import lasting_port, port_is_free

DEFAULT_STAGE = "local"
PORTS_FILE = "ports.json"


def stage_state_dir(default_state_dir: Path, stage: str) -> Path:
    """Where a stage keeps its state when `--state-dir` is not given."""
    if stage == DEFAULT_STAGE:
        return default_state_dir
    return default_state_dir / "stages" / stage


def stage_ports(
    state_dir: Path,
    names: Iterable[str],
    given: Mapping[str, int],
    host: str = "127.0.0.1",
) -> dict[str, int]:
    """Ports for a non-default stage: `given` (explicit options) first, then the ones it used
    last time when still free, else new free ones; remembered in `state_dir/ports.json`."""
    path = state_dir / PORTS_FILE
    saved: dict[str, int] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text())
            saved = {str(k): int(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except (ValueError, TypeError):
            saved = {}  # a damaged file only costs new ports
    ports = {name: int(port) for name, port in given.items()}
    taken = set(ports.values())
    for name in names:
        if name in ports:
            continue
        port = saved.get(name)
        if port is None or port in taken or not port_is_free(port, host):
            port = lasting_port(f"{state_dir.resolve()}:{name}", host, taken)
        ports[name] = port
        taken.add(port)
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")
    return ports


def saved_ports(state_dir: Path) -> dict[str, int]:
    """The ports a stage last ran on (empty if it never ran)."""
    path = state_dir / PORTS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (ValueError, TypeError):
        return {}
