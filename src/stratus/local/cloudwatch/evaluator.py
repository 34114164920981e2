"""The periodic part of local CloudWatch: built-in metrics sampled, alarms evaluated.

Every tick (STRATUS_ALARM_SECONDS, 5 s by default):
- What services recorded since the last tick (core/metrics.py), among them Lambda's
  Invocations, Errors, Throttles and Duration per function, version and alias
  (lambda_runtime/metrics.py); SQS's
  ApproximateNumberOfMessages{Visible,NotVisible,Delayed} per QueueName, every minute as
  SQS does (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html)
  and at every tick for queues an alarm watches. They are written with PutMetricData on
  the local endpoint, so they are stored, journaled and queryable like any metric.
- Every metric alarm is evaluated (`alarms.evaluate`) over moto's stored data points; a
  changed state is written with SetAlarmState on the local endpoint, whose hook runs the
  actions. Data points are read from moto's backend directly: GetMetricStatistics in moto
  matches dimensions as a subset and has no percentiles, and alarms need both exactly.
Alarms on metric math (`Metrics`) and anomaly detection are named once and not evaluated.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stratus.local.cloudwatch import alarms
from stratus.local.core.metrics import BuiltinMetrics

log = logging.getLogger("stratus.cloudwatch")

TICK_ENV = "STRATUS_ALARM_SECONDS"
SQS_EVERY_SECONDS = 60.0
KEEP_HOURS_ENV = "STRATUS_METRICS_HOURS"
MAX_DATA_POINTS = 500_000  # per account and region, the oldest dropped first

Clients = Callable[[str], Callable[[str], Any]]  # region -> (service -> boto3 client)


def tick_seconds() -> float:
    try:
        return max(float(os.environ.get(TICK_ENV, "5")), 0.2)
    except ValueError:
        return 5.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dims_key(dimensions: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(d.name), str(d.value)) for d in dimensions))


def samples_of(datums: list[Any]) -> list[alarms.Sample]:
    out = []
    for datum in datums:
        if hasattr(datum, "value"):
            value = float(datum.value)
            out.append(alarms.Sample(_aware(datum.timestamp), 1.0, value, value, value, (value,)))
        else:
            out.append(
                alarms.Sample(
                    _aware(datum.timestamp),
                    float(datum.sample_count),
                    float(datum.sum),
                    float(datum.min),
                    float(datum.max),
                )
            )
    return out


def spec_of(alarm: Any) -> alarms.AlarmSpec:
    if alarm.metric_data_queries:
        raise alarms.UnsupportedAlarm("metric math alarms are not evaluated locally")
    if getattr(alarm, "rule", None):
        raise alarms.UnsupportedAlarm("composite alarms are not evaluated locally")
    if not alarm.metric_name:
        raise alarms.UnsupportedAlarm("the alarm names no metric")
    return alarms.AlarmSpec(
        name=str(alarm.name),
        statistic=str(alarm.extended_statistic or alarm.statistic or "Average"),
        period=int(alarm.period or 60),
        evaluation_periods=int(alarm.evaluation_periods or 1),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm or alarm.evaluation_periods or 1),
        threshold=float(alarm.threshold or 0.0),
        comparison=str(alarm.comparison_operator),
        treat_missing=str(alarm.treat_missing_data or "missing"),
    )


class Evaluator:
    def __init__(
        self,
        clients: Clients,
        builtin: BuiltinMetrics | None = None,
    ) -> None:
        self._clients = clients
        self._builtin = builtin
        self._last_sqs = 0.0
        self._warned: set[str] = set()

    # -- one tick (in a worker thread) --------------------------------------------------
    def tick(self, account: str, region: str) -> None:
        now = datetime.now(UTC)
        try:
            self._sample_sqs(account, region, now)
            self._send_recorded(now)
            prune_metric_data(account, now)
        except Exception:
            log.exception("sampling built-in metrics failed")
        self.evaluate(account, now)

    def _send_recorded(self, now: datetime) -> None:
        """What services recorded since the last tick (core/metrics.py): one batch each."""
        if self._builtin is None:
            return
        for region, namespaces in self._builtin.drain(now).items():
            for namespace, data in namespaces.items():
                self._put(region, namespace, data)

    def _put(self, region: str, namespace: str, data: list[dict[str, Any]]) -> None:
        client = self._clients(region)("cloudwatch")
        for start in range(0, len(data), 1000):
            client.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])

    def _sample_sqs(self, account: str, region: str, now: datetime) -> None:
        from moto.sqs.models import sqs_backends

        every_queue = time.monotonic() - self._last_sqs >= SQS_EVERY_SECONDS
        watched = self._watched_queues(account, region)
        if not every_queue and not watched:
            return
        if every_queue:
            self._last_sqs = time.monotonic()
        try:
            queues = dict(sqs_backends[account][region].queues)
        except KeyError:
            return
        data: list[dict[str, Any]] = []
        for name, queue in queues.items():
            if not every_queue and name not in watched:
                continue
            dims = [{"Name": "QueueName", "Value": name}]
            data += [
                _datum(
                    "ApproximateNumberOfMessagesVisible",
                    queue.approximate_number_of_messages,
                    "Count",
                    dims,
                    now,
                ),
                _datum(
                    "ApproximateNumberOfMessagesNotVisible",
                    queue.approximate_number_of_messages_not_visible,
                    "Count",
                    dims,
                    now,
                ),
                _datum(
                    "ApproximateNumberOfMessagesDelayed",
                    queue.approximate_number_of_messages_delayed,
                    "Count",
                    dims,
                    now,
                ),
            ]
        if data:
            self._put(region, "AWS/SQS", data)

    def _watched_queues(self, account: str, region: str) -> set[str]:
        from moto.cloudwatch.models import cloudwatch_backends

        try:
            backend = cloudwatch_backends[account][region]
        except KeyError:
            return set()
        return {
            str(d.value)
            for alarm in list(backend.alarms.values())
            if alarm.namespace == "AWS/SQS"
            for d in alarm.dimensions
            if d.name == "QueueName"
        }

    # -- alarms -------------------------------------------------------------------------
    def evaluate(self, account: str, now: datetime) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        for region, backend in list(dict.items(cloudwatch_backends.get(account, {}))):
            alarm_list = list(backend.alarms.values())
            if not alarm_list:
                continue
            wanted = {(a.namespace, a.metric_name) for a in alarm_list}
            index: dict[tuple[Any, Any, Any], list[Any]] = defaultdict(list)
            for datum in list(backend.metric_data):
                if (datum.namespace, datum.name) in wanted:
                    index[(datum.namespace, datum.name, _dims_key(datum.dimensions))].append(datum)
            for alarm in alarm_list:
                self._evaluate_one(region, alarm, index, now)

    def _evaluate_one(
        self, region: str, alarm: Any, index: dict[tuple[Any, Any, Any], list[Any]], now: datetime
    ) -> None:
        try:
            spec = spec_of(alarm)
        except alarms.UnsupportedAlarm as exc:
            if alarm.alarm_arn not in self._warned:
                self._warned.add(alarm.alarm_arn)
                log.warning("alarm %s: %s", alarm.name, exc)
            return
        datums = index.get((alarm.namespace, alarm.metric_name, _dims_key(alarm.dimensions)), [])
        if alarm.unit:
            datums = [d for d in datums if d.unit == alarm.unit]
        outcome = alarms.evaluate(spec, samples_of(datums), str(alarm.state_value), now)
        if outcome.state == alarm.state_value:
            return
        self._clients(region)("cloudwatch").set_alarm_state(
            AlarmName=alarm.name,
            StateValue=outcome.state,
            StateReason=outcome.reason[:1023],
            StateReasonData=alarms.reason_data_json(outcome),
        )


def _datum(
    name: str, value: float, unit: str, dims: list[dict[str, str]], when: datetime
) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Value": float(value),
        "Unit": unit,
        "Dimensions": dims,
        "Timestamp": when,
    }


def keep_hours() -> float:
    try:
        return max(float(os.environ.get(KEEP_HOURS_ENV, "3")), 0.1)
    except ValueError:
        return 3.0


def prune_metric_data(account: str, now: datetime) -> None:
    """Stored data points do not grow without bound: moto keeps every one forever; locally
    they are kept for STRATUS_METRICS_HOURS (3 h: CloudWatch's high-resolution window,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric)
    and at most MAX_DATA_POINTS per region. Older points are what alarms never look at."""
    from moto.cloudwatch.models import cloudwatch_backends

    cutoff = now.timestamp() - keep_hours() * 3600
    try:
        backends = list(cloudwatch_backends[account].values())
    except KeyError:
        return
    for backend in backends:
        data = backend.metric_data
        if not data:
            continue
        first = data[0].timestamp
        if len(data) <= MAX_DATA_POINTS and _epoch(first) >= cutoff:
            continue
        kept = [d for d in data if _epoch(d.timestamp) >= cutoff][-MAX_DATA_POINTS:]
        backend.metric_data = kept


def _epoch(moment: Any) -> float:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    try:
        return float(moment)
    except (TypeError, ValueError):
        return float("inf")  # unknown: keep it
