"""Built-in CloudWatch metrics recorded by any service, sent in batches by CloudWatch.

AWS services publish their own metrics (API Gateway's Count and Latency, Lambda's
Duration...). Sending one PutMetricData per request would make every request a journaled
write; instead a service records into this aggregator (a dict update under a lock) and the
CloudWatch service drains it on each tick and sends one batch per namespace.

Counts are summed per tick. Observations (latencies) keep at most `MAX_SAMPLES` values per
metric and tick, a uniform reservoir sample (Vitter's algorithm R), so statistics and
percentiles stay unbiased while stored data stays bounded under load.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

MAX_SAMPLES = 150  # PutMetricData's limit on Values per datum
Dimensions = tuple[tuple[str, str], ...]
_Key = tuple[str, str, str, Dimensions, str]  # region, namespace, name, dimensions, unit


class BuiltinMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sums: dict[_Key, float] = {}
        self._samples: dict[_Key, list[float]] = {}
        self._seen: dict[_Key, int] = {}
        self._random = random.Random()

    def count(
        self,
        region: str,
        namespace: str,
        name: str,
        dimension_sets: Sequence[Dimensions],
        value: float = 1.0,
        unit: str = "Count",
    ) -> None:
        with self._lock:
            for dims in dimension_sets:
                key = (region, namespace, name, dims, unit)
                self._sums[key] = self._sums.get(key, 0.0) + value

    def observe(
        self,
        region: str,
        namespace: str,
        name: str,
        dimension_sets: Sequence[Dimensions],
        value: float,
        unit: str = "Milliseconds",
    ) -> None:
        with self._lock:
            for dims in dimension_sets:
                key = (region, namespace, name, dims, unit)
                seen = self._seen.get(key, 0) + 1
                self._seen[key] = seen
                values = self._samples.setdefault(key, [])
                if len(values) < MAX_SAMPLES:
                    values.append(value)
                else:
                    slot = self._random.randrange(seen)
                    if slot < MAX_SAMPLES:
                        values[slot] = value

    def drain(self, when: datetime | None = None) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """What was recorded since the last drain: region -> namespace -> MetricData."""
        stamp = when or datetime.now(UTC)
        with self._lock:
            sums, samples = self._sums, self._samples
            self._sums, self._samples, self._seen = {}, {}, {}
        out: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for (region, namespace, name, dims, unit), total in sums.items():
            datum = _datum(name, dims, unit, stamp)
            datum["Value"] = total
            out.setdefault(region, {}).setdefault(namespace, []).append(datum)
        for (region, namespace, name, dims, unit), values in samples.items():
            datum = _datum(name, dims, unit, stamp)
            datum["Values"] = values
            out.setdefault(region, {}).setdefault(namespace, []).append(datum)
        return out


def _datum(name: str, dims: Dimensions, unit: str, when: datetime) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
        "Unit": unit,
        "Timestamp": when,
    }
