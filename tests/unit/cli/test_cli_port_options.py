"""`stratus up` has a --<name>-port option for every port an emulated service declares."""

from __future__ import annotations

from typer.testing import CliRunner

from stratus.cli.main import app
from stratus.local.core.discovery import port_defaults
from stratus.local.core.settings import Ports


def test_every_declared_port_is_an_up_option() -> None:
    result = CliRunner().invoke(app, ["up", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in port_defaults():
        assert f"--{name}-port" in result.output
    assert "--aws-port" in result.output


def test_a_port_not_given_is_the_declared_default() -> None:
    ports = Ports(aws=1, gateway=2)
    assert (ports.aws, ports.gateway, ports.dax) == (1, 2, port_defaults()["dax"])
