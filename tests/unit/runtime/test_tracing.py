"""The shared Tracer is harmless where nothing listens: in a Lambda-like environment with no
daemon (segments are UDP datagrams nobody reads) and with POWERTOOLS_TRACE_DISABLED, a traced
handler answers as it would untraced. Each case runs in its own interpreter: Powertools keeps
the Tracer's configuration per process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
SRC = Path(__file__).resolve().parents[3] / "src"
SCRIPT = """
import json
from stratus.runtime.tracing import traced, tracer

@traced
def lambda_handler(event, context):
    return {"echo": event, "disabled": tracer._config["disabled"]}

class Context:
    function_name = "f"
    aws_request_id = "r"

print(json.dumps(lambda_handler({"x": 1}, Context())))
"""


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("disabled", [False, True])
def test_traced_handler_answers_with_no_daemon_or_tracing_off(disabled: bool) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SRC),
        "LAMBDA_TASK_ROOT": str(SRC),
        "AWS_LAMBDA_FUNCTION_NAME": "f",
        "AWS_REGION": "us-east-1",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{_free_udp_port()}",  # nobody listens
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1",
    }
    if disabled:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["echo"] == {"x": 1} and answer["disabled"] is disabled
