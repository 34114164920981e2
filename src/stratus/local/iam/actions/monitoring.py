"""CloudWatch (metrics, alarms, dashboards), CloudWatch Logs and X-Ray.

CloudWatch (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html):
PutMetricData takes "*" with `cloudwatch:namespace`; alarms are `alarm:<name>` (one check
per name a call lists; a DescribeAlarms naming none is checked on `alarm:*`); dashboards
are global, `arn:aws:cloudwatch::<account>:dashboard/<name>`.

Logs (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html):
a log group's ARN is compared in its `log-group:<name>:*` form for every action except
TagResource, UntagResource and ListTagsForResource, which take it without `:*`; a stream
is `log-group:<group>:log-stream:<stream>` (CreateLogStream, PutLogEvents, GetLogEvents...).

X-Ray (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html):
the calls the SDKs and daemons make (PutTraceSegments, PutTelemetryRecords, sampling) take "*".
"""

from __future__ import annotations

from stratus.local.iam.actions.base import Need, Request, dedupe, is_arn, scalars

_STREAM_OPS = frozenset({"CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents"})
_UNSTARRED = frozenset({"TagResource", "UntagResource", "ListTagsForResource"})
# Calls the reference lists without a resource type, though they name a log group.
_LOGS_UNSCOPED = frozenset(
    {"PutIndexPolicy", "DeleteIndexPolicy", "DescribeIndexPolicies", "DescribeFieldIndexes"}
)


def cloudwatch(req: Request) -> list[Need]:
    op = req.operation
    action = f"cloudwatch:{op}"
    if op == "PutMetricData":
        namespace = req.text("Namespace")
        return [Need(action, "*", {"cloudwatch:namespace": namespace} if namespace else {})]
    names = scalars(req.params, "AlarmNames")
    single = req.text("AlarmName")
    if single:
        names = [single, *names]
    if names:
        ctx: dict[str, str | list[str]] = {}
        actions = scalars(req.params, "AlarmActions")
        if actions:
            ctx["cloudwatch:AlarmActions"] = actions
        return dedupe([Need(action, req.arn("cloudwatch", f"alarm:{n}"), ctx) for n in names])
    if op in ("DescribeAlarms", "DescribeAlarmHistory"):
        return [Need(action, req.arn("cloudwatch", "alarm:*"))]
    dashboards = scalars(req.params, "DashboardNames") or (
        [str(req.text("DashboardName"))] if req.text("DashboardName") else []
    )
    if dashboards:
        return [
            Need(action, req.arn("cloudwatch", f"dashboard/{d}", region=False)) for d in dashboards
        ]
    return [Need(action, req.text("ResourceARN") or "*")]


def _group_arn(req: Request, group: str, *, starred: bool) -> str:
    if is_arn(group):
        base = group[:-2] if group.endswith(":*") else group
    else:
        base = req.arn("logs", f"log-group:{group}")
    return f"{base}:*" if starred else base


def logs(req: Request) -> list[Need]:
    op = req.operation
    action = f"logs:{op}"
    group = req.text("logGroupName") or req.text("logGroupIdentifier")
    if op in _LOGS_UNSCOPED:
        return [Need(action, "*")]
    if op in _UNSTARRED:
        resource = req.text("resourceArn")
        return [Need(action, _group_arn(req, resource, starred=False) if resource else "*")]
    if op in ("TagLogGroup", "UntagLogGroup", "ListTagsLogGroup") and group:
        return [Need(action, _group_arn(req, group, starred=True))]
    stream = req.text("logStreamName")
    if op in _STREAM_OPS and group and stream:
        return [Need(action, f"{_group_arn(req, group, starred=False)}:log-stream:{stream}")]
    groups = scalars(req.params, "logGroupNames") + scalars(req.params, "logGroupIdentifiers")
    if group:
        groups = [group, *groups]
    if groups:
        return dedupe([Need(action, _group_arn(req, g, starred=True)) for g in groups])
    destination = req.text("destinationName")
    if destination:
        return [Need(action, req.arn("logs", f"destination:{destination}"))]
    return [Need(action, "*")]


def xray(req: Request) -> list[Need]:
    return [Need(f"xray:{req.operation}", "*")]


MAPPERS = {"cloudwatch": cloudwatch, "logs": logs, "xray": xray}
