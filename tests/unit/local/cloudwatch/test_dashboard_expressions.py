"""Metric math as CloudWatch evaluates it for graphs: series combine where both have
points, scalars broadcast, non-finite results drop, unsupported parts say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stratus.local.cloudwatch.dashboard.expressions import Evaluator, Unsupported

T = [datetime(2026, 1, 1, 12, m, tzinfo=UTC) for m in range(0, 5)]
M1 = {T[0]: 10.0, T[1]: 20.0, T[2]: 0.0, T[3]: 40.0}
M2 = {T[0]: 1.0, T[1]: 4.0, T[2]: 0.0}


def _eval(expression: str) -> object:
    return Evaluator({"m1": M1, "m2": M2}, {"m1": "Requests", "m2": "Errors"}, T).evaluate(
        expression
    )


def test_cdk_error_rate_expression() -> None:
    # m2/m1*100: only the timestamps both have; 0/0 is left out
    assert _eval("m2/m1*100") == {T[0]: 10.0, T[1]: 20.0}


def test_scalars_broadcast_and_precedence_and_power() -> None:
    assert _eval("m1 + 2 * 3") == {t: v + 6 for t, v in M1.items()}
    assert _eval("(m1 + 2) * 3")[T[0]] == 36.0  # type: ignore[index]
    assert _eval("m2 ^ 2") == {T[0]: 1.0, T[1]: 16.0, T[2]: 0.0}
    assert _eval("-m2")[T[1]] == -4.0  # type: ignore[index]
    assert _eval("100 / 4") == 25.0


def test_array_functions() -> None:
    assert _eval("SUM(METRICS())") == {T[0]: 11.0, T[1]: 24.0, T[2]: 0.0, T[3]: 40.0}
    assert _eval("MAX([m1, m2])")[T[1]] == 20.0  # type: ignore[index]
    assert _eval("AVG(m1)") == 17.5  # of one series: a scalar
    assert [label for label, _ in _eval("METRICS('2')")] == ["Errors"]  # type: ignore[attr-defined]
    labelled = _eval("[m1, m2] * 2")
    assert isinstance(labelled, list) and labelled[1] == (
        "Errors",
        {t: v * 2 for t, v in M2.items()},
    )


def test_fill() -> None:
    assert _eval("FILL(m2, 0)") == {T[0]: 1.0, T[1]: 4.0, T[2]: 0.0, T[3]: 0.0, T[4]: 0.0}
    assert _eval("FILL(m2, REPEAT)")[T[4]] == 0.0  # type: ignore[index]
    gaps = {T[0]: 0.0, T[4]: 8.0}
    linear = Evaluator({"g": gaps}, {}, T).evaluate("FILL(g, LINEAR)")
    assert linear == {T[0]: 0.0, T[1]: 2.0, T[2]: 4.0, T[3]: 6.0, T[4]: 8.0}
    assert _eval("ABS(m2 - 2)")[T[0]] == 1.0  # type: ignore[index]


def test_other_expressions_refer_by_id() -> None:
    seen: list[str] = []

    def resolve(name: str) -> dict[datetime, float]:
        seen.append(name)
        return {T[0]: 5.0}

    value = Evaluator({"m1": M1}, {}, T, resolve).evaluate("m1 - e1")
    assert value == {T[0]: 5.0} and seen == ["e1"]


@pytest.mark.parametrize(
    "expression",
    [
        "SEARCH('{AWS/EC2,InstanceId} MetricName=\"CPUUtilization\"', 'Average', 300)",
        'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2")',
        "ANOMALY_DETECTION_BAND(m1, 2)",
        "m1 if m2 else m1",
        "__import__('os').system('true')",
        "m1.real",
        "unknown + 1",
        "",
        "m1 +",
        "1 / 0",
    ],
)
def test_unsupported_expressions_raise_a_clear_error(expression: str) -> None:
    with pytest.raises(Unsupported):
        _eval(expression)


def test_grid_is_the_fill_domain() -> None:
    grid = [T[0] + timedelta(minutes=i) for i in range(3)]
    assert Evaluator({"m": {}}, {}, grid).evaluate("FILL(m, 7)") == dict.fromkeys(grid, 7.0)
