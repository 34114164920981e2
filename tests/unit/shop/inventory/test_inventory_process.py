"""The image's own commands as processes: the migrate one-shot, then the Dockerfile's CMD
(uvicorn) serving on a real PostgreSQL with the secret in the environment as ECS injects it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import Server

PACKAGE = Path(__file__).resolve().parents[4] / "src" / "stratus" / "shop" / "inventory"


def dockerfile_cmd() -> list[str]:
    match = re.search(r"^CMD (\[.*\])$", (PACKAGE / "Dockerfile").read_text(), re.M)
    assert match, "the Dockerfile has an exec-form CMD"
    return list(json.loads(match.group(1)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_migrate_then_serve_as_the_image_would(postgres: Server, tmp_path: Path) -> None:
    postgres.fresh_database("inventory_process")
    env = {
        **os.environ,
        "PYTHONPATH": str(PACKAGE.parents[2]),
        "INVENTORY_DB_SECRET": json.dumps(postgres.secret("inventory_process")),
    }
    env.pop("INVENTORY_QUEUE_URL", None)
    one_shot = subprocess.run(
        [sys.executable, "-m", "stratus.shop.inventory.migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert one_shot.returncode == 0, one_shot.stderr
    logged = [json.loads(line) for line in one_shot.stdout.splitlines() if line.strip()]
    assert logged[-1]["message"] == "migrations applied"
    again = subprocess.run(
        [sys.executable, "-m", "stratus.shop.inventory.migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(again.stdout.splitlines()[-1])["message"] == "schema up to date"

    argv = dockerfile_cmd()
    assert argv[0] == "uvicorn"
    port = _free_port()
    argv = [sys.executable, "-m", "uvicorn", *argv[1:]]
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    out = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.2)
        assert health.status_code == 200
        stock = httpx.get(f"http://127.0.0.1:{port}/stock/paper-clips", timeout=5)
        assert stock.status_code == 200 and stock.json()["product_id"] == "paper-clips"
        missing = httpx.get(f"http://127.0.0.1:{port}/stock/nope", timeout=5)
        assert missing.status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=20)
        out.close()
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()]
    assert any(line.get("message") == "inventory ready" for line in lines)
    assert any(line.get("path") == "/stock/nope" and line.get("status") == 404 for line in lines)
