"""The metric plot's form fields: time ranges, statistics, periods and dimensions are
checked (a bad one is a 400 page), and a plot is drawn by the dashboards' plotter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stratus.local.console.data import plots

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("3h", timedelta(hours=3)),
        ("1d", timedelta(days=1)),
        ("", timedelta(hours=1)),
    ],
)
def test_named_ranges_end_now(name: str, length: timedelta) -> None:
    choice = plots.time_range(name, "", "", NOW)
    assert choice.span.end == NOW and choice.span.start == NOW - length
    assert choice.name == (name or plots.DEFAULT_RANGE)


def test_an_iso_range_is_absolute() -> None:
    choice = plots.time_range("", "2026-06-01T10:00Z", "2026-06-01T11:30:00+00:00", NOW)
    assert choice.span.start == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert choice.span.end == datetime(2026, 6, 1, 11, 30, tzinfo=UTC)
    assert choice.name == ""
    open_ended = plots.time_range("1h", "2026-06-01T10:00", "", NOW)  # start wins over range
    assert open_ended.span.end == NOW


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2y", "", ""),  # not a named range
        ("", "", "2026-06-01T10:00Z"),  # an end without a start
        ("", "yesterday", ""),  # not ISO 8601
        ("", "-PT1H", ""),  # relative times are the named ranges' job
        ("", "2026-06-01T11:00Z", "2026-06-01T10:00Z"),  # end before start
        ("", "2020-01-01T00:00Z", "2026-01-01T00:00Z"),  # longer than CloudWatch keeps
    ],
)
def test_bad_ranges_are_refused(name: str, start: str, end: str) -> None:
    with pytest.raises(plots.PlotError):
        plots.time_range(name, start, end, NOW)


def test_statistics() -> None:
    assert plots.statistic("") == "Average"
    assert plots.statistic("Sum") == "Sum"
    assert plots.statistic("p99") == "p99" and plots.statistic("p99.9") == "p99.9"
    for bad in ("sum", "p101", "p", "Median", "x" * 100):
        with pytest.raises(plots.PlotError):
            plots.statistic(bad)


def test_periods_are_those_getmetricdata_takes() -> None:
    assert plots.period("") == 60
    assert [plots.period(p) for p in ("1", "5", "10", "30", "60", "300", "3600")] == [
        1,
        5,
        10,
        30,
        60,
        300,
        3600,
    ]
    for bad in ("0", "7", "90", "-60", "sixty", str(86400 * 8)):
        with pytest.raises(plots.PlotError):
            plots.period(bad)


def test_dimensions_are_url_encoded_pairs() -> None:
    assert plots.dimensions("") == ()
    assert plots.dimensions("b=2&a=x%3Dy%26z") == (("a", "x=y&z"), ("b", "2"))
    for bad in ("novalue", "=value", "&&"):
        with pytest.raises(plots.PlotError):
            plots.dimensions(bad)


class _Samples:
    """A `query.Source` with fixed samples for one metric."""

    def __init__(self, values: list[tuple[datetime, float]]) -> None:
        from stratus.local.cloudwatch.alarms import Sample

        self.values = [Sample(t, 1, v, v, v, (v,)) for t, v in values]

    def samples(
        self, region: str, namespace: str, name: str, dims: object, unit: object
    ) -> list[Any]:
        return self.values if (namespace, name) == ("NS", "M") else []

    def alarm(self, arn: str) -> None:
        return None


def test_a_metric_widget_is_drawn_as_svg_points(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _Samples([(NOW - timedelta(minutes=m), float(m)) for m in (50, 30, 10)])
    monkeypatch.setattr(plots, "MotoSource", lambda account: source)
    widget = plots.metric_widget("us-east-1", "NS", "M", (("D", "."),), "Sum", 60)
    plot = plots.draw(widget, "000000000000", plots.time_range("1h", "", "", NOW).span)
    assert len(plot.series) == 1 and len(plot.series[0].points) == 3
    assert 'class="series"' in plot.svg and "<script" not in plot.svg
    assert (
        plots.draw(
            plots.metric_widget("us-east-1", "NS", "Other", (), "Sum", 60),
            "0",
            plots.time_range("1h", "", "", NOW).span,
        )
        .series[0]
        .points
        == []
    )
