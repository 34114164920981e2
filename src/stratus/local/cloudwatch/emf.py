"""Embedded Metric Format: log lines that carry metrics, turned into PutMetricData input.

The specification (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
a JSON object whose `_aws` member holds `Timestamp` (epoch ms) and `CloudWatchMetrics`, a
list of directives `{Namespace, Dimensions: [[name, ...], ...], Metrics: [{Name, Unit,
StorageResolution}]}`. Each metric's value is the root member of its name (a number, or an
array of up to 100 numbers); each dimension's value is the root member of its name (a
string). Every dimension set yields its own metric; an empty set `[]` a metric without
dimensions. Objects that break these rules are not extracted (CloudWatch drops them too).

Lambda extracts EMF from function logs by itself; a PutLogEvents caller marks EMF batches
with the header `x-amzn-logs-format: json/emf` (same page, "Using the PutLogEvents API").
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

MAX_DIMENSIONS = 30
MAX_VALUES = 100
HEADER = "x-amzn-logs-format"

# namespace -> PutMetricData MetricData entries
Extracted = dict[str, list[dict[str, Any]]]


def extract(message: str, fallback_ms: int) -> Extracted:
    """The metrics one log event carries ({} when it is not a valid EMF object)."""
    if '"_aws"' not in message:
        return {}
    start = message.find("{")
    if start < 0:
        return {}
    try:
        document = json.loads(message[start:])
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    meta = document.get("_aws")
    if not isinstance(meta, dict) or not isinstance(meta.get("CloudWatchMetrics"), list):
        return {}
    stamp = meta.get("Timestamp", fallback_ms)
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return {}
    when = datetime.fromtimestamp(stamp / 1000, UTC)
    out: Extracted = {}
    for directive in meta["CloudWatchMetrics"]:
        if not isinstance(directive, dict):
            continue
        namespace = directive.get("Namespace")
        metrics = directive.get("Metrics")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(namespace, str) or not namespace or not isinstance(metrics, list):
            continue
        if not isinstance(dimension_sets, list) or not dimension_sets:
            dimension_sets = [[]]
        for names in dimension_sets:
            dimensions = _dimensions(document, names)
            if dimensions is None:
                continue
            for metric in metrics:
                datum = _datum(document, metric, dimensions, when)
                if datum is not None:
                    out.setdefault(namespace, []).append(datum)
    return out


def _dimensions(document: dict[str, Any], names: Any) -> list[dict[str, str]] | None:
    if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
        return None
    out = []
    for name in names:
        value = document.get(name) if isinstance(name, str) else None
        if not isinstance(value, str) or not value:
            return None  # a dimension without a string value: the set is invalid
        out.append({"Name": name, "Value": value})
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _datum(
    document: dict[str, Any], metric: Any, dimensions: list[dict[str, str]], when: datetime
) -> dict[str, Any] | None:
    if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
        return None
    name = metric["Name"]
    raw = document.get(name)
    datum: dict[str, Any] = {"MetricName": name, "Dimensions": dimensions, "Timestamp": when}
    if isinstance(raw, list):
        values = [v for v in (_number(x) for x in raw[:MAX_VALUES]) if v is not None]
        if not values:
            return None
        datum["Values"] = values
    else:
        value = _number(raw)
        if value is None:
            return None
        datum["Value"] = value
    unit = metric.get("Unit")
    datum["Unit"] = unit if isinstance(unit, str) and unit else "None"
    if metric.get("StorageResolution") in (1, 60):
        datum["StorageResolution"] = metric["StorageResolution"]
    return datum


def merge(into: Extracted, more: Extracted) -> None:
    for namespace, data in more.items():
        into.setdefault(namespace, []).extend(data)
