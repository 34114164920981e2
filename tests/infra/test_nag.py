"""cdk-nag's AwsSolutions pack really runs at synth, and the real stacks pass it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Synth


def _violations(outdir: Path) -> list[str]:
    report = outdir / "validation-report.json"
    if not report.is_file():
        return []
    found = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        for violation in plugin.get("violations", []):
            for construct in violation["violatingConstructs"]:
                found.append(f"{violation['ruleName']} at {construct['constructPath']}")
    return found


def test_nag_reports_nothing_unacknowledged(synths: dict[str, Synth]) -> None:
    # The fixture's synth() would have raised ValidationFailed on any finding; the report,
    # when written, must be empty too.
    for synth in synths.values():
        assert _violations(synth.outdir) == [], synth.stage


def _noncompliant_app(outdir: Path, acknowledge_all: bool) -> object:
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3

    from stratus.infra.shared.nag import acknowledge, enable_nag

    app = App(outdir=str(outdir), analytics_reporting=False)
    stack = Stack(app, "NagGuard")
    bucket = s3.Bucket(stack, "Leaky")  # no TLS-only policy, no access logs
    if acknowledge_all:
        for rule in ("AwsSolutions-S1", "AwsSolutions-S10"):
            acknowledge(bucket, rule, "guard test: proving acknowledgements are honoured")
    enable_nag(app)
    return app


def test_nag_check_really_runs_on_a_noncompliant_bucket(tmp_path: Path) -> None:
    app = _noncompliant_app(tmp_path, acknowledge_all=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()  # type: ignore[attr-defined]
    violations = _violations(tmp_path)
    assert "AwsSolutions-S10 at NagGuard/Leaky/Resource" in violations
    assert "AwsSolutions-S1 at NagGuard/Leaky/Resource" in violations


def test_acknowledged_findings_do_not_fail_synth(tmp_path: Path) -> None:
    app = _noncompliant_app(tmp_path, acknowledge_all=True)
    app.synth()  # type: ignore[attr-defined]
    assert _violations(tmp_path) == []


def test_acknowledgement_without_a_real_reason_is_refused() -> None:
    from aws_cdk import App, Stack

    from stratus.infra.shared.nag import acknowledge

    stack = Stack(App(), "NoReason")
    with pytest.raises(ValueError, match="real reason"):
        acknowledge(stack, "AwsSolutions-S1", "ok")
