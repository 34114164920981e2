"""Regenerates `sdk/blog/openapi.json`: the blog API as API Gateway exports it from a local
cloud, with the bodies its code declares (`stratus.blog.openapi.merge`).

    .venv/bin/python sdk/blog_openapi.py                     # or: make blog-openapi
    .venv/bin/python sdk/blog_openapi.py --endpoint-url http://127.0.0.1:4566
    .venv/bin/python sdk/blog_openapi.py --check             # exit 1 when the file is stale

Without --endpoint-url it starts its own cloud with the blog only (`stratus up --system
blog --fresh`, a temporary state directory, free ports), exports, and stops it (~1 min);
with it, it reads a cloud already running (`make up`). Run it after changing the API's
routes (CDK `infra/blog/constructs/api.py`) or its models, and commit the file.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from stratus.blog.openapi import DOCUMENT, code_document, dumps, fetch_export, merge

ROOT = Path(__file__).resolve().parents[1]
READY = "stratus is up"
START_SECONDS = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def document_from(endpoint: str) -> dict[str, Any]:
    client = boto3.client(
        "apigateway", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    return merge(fetch_export(client), code_document())


def with_own_cloud() -> dict[str, Any]:
    ports = {name: _free_port() for name in ("aws", "gateway", "dax", "edge", "dns")}
    with tempfile.TemporaryDirectory(prefix="blog-openapi-") as state:
        log_path = Path(state) / "up.log"
        args = [str(Path(sys.executable).with_name("stratus")), "up", "--system", "blog",
                "--fresh", "--state-dir", state]  # fmt: skip
        for name, port in ports.items():
            args += [f"--{name}-port", str(port)]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env=dict(os.environ, NO_COLOR="1"),
            )  # fmt: skip
        try:
            deadline = time.monotonic() + START_SECONDS
            while READY not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"stratus up failed:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            return document_from(f"http://127.0.0.1:{ports['aws']}")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", help="AWS endpoint of a running local cloud")
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    text = dumps(document_from(args.endpoint_url) if args.endpoint_url else with_own_cloud())
    if args.check:
        if DOCUMENT.read_text() != text:
            raise SystemExit(f"{DOCUMENT} is stale: run `make blog-openapi` and commit it")
        print(f"{DOCUMENT} is current")
        return
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
