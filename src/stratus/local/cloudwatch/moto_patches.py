"""What moto's CloudWatch lacks for alarms that act: AWS's alarm history and first state.

moto 5.2.5 starts a new alarm in OK ("Unchecked"), re-creates it (state and history lost)
when PutMetricAlarm updates it, keeps history as bare tuples and has no
DescribeAlarmHistory. Here: a new alarm starts in INSUFFICIENT_DATA, an updated one keeps
its state ("When you update an existing alarm, its state is left unchanged",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
every state change is a StateUpdate history item in AWS's shape, answered by
DescribeAlarmHistory (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).
All of it runs inside moto's request, so it is journaled and replayed with it.

GetMetricStatistics in moto matches a datum whose dimensions include the asked ones; AWS
matches them exactly ("you must specify the same dimensions that were used when the
metrics were created",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html).
With Lambda's nested sets (FunctionName, + Resource, + ExecutedVersion) moto would add one
invocation up to three times; here only the exact series is read. GetMetricData's MetricStat
names one metric the same way (namespace, name and all of its dimensions,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Metric.html); moto
reads every series of the name when no dimension is given and ignores the namespace when
one is, so each MetricStat query is answered from its exact series alone.
"""

from __future__ import annotations

import json
from typing import Any

_INSTALLED = "_stratus_cloudwatch_installed"
MAX_HISTORY = 1000


def _iso(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S.")) + f"{moment.microsecond // 1000:03d}+0000"


def install() -> None:
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    if getattr(Alarm, _INSTALLED, False):
        return
    setattr(Alarm, _INSTALLED, True)

    def update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        from moto.core import utils as moto_utils

        old = self.state_value
        self.state_reason = reason
        self.state_reason_data = reason_data
        self.state_value = state_value
        self.state_updated_timestamp = moto_utils.utcnow()
        items = getattr(self, "stratus_history", None)
        if items is None:
            items = self.stratus_history = []
        items.append(
            {
                "AlarmName": self.name,
                "AlarmType": "MetricAlarm",
                "Timestamp": self.state_updated_timestamp,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old} to {state_value}",
                "HistoryData": json.dumps(
                    {
                        "version": "1.0",
                        "oldState": {"stateValue": old},
                        "newState": {
                            "stateValue": state_value,
                            "stateReason": reason,
                            "stateReasonData": json.loads(reason_data or "{}"),
                        },
                    }
                ),
            }
        )
        del items[:-MAX_HISTORY]

    Alarm.update_state = update_state  # type: ignore[method-assign]

    original_put = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        before = self.alarms.get(name)
        alarm = original_put(self, name, *args, **kwargs)
        if before is None:
            alarm.state_value = "INSUFFICIENT_DATA"
            alarm.state_reason = "Unchecked: Initial alarm creation"
        else:
            alarm.state_value = before.state_value
            alarm.state_reason = before.state_reason
            alarm.state_reason_data = before.state_reason_data
            alarm.state_updated_timestamp = before.state_updated_timestamp
            alarm.stratus_history = getattr(before, "stratus_history", [])  # type: ignore[attr-defined]
        return alarm

    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]

    def describe_alarm_history(self: Any) -> Any:
        from moto.core.responses import ActionResult

        name = self._get_param("AlarmName")
        kind = self._get_param("HistoryItemType")
        start = self._get_param("StartDate")
        end = self._get_param("EndDate")
        newest_first = self._get_param("ScanBy", "TimestampDescending") != "TimestampAscending"
        items: list[dict[str, Any]] = []
        for alarm in self.cloudwatch_backend.alarms.values():
            if name and alarm.name != name:
                continue
            items.extend(getattr(alarm, "stratus_history", []))
        if kind:
            items = [i for i in items if i["HistoryItemType"] == kind]
        if start:
            items = [i for i in items if _aware(i["Timestamp"]) >= _aware(start)]
        if end:
            items = [i for i in items if _aware(i["Timestamp"]) <= _aware(end)]
        items.sort(key=lambda i: _aware(i["Timestamp"]), reverse=newest_first)
        limit = int(self._get_param("MaxRecords") or 100)
        return ActionResult({"AlarmHistoryItems": items[:limit]})

    CloudWatchResponse.describe_alarm_history = describe_alarm_history  # type: ignore[attr-defined]
    _install_exact_statistics()
    _install_exact_metric_data()


def _exactly(
    metrics: list[Any], namespace: str, name: str, dimensions: list[dict[str, str]]
) -> list[Any]:
    """The data points of one metric: same namespace, name and set of dimensions."""
    wanted = sorted((str(d["Name"]), str(d.get("Value"))) for d in dimensions or [])
    return [
        md
        for md in metrics
        if md.namespace == namespace
        and md.name == name
        and sorted((str(x.name), str(x.value)) for x in md.dimensions) == wanted
    ]


def _install_exact_metric_data() -> None:
    from types import SimpleNamespace

    from moto.cloudwatch.metric_data_expression_parser import parse_expression
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: Any,
        end_time: Any,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        every = self.get_all_metrics()
        stat_results: list[dict[str, Any]] = []
        returned: list[dict[str, Any]] = []
        for query in (q for q in queries if "MetricStat" in q):
            metric = query["MetricStat"]["Metric"]
            exact = _exactly(
                every, metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])
            )
            only: Any = SimpleNamespace(get_all_metrics=lambda exact=exact: exact)
            # Already exact: moto's own dimension filter (order-sensitive) is not needed.
            bare = {**query["MetricStat"], "Metric": {**metric, "Dimensions": []}}
            [result] = original(only, [{**query, "MetricStat": bare, "ReturnData": True}],
                                start_time, end_time, scan_by)  # fmt: skip
            stat_results.append(result)
            if query.get("ReturnData", True):
                returned.append(result)
        # Math runs on the other queries' results, as moto's own loop does.
        for query in queries:
            expression = query.get("Expression")
            if expression is not None and not expression.startswith("SELECT"):
                values, stamps = parse_expression(expression, stat_results)
                returned.append({"id": query["Id"], "label": query.get("Label") or query["Id"],
                                 "values": values, "timestamps": stamps,
                                 "status_code": "Complete"})  # fmt: skip
        insights = [q for q in queries if str(q.get("Expression", "")).startswith("SELECT")]
        if insights:
            returned += original(self, insights, start_time, end_time, scan_by)
        return returned

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]


def _install_exact_statistics() -> None:
    from types import SimpleNamespace

    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.get_metric_statistics

    def get_metric_statistics(
        self: Any,
        namespace: str,
        metric_name: str,
        start_time: Any,
        end_time: Any,
        period: int,
        stats: list[str],
        dimensions: list[dict[str, str]],
        unit: str | None = None,
    ) -> Any:
        wanted = sorted((str(d["Name"]), str(d.get("Value"))) for d in dimensions or [])
        exact = [
            md
            for md in self.get_all_metrics()
            if md.namespace == namespace
            and md.name == metric_name
            and sorted((str(x.name), str(x.value)) for x in md.dimensions) == wanted
        ]
        only: Any = SimpleNamespace(get_all_metrics=lambda: exact)  # all the original reads
        return original(
            only, namespace, metric_name, start_time, end_time, period, stats, dimensions, unit
        )

    CloudWatchBackend.get_metric_statistics = get_metric_statistics  # type: ignore[method-assign]


def _aware(moment: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
