"""Local CloudWatch state for dashboards: data points, alarms and dashboard bodies, read
from moto's CloudWatch backends as the alarm evaluator reads them (`evaluator.samples_of`:
single values and StatisticValues sets alike, exact dimensions), never through
GetMetricData: moto's matches dimensions without the namespace and has no percentiles.

Dashboards are global in AWS (one list per account, whatever the Region of the request,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListDashboards.html);
moto keeps them per Region, so every Region's are listed, the default Region's first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stratus.local.cloudwatch import alarms
from stratus.local.cloudwatch.dashboard.query import AlarmView
from stratus.local.cloudwatch.evaluator import samples_of

Key = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class StoredDashboard:
    name: str
    region: str
    body: str
    modified: datetime | None


def _backends(account: str) -> dict[str, Any]:
    from moto.cloudwatch.models import cloudwatch_backends

    try:
        return dict(dict.items(cloudwatch_backends[account]))
    except KeyError:
        return {}


def _dims(dimensions: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(d.name), str(d.value)) for d in dimensions))


def _aware(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dashboards(account: str, default_region: str) -> list[StoredDashboard]:
    found: dict[str, StoredDashboard] = {}
    backends = _backends(account)
    regions = sorted(backends, key=lambda r: (r != default_region, r))
    for region in regions:
        for name, board in list(backends[region].dashboards.items()):
            if name not in found:
                modified = getattr(board, "last_modified", None)
                found[name] = StoredDashboard(
                    str(name), region, str(board.body),
                    modified if isinstance(modified, datetime) else None,
                )  # fmt: skip
    return sorted(found.values(), key=lambda d: d.name)


def find_dashboard(account: str, default_region: str, name: str) -> StoredDashboard | None:
    for board in dashboards(account, default_region):
        if board.name == name:
            return board
    return None


class MotoSource:
    """`query.Source` over moto's backends; one snapshot of each Region's data per page."""

    def __init__(self, account: str) -> None:
        self._account = account
        self._backends = _backends(account)
        self._index: dict[str, dict[Key, list[Any]]] = {}
        self._samples: dict[tuple[Any, ...], list[alarms.Sample]] = {}

    def _region(self, region: str) -> dict[Key, list[Any]]:
        if region not in self._index:
            index: dict[Key, list[Any]] = defaultdict(list)
            backend = self._backends.get(region)
            for datum in list(backend.metric_data) if backend is not None else []:
                index[(str(datum.namespace), str(datum.name), _dims(datum.dimensions))].append(
                    datum
                )
            self._index[region] = index
        return self._index[region]

    def samples(
        self,
        region: str,
        namespace: str,
        name: str,
        dimensions: tuple[tuple[str, str], ...],
        unit: str | None,
    ) -> list[alarms.Sample]:
        key = (region, namespace, name, tuple(sorted(dimensions)), unit)
        if key not in self._samples:  # a metric drawn by several widgets is read once
            datums = self._region(region).get(key[1:4], [])
            if unit:
                datums = [d for d in datums if d.unit == unit]
            self._samples[key] = samples_of(datums)
        return self._samples[key]

    def alarm(self, arn: str) -> AlarmView | None:
        parts = arn.split(":", 6)
        if len(parts) != 7 or parts[2] != "cloudwatch" or parts[5] != "alarm":
            return None
        backend = self._backends.get(parts[3])
        found = backend.alarms.get(parts[6]) if backend is not None else None
        if found is None:
            return None
        single = not found.metric_data_queries and bool(found.metric_name)
        return AlarmView(
            arn=str(found.alarm_arn),
            name=str(found.name),
            state=str(found.state_value),
            reason=str(found.state_reason or ""),
            updated=_aware(found.state_updated_timestamp),
            namespace=str(found.namespace) if single else None,
            metric=str(found.metric_name) if single else None,
            dimensions=_dims(found.dimensions or []) if single else (),
            stat=str(found.extended_statistic or found.statistic or "Average"),
            period=int(found.period) if found.period else None,
            threshold=float(found.threshold) if found.threshold is not None else None,
            comparison=str(found.comparison_operator or ""),
        )
