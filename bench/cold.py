"""Handler init time in fresh interpreters, and the Lambda bundle's size.

Each import is timed inside a new `python` process (the venv's, so boto3 is importable as
the Lambda runtime provides it) with the asset dir first on PYTHONPATH, as Lambda does.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = "import time\nt0 = time.perf_counter()\n{code}\nprint((time.perf_counter() - t0) * 1000)\n"

IMPORTS = {
    "import boto3 (baseline)": "import boto3",
    "boto3 + dynamodb client (baseline)": (
        "import boto3; boto3.client('dynamodb', region_name='us-east-1')"
    ),
    "import handlers.todos": "import stratus.todo.handlers.todos",
    "import handlers.files": "import stratus.todo.handlers.files",
}


def import_ms(code: str, asset_dir: Path, runs: int = 5) -> list[float]:
    env = dict(
        os.environ,
        PYTHONPATH=str(asset_dir),
        PYTHONDONTWRITEBYTECODE="1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )
    out: list[float] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", PROBE.format(code=code)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/tmp",
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{code!r} failed:\n{done.stderr[-800:]}")
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out


def import_times(asset_dir: Path, runs: int = 5) -> dict[str, float]:
    """Median import time in ms for each probe in IMPORTS."""
    return {
        name: statistics.median(import_ms(code, asset_dir, runs)) for name, code in IMPORTS.items()
    }


def _tree_size(path: Path) -> tuple[int, int]:
    if path.is_file():
        return path.stat().st_size, 1
    total = files = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            total += (Path(root) / name).stat().st_size
            files += 1
    return total, files


def bundle_size(asset_dir: Path, top: int = 5) -> dict[str, object]:
    """Total bytes/files, and the largest top-level packages (their dist-info excluded)."""
    total, files = _tree_size(asset_dir)
    packages = []
    for entry in asset_dir.iterdir():
        if entry.name.endswith(".dist-info") or entry.name == "__pycache__":
            continue
        size, count = _tree_size(entry)
        packages.append({"name": entry.name, "bytes": size, "files": count})
    packages.sort(key=lambda p: -int(p["bytes"]))  # type: ignore[call-overload]
    return {"asset_dir": str(asset_dir), "bytes": total, "files": files, "largest": packages[:top]}
