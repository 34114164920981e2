"""Metric widgets' rows made explicit and resolved with GetMetricData's semantics: period
buckets on whole multiples, exact dimensions, statistics, labels, alarm annotations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from stratus.local.cloudwatch.alarms import Sample
from stratus.local.cloudwatch.dashboard import query, specs
from stratus.local.cloudwatch.dashboard.query import AlarmView
from stratus.local.cloudwatch.dashboard.timerange import TimeRange, TimeRangeError, parse

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
SPAN = TimeRange(NOW - timedelta(hours=1), NOW)


def _sample(minutes_ago: float, value: float) -> Sample:
    return Sample(NOW - timedelta(minutes=minutes_ago), 1.0, value, value, value, (value,))


class FakeSource:
    def __init__(self, data: dict[tuple[str, tuple[tuple[str, str], ...]], list[Sample]]):
        self.data = data
        self.asked: list[tuple[str, str, str, tuple[tuple[str, str], ...]]] = []
        self.alarms: dict[str, AlarmView] = {}

    def samples(
        self,
        region: str,
        namespace: str,
        name: str,
        dimensions: tuple[tuple[str, str], ...],
        unit: str | None,
    ) -> list[Sample]:
        self.asked.append((region, namespace, name, dimensions))
        return self.data.get((name, dimensions), [])

    def alarm(self, arn: str) -> AlarmView | None:
        return self.alarms.get(arn)


def test_rows_repeat_dots_and_take_widget_defaults() -> None:
    widget = specs.parse(
        {
            "region": "eu-west-1",
            "stat": "Sum",
            "metrics": [
                ["AWS/Lambda", "Errors", "FunctionName", "a", {"id": "m2"}],
                [".", ".", ".", "b", {"stat": "p99", "period": 60, "yAxis": "right"}],
                ["...", "c"],
                [{"expression": "m1 + m2", "label": "both"}],
            ],
        },
        "us-east-1",
    )
    assert widget.errors == []
    first, second, third, expr = widget.queries
    assert isinstance(first, specs.MetricQuery) and isinstance(second, specs.MetricQuery)
    assert isinstance(third, specs.MetricQuery) and isinstance(expr, specs.ExpressionQuery)
    assert (first.id, first.stat, first.period, first.region) == ("m2", "Sum", 300, "eu-west-1")
    assert second.id == "m1" and second.dimensions == (("FunctionName", "b"),)
    assert (second.stat, second.period, second.style.y_axis) == ("p99", 60, "right")
    assert third.id == "m3" and third.dimensions == (("FunctionName", "c"),)
    assert expr.id == "e1" and expr.style.label == "both"


def test_bad_rows_are_listed_and_the_rest_drawn() -> None:
    widget = specs.parse(
        {
            "metrics": [
                [".", "X"],
                ["NS", "M", "OnlyName"],
                "nope",
                ["NS", "M", {"period": "x"}],
                ["NS", "Good"],
            ]
        },
        "us-east-1",
    )
    assert len(widget.errors) == 4
    assert [q.id for q in widget.queries] == ["m1"]


def test_buckets_fall_on_whole_periods_with_the_statistic() -> None:
    source = FakeSource(
        {("Count", (("Api", "x"),)): [_sample(0.25, 2), _sample(0.5, 4), _sample(3, 10)]}
    )
    widget = specs.parse(
        {"metrics": [["AWS/ApiGateway", "Count", "Api", "x", {"stat": "Sum", "period": 60}]]},
        "us-east-1",
    )
    data = query.resolve(widget, source, SPAN)
    [series] = data.series
    assert series.points == [
        (datetime(2026, 1, 1, 11, 57, tzinfo=UTC), 10.0),
        (datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 6.0),
    ]
    assert source.asked == [("us-east-1", "AWS/ApiGateway", "Count", (("Api", "x"),))]
    assert series.label == "Count"


def test_percentiles_averages_and_unknown_statistics() -> None:
    samples = [_sample(1, v) for v in (1, 2, 3, 4, 100)]
    source = FakeSource({("Latency", ()): samples})
    widget = specs.parse(
        {
            "period": 3600,
            "metrics": [
                ["NS", "Latency", {"stat": "p50"}],
                ["NS", "Latency"],
                ["NS", "Latency", {"stat": "tm99"}],
            ],
        },
        "us-east-1",
    )
    data = query.resolve(widget, source, SPAN)
    assert [s.points[0][1] for s in data.series] == [3.0, 22.0]
    assert data.notes == ["m3: statistic 'tm99' is not computed locally"]


def test_long_range_widens_the_period_to_at_most_1440_points() -> None:
    week = TimeRange(NOW - timedelta(days=7), NOW)
    assert query.effective_period(60, week) == 420
    assert query.effective_period(300, SPAN) == 300
    assert len(query.grid(420, week)) <= query.MAX_POINTS + 1


def test_period_to_time_range_gives_one_point() -> None:
    source = FakeSource({("Count", ()): [_sample(5, 1), _sample(50, 2)]})
    widget = specs.parse(
        {
            "view": "singleValue",
            "setPeriodToTimeRange": True,
            "stat": "Sum",
            "metrics": [["NS", "Count"]],
        },
        "us-east-1",
    )
    [series] = query.resolve(widget, source, SPAN).series
    assert series.points == [(SPAN.start, 3.0)]


def test_labels_default_disambiguate_and_expand_dynamic_labels() -> None:
    source = FakeSource(
        {
            ("Errors", (("FunctionName", "a"),)): [_sample(1, 1)],
            ("Errors", (("FunctionName", "b"),)): [_sample(1, 5), _sample(2, 7)],
        }
    )
    widget = specs.parse(
        {
            "period": 60,
            "metrics": [
                ["AWS/Lambda", "Errors", "FunctionName", "a"],
                ["...", "b"],
                ["...", "b", {"label": "${PROP('Dim.FunctionName')} max ${MAX}"}],
            ],
        },
        "us-east-1",
    )
    labels = [s.label for s in query.resolve(widget, source, SPAN).series]
    assert labels == ["Errors a", "Errors b", "b max 7"]


def test_expressions_hidden_metrics_and_unsupported_notes() -> None:
    source = FakeSource({("Errors", ()): [_sample(1, 2)], ("Invocations", ()): [_sample(1, 8)]})
    widget = specs.parse(
        {
            "stat": "Sum",
            "metrics": [
                ["NS", "Errors", {"id": "errors", "visible": False}],
                ["NS", "Invocations", {"id": "calls", "visible": False}],
                [{"expression": "100 * errors / calls", "label": "Error rate", "id": "rate"}],
                [{"expression": "SEARCH('{NS} Errors', 'Sum', 60)"}],
            ],
        },
        "us-east-1",
    )
    data = query.resolve(widget, source, SPAN)
    assert [(s.label, [v for _, v in s.points]) for s in data.series] == [("Error rate", [25.0])]
    assert len(data.notes) == 1 and "not supported locally" in data.notes[0]


def test_alarm_widget_draws_the_alarm_metric_and_its_threshold() -> None:
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Errors"
    source = FakeSource({("Errors", (("Service", "api"),)): [_sample(1, 3)]})
    source.alarms[arn] = AlarmView(
        arn, "Errors", "ALARM", "Threshold Crossed", NOW, "App", "Errors",
        (("Service", "api"),), "Sum", 60, 1.0, "GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    widget = specs.parse({"annotations": {"alarms": [arn]}}, "us-east-1")
    data = query.resolve(widget, source, SPAN)
    assert data.alarm is not None and data.alarm.state == "ALARM"
    assert [(a.value, a.label, a.fill) for a in data.annotations] == [(1.0, "Errors", "above")]
    assert [s.points[0][1] for s in data.series] == [3.0]
    missing = specs.parse({"annotations": {"alarms": [arn + "x"]}}, "us-east-1")
    assert query.resolve(missing, source, SPAN).notes == [f"alarm {arn}x was not found"]


def test_time_ranges() -> None:
    assert parse(None, None, NOW) == TimeRange(NOW - timedelta(hours=3), NOW)
    assert parse("-PT15M", None, NOW).start == NOW - timedelta(minutes=15)
    assert parse("-P1W", None, NOW).start == NOW - timedelta(days=7)
    absolute = parse("2026-01-01T10:00:00Z", "2026-01-01T11:00:00.000Z", NOW)
    assert absolute.seconds == 3600
    bad = [
        ("yesterday", None),
        ("-PT", None),
        ("-PT1H", "2026-01-01T10:00:00Z"),
        ("2026-01-01T11:00:00Z", "2026-01-01T10:00:00Z"),
        ("-P99M", None),
    ]
    for start, end in bad:
        try:
            parse(start, end, NOW)
        except TimeRangeError:
            continue
        raise AssertionError(f"{start!r} {end!r} was accepted")


def test_a_widget_that_fails_leaves_the_rest_of_the_page() -> None:
    import json

    from stratus.local.cloudwatch.dashboard import body, render, view

    class Broken(FakeSource):
        def samples(self, region: str, namespace: str, name: str, *rest: Any) -> list[Sample]:
            if name == "Boom":
                raise RuntimeError("backend gone")
            return super().samples(region, namespace, name, *rest)

    board = body.parse(
        json.dumps(
            {
                "widgets": [
                    {"type": "metric", "properties": {"metrics": [["NS", "Boom"]]}},
                    {"type": "metric", "properties": {"metrics": [["NS", "Fine"]]}},
                    {"type": "text", "properties": {"markdown": "**still here**"}},
                ]
            }
        )
    )
    views = view.build(board, Broken({("Fine", ()): [_sample(1, 1)]}), SPAN, "us-east-1")
    assert views[0].error == "this widget could not be drawn locally (see the cloud's log)"
    assert views[1].error is None and views[1].data is not None
    page = render.dashboard("/d", "x", board, views, SPAN, None)
    assert "could not be drawn locally" in page and "<strong>still here</strong>" in page
    assert page.count('<polyline class="series"') == 1
