"""Environment cloning: a stage's own state dir and ports, remembered across restarts."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from stratus.cli.stages import saved_ports, stage_ports, stage_state_dir

NAMES = ["aws", "gateway", "dax", "edge", "dns", "alb", "xray"]


def test_the_local_stage_keeps_the_default_state_dir_and_others_get_their_own() -> None:
    root = Path("/p/.stratus")
    assert stage_state_dir(root, "local") == root
    assert stage_state_dir(root, "feature-x") == root / "stages" / "feature-x"


def test_a_stage_gets_distinct_free_ports_and_keeps_them_on_restart(tmp_path: Path) -> None:
    first = stage_ports(tmp_path, NAMES, {})
    assert sorted(first) == sorted(NAMES)
    assert len(set(first.values())) == len(NAMES)
    assert saved_ports(tmp_path) == first
    assert stage_ports(tmp_path, NAMES, {}) == first


def test_a_port_given_on_the_command_line_wins(tmp_path: Path) -> None:
    stage_ports(tmp_path, NAMES, {})
    ports = stage_ports(tmp_path, NAMES, {"aws": 45999})
    assert ports["aws"] == 45999
    assert json.loads((tmp_path / "ports.json").read_text())["aws"] == 45999


def test_a_remembered_port_now_taken_by_another_process_is_replaced(tmp_path: Path) -> None:
    first = stage_ports(tmp_path, NAMES, {})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first["gateway"]))
        busy.listen()
        again = stage_ports(tmp_path, NAMES, {})
    assert again["gateway"] != first["gateway"]
    assert again["aws"] == first["aws"]


def test_a_damaged_ports_file_only_costs_new_ports(tmp_path: Path) -> None:
    (tmp_path / "ports.json").write_text("{not json")
    assert saved_ports(tmp_path) == {}
    assert len(stage_ports(tmp_path, NAMES, {})) == len(NAMES)


def _invoke(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from stratus.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_up_with_a_stage_takes_its_own_state_dir_and_ports(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    # A plain CDK app declares no systems, so `up` stops before starting anything, after
    # the stage's environment is chosen.
    code, output = _invoke(
        "up", "--app", str(tmp_path), "--stage", "feature-x", "--system", "todo",
        "--gateway-port", "45123",
    )
    assert code == 2 and "declares no systems" in output
    ports = saved_ports(tmp_path / ".stratus" / "stages" / "feature-x")
    assert ports["gateway"] == 45123
    # the AWS endpoint over HTTPS (aws_tls) is a core port of each stage too
    assert ports["aws"] != 4566 and sorted(ports) == sorted([*NAMES, "aws_tls"])
    assert not (tmp_path / ".stratus" / "ports.json").exists()


def test_down_with_a_stage_finds_that_stages_cloud(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    stage_dir = tmp_path / ".stratus" / "stages" / "feature-x"
    stage_dir.mkdir(parents=True)
    (stage_dir / "up.pid").write_text("999999998")
    code, output = _invoke("down", "--app", str(tmp_path), "--stage", "feature-x")
    assert "no process 999999998" in output
    code, output = _invoke("down", "--app", str(tmp_path))
    assert code == 0 and "not running" in output
