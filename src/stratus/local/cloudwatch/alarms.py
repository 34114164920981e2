"""Metric alarm evaluation, as CloudWatch evaluates: periods, M out of N, missing data.

Rules copied from https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
("Alarm evaluation", "Configuring how CloudWatch alarms treat missing data"): the last
EvaluationPeriods periods are looked at; the alarm goes to ALARM when at least
DatapointsToAlarm of them breach the threshold, to OK otherwise; a period without data is
treated by TreatMissingData: `missing` (default: not counted; all missing ->
INSUFFICIENT_DATA), `ignore` (not counted; all missing -> the state stays), `breaching`,
`notBreaching`. Statistics: SampleCount, Sum, Average, Minimum, Maximum and percentiles
(pNN, nearest rank, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).

Local difference, on purpose: periods end at the moment of evaluation (a sliding window,
evaluated every few seconds) rather than at the last whole minute, so a breach is seen in
seconds instead of a minute or more later.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"

_OPERATORS = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}


class UnsupportedAlarm(ValueError):
    """An alarm the local evaluator cannot evaluate (named once, then left alone)."""


@dataclass(frozen=True)
class Sample:
    timestamp: datetime
    count: float
    total: float
    minimum: float
    maximum: float
    values: tuple[float, ...] = ()  # single values (for percentiles); empty if aggregated


@dataclass
class AlarmSpec:
    name: str
    statistic: str  # Sum, Average, ... or pNN
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str = "missing"

    def __post_init__(self) -> None:
        if self.comparison not in _OPERATORS:
            raise UnsupportedAlarm(f"comparison {self.comparison} is not evaluated locally")
        basic = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
        if self.statistic not in basic and not _is_percentile(self.statistic):
            raise UnsupportedAlarm(f"statistic {self.statistic} is not evaluated locally")


@dataclass
class Outcome:
    state: str
    reason: str
    reason_data: dict[str, Any] = field(default_factory=dict)


def _is_percentile(statistic: str) -> bool:
    if not statistic.startswith("p"):
        return False
    try:
        value = float(statistic[1:])
    except ValueError:
        return False
    return 0 <= value <= 100


def statistic(samples: list[Sample], name: str) -> float | None:
    if not samples:
        return None
    count = sum(s.count for s in samples)
    if name == "SampleCount":
        return count
    if name == "Sum":
        return sum(s.total for s in samples)
    if name == "Average":
        return sum(s.total for s in samples) / count if count else None
    if name == "Minimum":
        return min(s.minimum for s in samples)
    if name == "Maximum":
        return max(s.maximum for s in samples)
    values = sorted(v for s in samples for v in s.values)
    if not values:
        return None  # percentiles need single values (not StatisticValues sets)
    rank = max(math.ceil(float(name[1:]) / 100 * len(values)), 1)
    return values[rank - 1]


def datapoints(
    samples: list[Sample], spec: AlarmSpec, now: datetime
) -> list[tuple[datetime, float | None]]:
    """The evaluation range, newest period first: (period start, value or None)."""
    out = []
    width = timedelta(seconds=spec.period)
    for index in range(spec.evaluation_periods):
        end = now - index * width
        start = end - width
        inside = [s for s in samples if start < s.timestamp <= end]
        out.append((start, statistic(inside, spec.statistic)))
    return out


def evaluate(spec: AlarmSpec, samples: list[Sample], current: str, now: datetime) -> Outcome:
    check, words = _OPERATORS[spec.comparison]
    points = datapoints(samples, spec, now)
    present = [(t, v) for t, v in points if v is not None]
    missing = len(points) - len(present)
    breaching = sum(1 for _, v in present if check(v, spec.threshold))
    if spec.treat_missing == "breaching":
        breaching += missing
    counted = len(points) if spec.treat_missing in ("breaching", "notBreaching") else len(present)
    data = _reason_data(spec, points, now)
    if counted == 0:
        if spec.treat_missing == "ignore":
            return Outcome(current, "no datapoints: state kept (TreatMissingData ignore)", data)
        return Outcome(
            INSUFFICIENT,
            f"Insufficient Data: {len(points)} datapoint(s) were unknown.",
            data,
        )
    state = ALARM if breaching >= spec.datapoints_to_alarm else OK
    recent = ", ".join(f"{v} ({t.strftime('%d/%m/%y %H:%M:%S')})" for t, v in present[:5])
    verb = "was" if breaching == 1 else "were"
    not_ = "" if state == ALARM else "not "
    reason = (
        f"Threshold Crossed: {breaching} out of the last {counted} datapoints [{recent}] "
        f"{verb} {not_}{words} the threshold ({spec.threshold}) (minimum "
        f"{spec.datapoints_to_alarm} datapoint(s) for OK -> ALARM transition)."
    )
    return Outcome(state, reason, data)


def _reason_data(
    spec: AlarmSpec, points: list[tuple[datetime, float | None]], now: datetime
) -> dict[str, Any]:
    def iso(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    start = points[-1][0] if points else now
    return {
        "version": "1.0",
        "queryDate": iso(now),
        "startDate": iso(start),
        "statistic": spec.statistic,
        "period": spec.period,
        "recentDatapoints": [v for _, v in points if v is not None],
        "threshold": spec.threshold,
        "evaluatedDatapoints": [
            {"timestamp": iso(t), "value": v} for t, v in points if v is not None
        ],
    }


def reason_data_json(outcome: Outcome) -> str:
    return json.dumps(outcome.reason_data)
