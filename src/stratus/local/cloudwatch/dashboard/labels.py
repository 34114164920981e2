"""Series labels as the console shows them: the row's own label with dynamic labels
expanded (`${PROP('Dim.X')}`, `${PROP('MetricName')}`, `${LAST}`, `${MAX}`...,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html),
else the metric name, with its dimension values when two series would share a name, else
(an expression) its id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stratus.local.cloudwatch.dashboard.numbers import short
from stratus.local.cloudwatch.dashboard.specs import MetricQuery

_DYNAMIC = re.compile(r"\$\{(PROP\('([^']*)'\)|[A-Z_]+)\}")
_REDUCERS: dict[str, Callable[[Sequence[float]], float]] = {
    "LAST": lambda values: values[-1],
    "FIRST": lambda values: values[0],
    "MIN": min,
    "MAX": max,
    "AVG": lambda values: math.fsum(values) / len(values),
    "SUM": math.fsum,
}


@dataclass
class Entry:
    label: str | None  # the row's own label, if any
    metric: MetricQuery | None  # None for an expression's series
    id: str
    values: Sequence[float]
    period: int


def expand(label: str, metric: MetricQuery | None, values: Sequence[float], period: int) -> str:
    def one(match: re.Match[str]) -> str:
        prop = match.group(2)
        if prop is not None:
            if metric is None:
                return match.group(0)
            if prop.startswith("Dim."):
                return dict(metric.dimensions).get(prop[4:], "")
            table = {
                "MetricName": metric.name,
                "Namespace": metric.namespace,
                "Period": str(period),
                "Stat": metric.stat,
                "Region": metric.region,
            }
            return table.get(prop, match.group(0))
        reducer = _REDUCERS.get(match.group(1))
        if reducer is None:
            return match.group(0)
        return short(reducer(values)) if values else ""

    return _DYNAMIC.sub(one, label)


def name(entries: Sequence[Entry]) -> list[str]:
    """One label per series, in order."""
    out = []
    for entry in entries:
        if entry.label is not None:
            out.append(expand(entry.label, entry.metric, entry.values, entry.period))
        elif entry.metric is not None:
            out.append(entry.metric.name)
        else:
            out.append(entry.id)
    counts: dict[str, int] = {}
    for label in out:
        counts[label] = counts.get(label, 0) + 1
    for index, entry in enumerate(entries):
        if counts[out[index]] > 1 and entry.metric is not None and entry.label is None:
            extra = " ".join(v for _, v in entry.metric.dimensions) or entry.metric.stat
            out[index] = f"{out[index]} {extra}".strip()
    return out
