"""core/metrics.py: counts summed per tick, observations sampled to at most 150 values,
every dimension set recorded, nothing left after a drain."""

from __future__ import annotations

from datetime import UTC, datetime

from stratus.local.core.metrics import MAX_SAMPLES, BuiltinMetrics

SETS = ((("ApiName", "shop"),), (("ApiName", "shop"), ("Stage", "prod")))
WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_counts_are_summed_per_dimension_set() -> None:
    metrics = BuiltinMetrics()
    for status in (200, 200, 502):
        metrics.count("us-east-1", "AWS/ApiGateway", "Count", SETS)
        metrics.count("us-east-1", "AWS/ApiGateway", "5XXError", SETS, float(status >= 500))
    data = metrics.drain(WHEN)["us-east-1"]["AWS/ApiGateway"]
    by = {(d["MetricName"], len(d["Dimensions"])): d for d in data}
    assert by[("Count", 1)]["Value"] == 3 and by[("Count", 2)]["Value"] == 3
    assert by[("5XXError", 2)]["Value"] == 1
    assert by[("Count", 2)]["Dimensions"] == [
        {"Name": "ApiName", "Value": "shop"},
        {"Name": "Stage", "Value": "prod"},
    ]
    assert by[("Count", 1)]["Timestamp"] == WHEN
    assert metrics.drain(WHEN) == {}


def test_observations_keep_a_bounded_uniform_sample() -> None:
    metrics = BuiltinMetrics()
    for i in range(10_000):
        metrics.observe("eu-west-1", "AWS/Lambda", "Duration", SETS[:1], float(i))
    (datum,) = metrics.drain(WHEN)["eu-west-1"]["AWS/Lambda"]
    values = datum["Values"]
    assert len(values) == MAX_SAMPLES
    assert datum["Unit"] == "Milliseconds"
    # a uniform sample of 0..9999: its mean is near 5000, not stuck on the first values
    assert 3500 < sum(values) / len(values) < 6500


def test_few_observations_are_all_kept() -> None:
    metrics = BuiltinMetrics()
    for value in (1.5, 2.5, 3.5):
        metrics.observe("us-east-1", "AWS/ApiGateway", "Latency", SETS[:1], value)
    (datum,) = metrics.drain(WHEN)["us-east-1"]["AWS/ApiGateway"]
    assert datum["Values"] == [1.5, 2.5, 3.5]
