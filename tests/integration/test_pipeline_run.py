"""`stratus pipeline run` for real, and two stages of the local cloud side by side.

Bounded: the to-do system only, the synth step only among the build steps (lint and unit
tests are the suites `make test` runs anyway), dev and test stages (~75 s on 2 cores).
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from stratus.cli.stages import saved_ports
from tests.conftest import ROOT, stop_local_cloud

pytestmark = pytest.mark.integration
STRATUS = str(Path(sys.executable).with_name("stratus"))
ENV = dict(os.environ, COLUMNS="200", NO_COLOR="1")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pipeline_run_deploys_dev_and_test_and_tests_test(tmp_path: Path) -> None:
    work = tmp_path / "pipeline"
    args = [STRATUS, "pipeline", "run", "--stages", "dev,test", "--system", "todo",
            "--steps", "synth", "--yes", "--work-dir", str(work)]
    done = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "pipeline: synth → dev:deploy → test:deploy → test:smoke" in output
    for label in ("synth", "dev:deploy", "test:deploy", "test:smoke"):
        assert f"✓ {label} (" in output, output
    assert "pipeline passed" in output
    assert "2 passed" in (work / "logs" / "test-smoke.log").read_text()
    # Each stage was its own environment, with the stage's own stack names, and is stopped.
    for stage in ("dev", "test"):
        outputs = (work / stage / "outputs.json").read_text()
        assert f"Stratus-{stage}-Todo" in outputs
        log = (work / "logs" / f"{stage}-deploy.log").read_text()
        found = re.search(r"stratus up for \w+ started: pid (\d+)", log)
        assert found, log
        assert not _alive(int(found[1])), f"the {stage} cloud (pid {found[1]}) still runs"
        assert "stopped; state saved." in log
    assert (work / "cdk.out" / "Stratus-Pipeline.template.json").is_file()


def _start(stage: str, state_dir: Path) -> subprocess.Popen[bytes]:
    state_dir.mkdir(parents=True)
    log = (state_dir / "up.log").open("wb")
    return subprocess.Popen(
        [STRATUS, "up", "--stage", stage, "--system", "todo", "--state-dir", str(state_dir),
         "--fresh"],
        cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT,
    )


def _wait_ready(proc: subprocess.Popen[bytes], state_dir: Path) -> None:
    deadline = time.monotonic() + 300
    log = state_dir / "up.log"
    while "stratus is up" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "not ready in 300 s"
        time.sleep(0.25)


def test_two_stages_run_side_by_side_each_answering(tmp_path: Path) -> None:
    stages = {"feature-x": tmp_path / "feature-x", "featureb": tmp_path / "featureb"}
    procs = {stage: _start(stage, state_dir) for stage, state_dir in stages.items()}
    try:
        for stage, state_dir in stages.items():
            _wait_ready(procs[stage], state_dir)
        ports = {stage: saved_ports(state_dir) for stage, state_dir in stages.items()}
        assert not set(ports["feature-x"].values()) & set(ports["featureb"].values())
        assert 4566 not in ports["feature-x"].values()
        for stage, state_dir in stages.items():
            outputs = json.loads((state_dir / "outputs.json").read_text())
            url = outputs[f"Stratus-{stage}-Todo"]["TodoApiUrl"]
            assert f":{ports[stage]['gateway']}/" in url and f"/{stage}/" in url
            verify = ssl.create_default_context(cafile=str(state_dir / "ca.pem"))
            response = httpx.get(f"{url}todos", verify=verify, timeout=30)
            assert response.status_code == 401, response.text  # its own authorizer answers
    finally:
        for proc in procs.values():
            stop_local_cloud(proc)
    assert all(proc.returncode is not None for proc in procs.values())
