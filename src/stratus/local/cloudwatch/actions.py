"""What an alarm sends when its state changes: SNS notifications and Lambda invocations.

The actions of the new state run when the state changes and ActionsEnabled is true, also
for SetAlarmState ("the alarm state change ... triggers any actions",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
SNS gets CloudWatch's alarm notification JSON with subject `ALARM: "name" in <Region>`;
Lambda is invoked asynchronously with the alarm event
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions-Lambda).
Other action kinds (Auto Scaling, EC2, Systems Manager) are named in the log and skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}


@dataclass
class AlarmChange:
    alarm: Any  # moto's Alarm (read in the hook, on the loop)
    account: str
    region: str
    old_state: str
    old_reason: str
    old_time: datetime

    @property
    def new_state(self) -> str:
        return str(self.alarm.state_value)

    def actions(self) -> list[str]:
        if not self.alarm.actions_enabled:
            return []
        by_state = {
            "ALARM": self.alarm.alarm_actions,
            "OK": self.alarm.ok_actions,
            "INSUFFICIENT_DATA": self.alarm.insufficient_data_actions,
        }
        return [str(a) for a in by_state.get(self.new_state) or []]


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{aware.microsecond // 1000:03d}+0000"
    )


def sns_subject(change: AlarmChange) -> str:
    region = REGION_NAMES.get(change.region, change.region)
    return f'{change.new_state}: "{change.alarm.name}" in {region}'[:100]


def sns_message(change: AlarmChange) -> dict[str, Any]:
    alarm = change.alarm
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": change.account,
        "AlarmConfigurationUpdatedTimestamp": _iso(alarm.configuration_updated_timestamp),
        "NewStateValue": change.new_state,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _iso(alarm.state_updated_timestamp),
        "Region": REGION_NAMES.get(change.region, change.region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": change.old_state,
        "OKActions": list(alarm.ok_actions or []),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": (alarm.statistic or "").upper() if not alarm.extended_statistic else None,
            "ExtendedStatistic": alarm.extended_statistic,
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


def lambda_event(change: AlarmChange) -> dict[str, Any]:
    alarm = change.alarm
    stat: dict[str, Any] = {
        "metric": {
            "namespace": alarm.namespace,
            "name": alarm.metric_name,
            "dimensions": {d.name: d.value for d in alarm.dimensions},
        },
        "period": alarm.period,
        "stat": alarm.extended_statistic or alarm.statistic,
    }
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm.alarm_arn,
        "accountId": change.account,
        "time": _iso(alarm.state_updated_timestamp),
        "region": change.region,
        "alarmData": {
            "alarmName": alarm.name,
            "state": {
                "value": change.new_state,
                "reason": alarm.state_reason,
                "reasonData": alarm.state_reason_data,
                "timestamp": _iso(alarm.state_updated_timestamp),
            },
            "previousState": {
                "value": change.old_state,
                "reason": change.old_reason,
                "timestamp": _iso(change.old_time),
            },
            "configuration": {
                "description": alarm.description,
                "metrics": [{"id": "m1", "metricStat": stat, "returnData": True}],
            },
        },
    }


def messages(change: AlarmChange) -> list[tuple[str, str, str | None]]:
    """(target ARN, body, SNS subject) for each action of the new state that runs locally."""
    out: list[tuple[str, str, str | None]] = []
    for arn in change.actions():
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "sns":
            out.append((arn, json.dumps(sns_message(change)), sns_subject(change)))
        elif service == "lambda":
            out.append((arn, json.dumps(lambda_event(change)), None))
    return out
