"""Lambda's AWS/Lambda metrics carry AWS's dimension sets: the function, the version or
alias named (`Resource`), and for an alias the version that ran (`ExecutedVersion`)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from lambda_runtime_support import function_resource

from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.lambda_runtime import LambdaRuntime
from stratus.local.lambda_runtime.metrics import InvocationMetrics, dimension_sets

pytestmark = pytest.mark.anyio

CODE = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"version": context.function_version}
"""
FN = (("FunctionName", "fn"),)


def test_an_unqualified_invocation_counts_for_the_function_only() -> None:
    assert dimension_sets("fn", None, "$LATEST") == (FN,)


def test_a_version_or_latest_named_adds_its_resource() -> None:
    assert dimension_sets("fn", "3", "3") == (FN, (*FN, ("Resource", "fn:3")))
    assert dimension_sets("fn", "$LATEST", "$LATEST") == (
        FN,
        (*FN, ("Resource", "fn:$LATEST")),
    )


def test_an_alias_adds_its_resource_and_the_executed_version() -> None:
    resource = (*FN, ("Resource", "fn:live"))
    assert dimension_sets("fn", "live", "2") == (
        FN,
        resource,
        (*resource, ("ExecutedVersion", "2")),
    )


def _values(metrics: BuiltinMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
    for datum in metrics.drain()["us-east-1"]["AWS/Lambda"]:
        dims = tuple((d["Name"], d["Value"]) for d in datum["Dimensions"])
        out[(datum["MetricName"], dims)] = datum.get("Value", datum.get("Values"))
    return out


async def test_every_invocation_path_records_its_dimensions(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(CODE)
    runtime.register(function_resource("fn"), code)
    runtime.publish_version("fn")
    runtime.put_alias("fn", "live", "1")
    sink = BuiltinMetrics()
    runtime.metrics = InvocationMetrics(sink, "us-east-1")
    arn = "arn:aws:lambda:us-east-1:000000000000:function:fn"

    await runtime.invoke("fn", b"{}")
    await runtime.invoke("fn:1", b"{}")
    await runtime.invoke(f"{arn}:live", b'{"fail": true}')  # an ARN, as gateways and ESMs
    await runtime.invoke("fn:live", b"{}", invocation_type="Event")
    for _ in range(200):  # the Event invocation runs in the background
        if runtime.stats()["fn:1"].invocations == 3:
            break
        await asyncio.sleep(0.05)

    values = _values(sink)
    live = (*FN, ("Resource", "fn:live"))
    assert values[("Invocations", FN)] == 4.0
    assert values[("Errors", FN)] == 1.0
    assert values[("Invocations", (*FN, ("Resource", "fn:1")))] == 1.0
    assert values[("Errors", (*FN, ("Resource", "fn:1")))] == 0.0
    assert values[("Invocations", live)] == 2.0
    assert values[("Errors", live)] == 1.0
    assert values[("Errors", (*live, ("ExecutedVersion", "1")))] == 1.0
    assert len(values[("Duration", live)]) == 2
    assert not any(dims == (*FN, ("Resource", "fn:$LATEST")) for _, dims in values)


async def test_a_weighted_alias_splits_by_executed_version(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(CODE)
    runtime.register(function_resource("fn"), code)
    runtime.publish_version("fn")
    (code / "app.py").write_text(CODE + "\n# two\n")
    runtime.register(function_resource("fn", Description="two"), code)
    runtime.publish_version("fn")
    runtime.put_alias("fn", "live", "1", weights=[("2", 0.5)])
    runtime._rng = random.Random(7)
    sink = BuiltinMetrics()
    runtime.metrics = InvocationMetrics(sink, "us-east-1")

    ran = [(await runtime.invoke("fn:live", b"{}")).executed_version for _ in range(20)]

    values = _values(sink)
    live = (*FN, ("Resource", "fn:live"))
    assert values[("Invocations", live)] == 20.0
    for version in ("1", "2"):
        dims = (*live, ("ExecutedVersion", version))
        assert values[("Invocations", dims)] == float(ran.count(version)) > 0


def test_concurrent_executions_peaks_per_dimension_set() -> None:
    sink = BuiltinMetrics()
    metrics = InvocationMetrics(sink, "us-east-1")
    metrics.started("fn", "live", "1")
    metrics.started("fn", "live", "1")
    metrics.started("fn", None, "$LATEST")
    metrics.ended("fn", "live", "1")
    metrics.started("fn", "1", "1")

    peaks = {dims: max(v) for (name, dims), v in _values(sink).items()}
    live = (*FN, ("Resource", "fn:live"))
    assert peaks[FN] == 3.0  # two through the alias and one unqualified at once
    assert peaks[live] == 2.0
    assert peaks[(*live, ("ExecutedVersion", "1"))] == 2.0
    assert peaks[(*FN, ("Resource", "fn:1"))] == 1.0
    metrics.ended("fn", "live", "1")
    metrics.ended("fn", None, "$LATEST")
    metrics.ended("fn", "1", "1")
    assert metrics._running == {}  # nothing left counted once all ended
