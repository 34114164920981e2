"""The diagnostic probes stack: only with context probes=true, never for prod, lint-clean."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.infra.probes.stack import probes_enabled, probes_stack_name
from stratus.infra.shared.stage import StageConfigError, stage_config

from .conftest import Synth


def _probes_template(synth: Synth) -> dict[str, Any] | None:
    path = synth.outdir / f"{probes_stack_name(synth.stage)}.template.json"
    return json.loads(path.read_text()) if path.is_file() else None


def test_probes_stack_exists_only_when_asked_for(dev: Synth, prod: Synth) -> None:
    from cfnlint.api import lint

    assert _probes_template(prod) is None  # prod synthesized with the default context
    template = _probes_template(dev)  # dev synthesized with probes=true
    assert template is not None
    functions = {
        key: res["Properties"]
        for key, res in template["Resources"].items()
        if res["Type"] == "AWS::Lambda::Function"
    }
    serial = next(props for key, props in functions.items() if key.startswith("SerialFunction"))
    assert serial["ReservedConcurrentExecutions"] == 1
    slow = next(props for key, props in functions.items() if key.startswith("SlowFunction"))
    assert slow["Timeout"] == 1
    (stage,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    (throttled,) = stage["Properties"]["MethodSettings"]
    assert throttled["ResourcePath"] == "/~1throttled"
    assert (throttled["ThrottlingRateLimit"], throttled["ThrottlingBurstLimit"]) == (1, 1)
    for key in ("ProbeApiUrl", "CrashFunctionName", "SlowFunctionName", "SerialFunctionName"):
        assert key in template["Outputs"], key
    errors = [
        str(m)
        for m in lint(json.dumps(template), regions=["us-east-1"])
        if m.rule.id.startswith("E")
    ]
    assert errors == []


def test_probes_are_refused_for_prod_and_must_be_a_flag() -> None:
    assert probes_enabled(None, stage_config({"stage": "dev"})) is False
    assert probes_enabled("false", stage_config({"stage": "prod"})) is False
    assert probes_enabled("true", stage_config({"stage": "local"})) is True
    with pytest.raises(StageConfigError, match="refused for stage prod"):
        probes_enabled("true", stage_config({"stage": "prod"}))
    with pytest.raises(StageConfigError, match="true or false"):
        probes_enabled("maybe", stage_config({"stage": "dev"}))
