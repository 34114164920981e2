"""`stratus up --app DIR / --system NAME` and `stratus down --app DIR`: found and refused early."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.cli import up as up_commands
from stratus.cli.main import app
from stratus.local.core.settings import LocalSettings

ROOT = Path(__file__).resolve().parents[3]


def _invoke(*args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1", **env})
    return result.exit_code, result.output


def test_an_unknown_system_is_refused_before_anything_starts(tmp_path: Path) -> None:
    args = ("up", "--system", "nope", "--state-dir", str(tmp_path))
    code, output = _invoke(*args, STRATUS_PROJECT_ROOT=str(ROOT))
    assert code == 2
    assert "unknown system 'nope'; known systems: todo, blog, shop, updates, probes" in output
    assert not (tmp_path / "up.pid").exists()


def test_app_dir_without_cdk_json_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _invoke("up", "--app", str(tmp_path))
    assert code == 2 and "no cdk.json" in output


def test_system_with_a_plain_cdk_app_says_it_declares_none(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    code, output = _invoke("up", "--app", str(tmp_path), "--system", "todo")
    assert code == 2 and "declares no systems" in output


def test_down_finds_the_state_of_an_app_dir(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    code, output = _invoke("down", "--app", str(tmp_path))
    assert code == 0 and "not running" in output
    (tmp_path / ".stratus").mkdir()
    (tmp_path / ".stratus" / "up.pid").write_text("999999999")
    code, output = _invoke("down", "--app", str(tmp_path))
    assert "no process 999999999" in output


def _settings_of_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str, **env: str
) -> LocalSettings:
    """The LocalSettings `up` would run with (the cloud itself is not started)."""
    seen: list[LocalSettings] = []
    monkeypatch.setattr(up_commands, "_run", lambda cloud, settings, project: seen.append(settings))
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    code, output = _invoke("up", "--app", str(tmp_path), *args, **env)
    assert code == 0, output
    [settings] = seen
    return settings


def test_iam_is_enforced_unless_switched_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _settings_of_up(monkeypatch, tmp_path).iam is True
    assert _settings_of_up(monkeypatch, tmp_path, "--no-iam").iam is False
    assert _settings_of_up(monkeypatch, tmp_path, STRATUS_IAM="off").iam is False


def test_strict_tls_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _settings_of_up(monkeypatch, tmp_path).strict_tls is False
    assert _settings_of_up(monkeypatch, tmp_path, "--strict-tls").strict_tls is True
    assert _settings_of_up(monkeypatch, tmp_path, STRATUS_STRICT_TLS="1").strict_tls is True


def test_up_unblocks_the_stop_signals_a_parent_had_blocked() -> None:
    """A blocked mask survives exec: a cloud started so would ignore Ctrl-C and `kill`."""
    code = (
        "import signal\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})\n"
        "from stratus.cli.up import accept_stop_signals\n"
        "accept_stop_signals()\n"
        "blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])\n"
        "print(signal.SIGINT in blocked, signal.SIGTERM in blocked)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
