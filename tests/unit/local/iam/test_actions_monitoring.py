"""CloudWatch, Logs and X-Ray requests -> IAM checks."""

from __future__ import annotations

from tests.unit.local.iam.calls import ACCOUNT, arn, needs_of, query_call

from stratus.local.iam.actions import Need, needs

GROUP = "/aws/lambda/orders"


def test_put_metric_data_has_no_resource_but_the_namespace() -> None:
    found = needs_of(
        "cloudwatch",
        "put_metric_data",
        Namespace="Shop",
        MetricData=[{"MetricName": "m", "Value": 1}],
    )
    assert found == [Need("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Shop"})]


def test_alarms_one_check_per_name() -> None:
    topic = arn("sns", "alarms")
    put = needs_of(
        "cloudwatch",
        "put_metric_alarm",
        AlarmName="dlq-depth",
        MetricName="m",
        Namespace="AWS/SQS",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )
    assert put == [
        Need(
            "cloudwatch:PutMetricAlarm",
            arn("cloudwatch", "alarm:dlq-depth"),
            {"cloudwatch:AlarmActions": [topic]},
        )
    ]
    assert needs_of("cloudwatch", "delete_alarms", AlarmNames=["a", "b"]) == [
        Need("cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:a")),
        Need("cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:b")),
    ]
    assert needs_of("cloudwatch", "describe_alarms") == [
        Need("cloudwatch:DescribeAlarms", arn("cloudwatch", "alarm:*"))
    ]
    assert needs_of(
        "cloudwatch", "set_alarm_state", AlarmName="a", StateValue="ALARM", StateReason="r"
    ) == [Need("cloudwatch:SetAlarmState", arn("cloudwatch", "alarm:a"))]


def test_dashboards_are_global() -> None:
    assert needs_of("cloudwatch", "get_dashboard", DashboardName="shop") == [
        Need("cloudwatch:GetDashboard", f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/shop")
    ]
    assert needs_of("cloudwatch", "list_metrics") == [Need("cloudwatch:ListMetrics", "*")]


def test_log_streams_and_the_starred_log_group_form() -> None:
    group_arn = arn("logs", f"log-group:{GROUP}")
    stream = f"{group_arn}:log-stream:2026/01/01/[$LATEST]abc"
    assert needs_of(
        "logs", "create_log_stream", logGroupName=GROUP, logStreamName="2026/01/01/[$LATEST]abc"
    ) == [Need("logs:CreateLogStream", stream)]
    assert needs_of(
        "logs",
        "put_log_events",
        logGroupName=GROUP,
        logStreamName="2026/01/01/[$LATEST]abc",
        logEvents=[{"timestamp": 1, "message": "m"}],
    ) == [Need("logs:PutLogEvents", stream)]
    assert needs_of("logs", "create_log_group", logGroupName=GROUP) == [
        Need("logs:CreateLogGroup", f"{group_arn}:*")
    ]
    assert needs_of("logs", "describe_log_streams", logGroupName=GROUP) == [
        Need("logs:DescribeLogStreams", f"{group_arn}:*")
    ]
    assert needs_of("logs", "filter_log_events", logGroupIdentifier=group_arn) == [
        Need("logs:FilterLogEvents", f"{group_arn}:*")
    ]
    # The tagging calls take the ARN without ":*".
    assert needs_of("logs", "list_tags_for_resource", resourceArn=group_arn) == [
        Need("logs:ListTagsForResource", group_arn)
    ]
    assert needs_of("logs", "describe_log_groups") == [Need("logs:DescribeLogGroups", "*")]


def test_xray_takes_no_resource() -> None:
    assert needs_of("xray", "put_trace_segments", TraceSegmentDocuments=["{}"]) == [
        Need("xray:PutTraceSegments", "*")
    ]
    assert needs_of("xray", "get_sampling_rules") == [Need("xray:GetSamplingRules", "*")]


def test_cloudwatch_query_protocol_lists_are_read_too() -> None:
    # Older SDKs and the CLI v1 send CloudWatch as the query protocol (flat list members).
    call = query_call(
        "/",
        "Action=DeleteAlarms&AlarmNames.member.1=a&AlarmNames.member.2=b&Version=2010-08-01",
        service="monitoring",
    )
    assert (call.service, call.operation, call.protocol) == ("cloudwatch", "DeleteAlarms", "query")
    assert needs(call, account=ACCOUNT) == [
        Need("cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:a")),
        Need("cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:b")),
    ]
    metric = query_call(
        "/",
        "Action=PutMetricData&Namespace=Shop&MetricData.member.1.MetricName=m"
        "&MetricData.member.1.Value=1&Version=2010-08-01",
        service="monitoring",
    )
    assert needs(metric, account=ACCOUNT) == [
        Need("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Shop"})
    ]
