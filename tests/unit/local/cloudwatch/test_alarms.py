"""Alarm evaluation rules: M out of N, TreatMissingData, statistics and percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stratus.local.cloudwatch.alarms import (
    ALARM,
    INSUFFICIENT,
    OK,
    AlarmSpec,
    Sample,
    UnsupportedAlarm,
    evaluate,
    statistic,
)

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


def _point(seconds_ago: float, value: float) -> Sample:
    return Sample(NOW - timedelta(seconds=seconds_ago), 1, value, value, value, (value,))


def _spec(**overrides: object) -> AlarmSpec:
    values: dict[str, object] = {
        "name": "a",
        "statistic": "Sum",
        "period": 60,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 2,
        "threshold": 1.0,
        "comparison": "GreaterThanOrEqualToThreshold",
    }
    values.update(overrides)
    return AlarmSpec(**values)  # type: ignore[arg-type]


def test_m_out_of_n_breaching_periods_alarm() -> None:
    samples = [_point(10, 1), _point(70, 0), _point(130, 2)]
    outcome = evaluate(_spec(), samples, OK, NOW)
    assert outcome.state == ALARM
    assert outcome.reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints")


def test_fewer_than_m_breaching_is_ok() -> None:
    assert evaluate(_spec(), [_point(10, 5), _point(70, 0)], ALARM, NOW).state == OK


def test_all_missing_is_insufficient_data_by_default() -> None:
    assert evaluate(_spec(), [_point(500, 9)], OK, NOW).state == INSUFFICIENT


@pytest.mark.parametrize(
    ("treat", "current", "expected"),
    [("breaching", OK, ALARM), ("notBreaching", ALARM, OK), ("ignore", ALARM, ALARM)],
)
def test_treat_missing_data(treat: str, current: str, expected: str) -> None:
    assert evaluate(_spec(treat_missing=treat), [], current, NOW).state == expected


def test_missing_periods_do_not_count_with_missing() -> None:
    # One period with data, breaching; M=1 of N=3 -> ALARM though two periods are empty.
    spec = _spec(datapoints_to_alarm=1)
    assert evaluate(spec, [_point(100, 3)], OK, NOW).state == ALARM


def test_statistics_and_percentiles() -> None:
    samples = [_point(1, v) for v in (1, 2, 3, 4, 100)]
    assert statistic(samples, "Sum") == 110
    assert statistic(samples, "Average") == 22
    assert statistic(samples, "Minimum") == 1
    assert statistic(samples, "Maximum") == 100
    assert statistic(samples, "SampleCount") == 5
    assert statistic(samples, "p50") == 3
    assert statistic(samples, "p99") == 100


def test_less_than_comparison() -> None:
    spec = _spec(
        comparison="LessThanThreshold", threshold=10, statistic="Average", datapoints_to_alarm=1
    )
    assert evaluate(spec, [_point(5, 3)], OK, NOW).state == ALARM


def test_unsupported_comparisons_and_statistics_are_named() -> None:
    with pytest.raises(UnsupportedAlarm):
        _spec(comparison="LessThanLowerOrGreaterThanUpperThreshold")
    with pytest.raises(UnsupportedAlarm):
        _spec(statistic="tm99")
