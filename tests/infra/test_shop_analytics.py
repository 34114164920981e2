"""The analytics stack as synthesized (dev and prod, the session synth; nag runs in it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.infra.shop.analytics import (
    PAGE_VIEW_BURST,
    PAGE_VIEW_RATE,
    RETRY_ATTEMPTS,
    analytics_stack_name,
)
from tests.infra.conftest import Synth


@pytest.fixture(scope="module", params=["dev", "prod"])
def analytics(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    base = synths[request.param]
    path = base.outdir / f"{analytics_stack_name(request.param)}.template.json"
    return Synth(base.stage, base.outdir, path, json.loads(path.read_text()))


def _logical(stack: Synth, kind: str, fragment: str) -> str:
    (found,) = [k for k in stack.of_type(kind) if fragment in k]
    return found


def _statements(stack: Synth, role_fragment: str) -> list[dict[str, Any]]:
    return [
        statement
        for logical, res in stack.of_type("AWS::IAM::Policy").items()
        if role_fragment in logical
        for statement in res["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_stream_is_encrypted_and_named_in_outputs(analytics: Synth) -> None:
    stream = analytics.one("AWS::Kinesis::Stream")["Properties"]
    assert stream["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    outputs = analytics.template["Outputs"]
    stream_id = _logical(analytics, "AWS::Kinesis::Stream", "Clickstream")
    assert outputs["ClickstreamName"]["Value"] == {"Ref": stream_id}
    bucket_id = _logical(analytics, "AWS::S3::Bucket", "Exports")
    assert outputs["AnalyticsExportBucketName"]["Value"] == {"Ref": bucket_id}


def test_placed_orders_go_to_the_stream_keyed_by_order_id(analytics: Synth) -> None:
    (rule,) = [
        r["Properties"]
        for r in analytics.of_type("AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    ]
    assert rule["EventPattern"] == {
        "source": ["stratus.shop.orders"],
        "detail-type": ["OrderPlaced"],
    }
    (target,) = rule["Targets"]
    stream_id = _logical(analytics, "AWS::Kinesis::Stream", "Clickstream")
    assert target["Arn"] == {"Fn::GetAtt": [stream_id, "Arn"]}
    assert target["KinesisParameters"] == {"PartitionKeyPath": "$.detail.orderId"}
    assert "DeadLetterConfig" in target


def test_consumer_mapping_retries_bisects_and_sends_failures_to_the_queue(
    analytics: Synth,
) -> None:
    (mapping,) = [
        m["Properties"]
        for m in analytics.of_type("AWS::Lambda::EventSourceMapping").values()
    ]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == RETRY_ATTEMPTS
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ParallelizationFactor"] == 1
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    queue_id = _logical(analytics, "AWS::SQS::Queue", "ClickstreamFailures")
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }
    # The mapping feeds the `live` alias, so CodeDeploy's releases govern the consumer too.
    assert json.dumps(mapping["FunctionName"]).endswith('":live"]]}')


def test_page_view_route_is_public_and_throttled_below_the_stage(analytics: Synth) -> None:
    stage = analytics.one("AWS::ApiGateway::Stage")["Properties"]
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in stage["MethodSettings"]}
    own = settings[("/~1events~1page-views", "POST")]
    assert own["ThrottlingRateLimit"] == PAGE_VIEW_RATE
    assert own["ThrottlingRateLimit"] < settings[("/*", "*")]["ThrottlingRateLimit"]
    posts = [
        m["Properties"]
        for m in analytics.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    ]
    assert [m["AuthorizationType"] for m in posts] == ["NONE"]


def test_failed_payments_are_forwarded_by_a_filtered_subscription(analytics: Synth) -> None:
    (subscription,) = analytics.of_type("AWS::SNS::Subscription").values()
    props = subscription["Properties"]
    assert props["Protocol"] == "lambda"
    assert props["FilterPolicy"] == {"eventType": ["PaymentFailed"]}
    (invoke,) = analytics.of_type("AWS::Lambda::EventInvokeConfig").values()
    queue_id = _logical(analytics, "AWS::SQS::Queue", "ClickstreamFailures")
    qualifier = invoke["Properties"]["Qualifier"]  # the alias ARN's last part: `live`
    alias_ref = qualifier["Fn::Select"][1]["Fn::Split"][1]["Ref"]
    assert alias_ref.startswith("ServicePaymentFailuresLive")
    assert invoke["Properties"]["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }


def test_reports_are_made_from_exports_only(analytics: Synth) -> None:
    (notifications,) = analytics.of_type("Custom::S3BucketNotifications").values()
    (config,) = notifications["Properties"]["NotificationConfiguration"][
        "LambdaFunctionConfigurations"
    ]
    rules = {r["Name"]: r["Value"] for r in config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "exports/", "suffix": ".json"}
    (schedule,) = [
        r["Properties"]
        for r in analytics.of_type("AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
    ]
    assert schedule["ScheduleExpression"] == "cron(5 0 * * ? *)"


def test_page_view_function_may_only_write_to_the_stream(analytics: Synth) -> None:
    actions = {
        action
        for statement in _statements(analytics, "PageViews")
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert not any(a.startswith("dynamodb:") or a.startswith("s3:") for a in actions)
    assert "kinesis:PutRecord" in actions
    assert "kinesis:GetRecords" not in actions


def test_counters_and_ledger_are_separate_tables_and_only_the_ledger_expires(
    analytics: Synth,
) -> None:
    tables = {k: r["Properties"] for k, r in analytics.of_type("AWS::DynamoDB::Table").items()}
    (ledger,) = [p for k, p in tables.items() if k.startswith("Ledger")]
    (counters,) = [p for k, p in tables.items() if k.startswith("Counters")]
    assert ledger["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert "TimeToLiveSpecification" not in counters
    for table in (ledger, counters):
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_daily_counters_are_keyed_by_day_partition_and_product(analytics: Synth) -> None:
    tables = {k: r["Properties"] for k, r in analytics.of_type("AWS::DynamoDB::Table").items()}
    (daily,) = [p for k, p in tables.items() if k.startswith("DailyCounters")]
    assert daily["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "productId", "KeyType": "RANGE"},
    ]
    assert "TimeToLiveSpecification" not in daily
    daily_id = _logical(analytics, "AWS::DynamoDB::Table", "DailyCounters")
    outputs = analytics.template["Outputs"]
    assert outputs["AnalyticsDailyTableName"]["Value"] == {"Ref": daily_id}
    assert "AnalyticsExportFunctionArn" in outputs


def test_export_function_reads_only_the_daily_table_and_its_own_exports(
    analytics: Synth,
) -> None:
    daily_id = _logical(analytics, "AWS::DynamoDB::Table", "DailyCounters")
    bucket_id = _logical(analytics, "AWS::S3::Bucket", "Exports")
    statements = _statements(analytics, "ServiceExport")
    dynamo = [s for s in statements if "dynamodb:Query" in s["Action"]]
    assert dynamo and all(daily_id in json.dumps(s["Resource"]) for s in dynamo)
    resources = json.dumps([s["Resource"] for s in statements])
    tables = analytics.of_type("AWS::DynamoDB::Table")
    others = [k for k in tables if k.startswith(("Counters", "Ledger"))]
    assert len(others) == 2 and not any(k in resources for k in others)
    assert not [s for s in statements if any(
        a.startswith("dynamodb:") and a not in {"dynamodb:Query", "dynamodb:GetItem",
        "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]
    s3 = {
        (a, json.dumps(s["Resource"]))
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        if a.startswith("s3:")
    }
    assert {a for a, _ in s3} == {"s3:PutObject", "s3:GetObject", "s3:ListBucket"}
    for action, resource in s3:
        assert bucket_id in resource
        assert ("/exports/*" in resource) == (action != "s3:ListBucket"), (action, resource)


def _as_deployed(stack: Synth) -> Any:
    """The template as the local cloud's provisioner leaves it, for the API's resources:
    Ref -> a physical id, GetAtt -> an ARN-like string, Join joined (enough for the gateway's
    configuration; other intrinsics are left as they are)."""
    from stratus.local.provision.model import Deployment, Resource
    from stratus.local.provision.model import Stack as LocalStack

    name = stack.template_path.stem.removesuffix(".template")
    local = LocalStack(name=name, template_path=stack.template_path)

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return f"id-{value['Ref']}".lower()
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return f"id-{logical}".lower() if attribute == "RootResourceId" else f"arn:{logical}"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(resolve(p)) for p in parts)
        return {k: resolve(v) for k, v in value.items()}

    for logical, body in stack.template["Resources"].items():
        resource = Resource(name, logical, body["Type"], resolve(body.get("Properties", {})),
                            f"id-{logical}".lower())
        if body["Type"] == "AWS::ApiGateway::RestApi":
            resource.attributes["RootResourceId"] = f"id-{logical}rootresourceid".lower()
        local.resources[logical] = resource
    return Deployment(stacks={name: local})


def test_the_local_gateway_gives_the_page_view_route_its_own_throttle(analytics: Synth) -> None:
    """The route is public by design, so its throttle is what guards it: the local gateway
    reads the same MethodSettings and keeps one token bucket for this route (generic bucket
    behaviour: tests/unit/local/gateway/test_gateway_stage.py)."""
    from stratus.local.gateway.config import compile_apis
    from stratus.local.gateway.limits import TokenBucket

    (api,) = compile_apis(_as_deployed(analytics)).values()
    (stage,) = api.stages.values()
    own = stage.setting_for("/events/page-views", "POST")
    default = stage.setting_for("/events/page-views", "GET")
    assert own is not None and default is not None
    assert (own.rate, own.burst) == (PAGE_VIEW_RATE, PAGE_VIEW_BURST)
    assert default.rate is not None and default.rate > PAGE_VIEW_RATE
    now = [0.0]
    bucket = TokenBucket(PAGE_VIEW_RATE, PAGE_VIEW_BURST, lambda: now[0])
    assert sum(bucket.take() for _ in range(PAGE_VIEW_BURST + 50)) == PAGE_VIEW_BURST
    now[0] += 1.0
    assert sum(bucket.take() for _ in range(PAGE_VIEW_RATE + 50)) == PAGE_VIEW_RATE
