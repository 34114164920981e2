"""Synthesizing any CDK app the way the CDK CLI does: its env, its context, the cache, errors.

The "app" here is a tiny Python script standing in for a CDK app: it records the
environment it was given and writes a cloud assembly manifest, as `app.synth()` would.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
from pathlib import Path

import pytest

from stratus.local.provision.project import Project, cdk_app_project
from stratus.local.provision.synth import SynthError, app_context, fingerprint, synthesize

FAKE_APP = """
import json, os, pathlib, shutil, sys
out = pathlib.Path(os.environ["CDK_OUTDIR"])
out.mkdir(parents=True, exist_ok=True)
seen = {k: os.environ.get(k) for k in (
    "CDK_CONTEXT_JSON", "CDK_DEFAULT_REGION", "CDK_DEFAULT_ACCOUNT", "CDK_OUTDIR")}
seen["python3"] = shutil.which("python3")
seen["cwd"] = os.getcwd()
(out / "manifest.json").write_text(json.dumps({"version": "x", "artifacts": {}}))
runs = pathlib.Path("runs.txt")
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
(out / "seen.json").write_text(json.dumps(seen))
"""


def _app(tmp_path: Path, **cdk: object) -> Project:
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.py").write_text(FAKE_APP)
    (root / "cdk.json").write_text(
        json.dumps({"app": "python3 app.py", "context": {"fromCdkJson": "a", "both": "cdk"}, **cdk})
    )
    (root / "cdk.context.json").write_text(json.dumps({"both": "cached", "cached": "c"}))
    return cdk_app_project(root)


def _runs(project: Project) -> int:
    return len((project.root / "runs.txt").read_text())


def test_the_app_gets_the_cdk_cli_environment_and_merged_context(tmp_path: Path) -> None:
    project = _app(tmp_path)
    outdir = project.root / ".stratus" / "cdk.out"
    assert synthesize(project, outdir, {"stage": "local"}, region="eu-west-1", account="123")
    seen = json.loads((outdir / "seen.json").read_text())
    assert seen["CDK_OUTDIR"] == str(outdir.resolve())
    assert (seen["CDK_DEFAULT_REGION"], seen["CDK_DEFAULT_ACCOUNT"]) == ("eu-west-1", "123")
    assert seen["cwd"] == str(project.root)
    # The interpreter running stratus comes first: `python3 app.py` finds aws-cdk-lib.
    assert Path(seen["python3"]).parent == Path(sys.executable).parent
    context = json.loads(seen["CDK_CONTEXT_JSON"])
    # Precedence as the CLI's: given > cdk.json "context" > cdk.context.json.
    assert context["stage"] == "local"
    assert (context["fromCdkJson"], context["both"], context["cached"]) == ("a", "cdk", "c")
    assert context["aws:cdk:enable-asset-metadata"] is True
    assert context["aws:cdk:enable-path-metadata"] is True
    assert context["aws:cdk:version-reporting"] is True
    assert context["aws:cdk:bundling-stacks"] == ["**"]


def test_version_reporting_off_in_cdk_json_is_passed_on(tmp_path: Path) -> None:
    project = _app(tmp_path, versionReporting=False)
    context = app_context(project, {})
    assert context["aws:cdk:disable-version-reporting"] is True
    assert "aws:cdk:version-reporting" not in context


def test_synth_is_skipped_while_inputs_and_context_are_unchanged(tmp_path: Path) -> None:
    project = _app(tmp_path)
    outdir = project.root / ".stratus" / "cdk.out"
    assert synthesize(project, outdir, {"stage": "local"}) is True
    # Its own state (inside the app directory) and the app's outputs never count.
    (project.root / ".stratus" / "state.json").write_text("changes every run")
    assert synthesize(project, outdir, {"stage": "local"}) is False
    assert _runs(project) == 1
    assert synthesize(project, outdir, {"stage": "test"}) is True  # other context
    (project.root / "app.py").write_text(FAKE_APP + "\n# edited\n")
    assert synthesize(project, outdir, {"stage": "test"}) is True  # an input changed
    assert synthesize(project, outdir, {"stage": "test"}, force=True) is True
    assert _runs(project) == 4


def test_the_fingerprint_covers_the_app_command_and_the_project_context(tmp_path: Path) -> None:
    project = _app(tmp_path)
    base = fingerprint(project, {})
    assert fingerprint(project, {}) == base
    project.context = {"systems": "one"}
    assert fingerprint(project, {}) != base
    project.context = {}
    project.app_command = "python3 app.py --other"
    assert fingerprint(project, {}) != base


def test_a_failing_app_reports_exit_code_command_and_the_tail_of_stderr(tmp_path: Path) -> None:
    project = _app(tmp_path)
    lines = "".join(f"print('line {n}', file=sys.stderr); " for n in range(40))
    (project.root / "app.py").write_text(f"import sys; {lines}sys.exit(3)\n")
    with pytest.raises(SynthError) as caught:
        synthesize(project, tmp_path / "out", {})
    message = str(caught.value)
    assert "exit 3" in message and "`python3 app.py`" in message
    assert str(project.root) in message
    assert "line 39" in message and "line 5\n" not in message  # the tail only
    assert not (tmp_path / "out" / ".stratus-fingerprint").exists()


def test_an_app_that_writes_no_assembly_is_an_error(tmp_path: Path) -> None:
    project = _app(tmp_path)
    (project.root / "app.py").write_text("print('forgot app.synth()')\n")
    with pytest.raises(SynthError, match="wrote no cloud assembly"):
        synthesize(project, tmp_path / "out", {})


def test_cdk_json_build_runs_before_the_app(tmp_path: Path) -> None:
    project = _app(tmp_path, build="echo built > build.txt")
    synthesize(project, tmp_path / "out", {})
    assert (project.root / "build.txt").read_text().strip() == "built"


def test_the_environment_is_inherited_like_the_cli_does(tmp_path: Path) -> None:
    project = _app(tmp_path)
    os.environ["STRATUS_TEST_MARKER"] = "1"
    try:
        (project.root / "app.py").write_text(
            FAKE_APP + "\nassert os.environ['STRATUS_TEST_MARKER'] == '1'\n"
        )
        assert synthesize(project, tmp_path / "out", {})
    finally:
        del os.environ["STRATUS_TEST_MARKER"]


EXCLUSIVE_APP = """
import os, pathlib, sys, time
out = pathlib.Path(os.environ["CDK_OUTDIR"])
out.mkdir(parents=True, exist_ok=True)
try:  # as the CDK app staging an asset: another writer in the same directory breaks it
    os.close(os.open(out / "busy", os.O_CREAT | os.O_EXCL))
except FileExistsError:
    sys.exit("EEXIST: another synthesis is writing here")
time.sleep(0.5)
(out / "manifest.json").write_text("{}")
runs = pathlib.Path("runs.txt")
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
os.remove(out / "busy")
"""


def test_two_processes_synthesizing_one_directory_take_turns(tmp_path: Path) -> None:
    project = _app(tmp_path)
    (project.root / "app.py").write_text(EXCLUSIVE_APP)
    outdir = project.root / ".stratus" / "cdk.out"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        ran = list(pool.map(lambda _: synthesize(project, outdir, {}), range(2)))
    assert sorted(ran) == [False, True]  # the second found the first one's assembly current
    assert _runs(project) == 1
