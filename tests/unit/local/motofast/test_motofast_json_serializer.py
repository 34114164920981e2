"""The compiled JSON serializer answers byte for byte what moto's own serializer answers.

Every response below is serialized twice, by the compiled walk and by moto's JSONSerializer,
on the same result object; the test fails on the first difference (status, headers or body)
and checks that the compiled walk really answered the operations it claims to cover.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from dynamodb_scenario import ok, run_dynamodb_scenario
from motofast_wire import Wire, sent_as_moto

from stratus.local.motofast import json_serializer

UNICODE = 'ünïcødé ✓ 😀 \u2028 "quoted" \\ back'
BIG = "1234567890123456789012345678901234.5678"  # 38 digits, the most DynamoDB keeps


class Shadow:
    def __init__(self) -> None:
        self.fast: dict[str, int] = {}
        self.slow: dict[str, int] = {}


@pytest.fixture
def shadow(swap: Any) -> Iterator[Shadow]:
    from moto.core.responses import ActionResult

    original = ActionResult.execute_result.__wrapped__  # type: ignore[attr-defined]
    seen = Shadow()

    def both(self: Any, context: Any) -> Any:
        fast = json_serializer.serialize(context, self.result)
        slow = original(self, context)
        name = f"{context.service_model.service_name}.{context.operation_model.name}"
        if fast is None:
            seen.slow[name] = seen.slow.get(name, 0) + 1
            return slow
        seen.fast[name] = seen.fast.get(name, 0) + 1
        assert fast[0] == slow[0], name
        assert fast[1] == dict(slow[1]), name
        assert sent_as_moto(context.service_model.service_name, fast[2], slow[2]), (
            f"{name}\nfast {fast[2]!r}\nslow {slow[2]!r}"
        )
        return slow

    swap(ActionResult, "execute_result", both)
    # DynamoDB results converted up front, as moto does (motofast.dynamodb_result has its own
    # comparison), so that they reach ActionResult.execute_result like every other service's.
    from moto.dynamodb.responses import DynamoResult

    swap(DynamoResult, "__init__", DynamoResult.__init__.__wrapped__)  # type: ignore[attr-defined]
    yield seen


def test_dynamodb_items_of_every_shape_serialize_identically(wire: Wire, shadow: Shadow) -> None:
    run_dynamodb_scenario(wire, "shapes")
    for operation in ("Query", "GetItem", "PutItem", "Scan", "UpdateItem", "BatchGetItem"):
        assert shadow.fast.get(f"dynamodb.{operation}"), (operation, shadow.slow)


def test_dynamodb_errors_keep_moto_serializer(wire: Wire, shadow: Shadow) -> None:
    status, body = wire.call("dynamodb", "describe_table", TableName="missing")
    assert status == 400
    assert b"ResourceNotFoundException" in body
    assert "dynamodb.DescribeTable" not in shadow.fast


def test_sqs_responses_serialize_identically(wire: Wire, shadow: Shadow) -> None:
    url = ok(wire, "sqs", "create_queue", QueueName="shadow-q", Attributes={"DelaySeconds": "0"})[
        "QueueUrl"
    ]
    fifo = ok(
        wire,
        "sqs",
        "create_queue",
        QueueName="shadow-q.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    ok(
        wire,
        "sqs",
        "send_message",
        QueueUrl=url,
        MessageBody=UNICODE,
        MessageAttributes={
            "s": {"DataType": "String", "StringValue": UNICODE},
            "n": {"DataType": "Number", "StringValue": "12.5"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    ok(
        wire,
        "sqs",
        "send_message_batch",
        QueueUrl=url,
        Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)],
    )
    ok(wire, "sqs", "send_message", QueueUrl=fifo, MessageBody="f", MessageGroupId="g")
    got = ok(
        wire,
        "sqs",
        "receive_message",
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=1,  # moto's route: the direct path (sqs_direct) leaves waits to it
    )
    ok(wire, "sqs", "receive_message", QueueUrl=fifo, AttributeNames=["All"])
    ok(
        wire,
        "sqs",
        "change_message_visibility",
        QueueUrl=url,
        ReceiptHandle=got["Messages"][0]["ReceiptHandle"],
        VisibilityTimeout=0,
    )
    ok(
        wire,
        "sqs",
        "delete_message_batch",
        QueueUrl=url,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(got["Messages"])
        ],
    )
    ok(wire, "sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])
    ok(wire, "sqs", "list_queues")
    ok(wire, "sqs", "get_queue_url", QueueName="shadow-q")
    assert shadow.fast.get("sqs.ReceiveMessage"), shadow.slow
    assert shadow.fast.get("sqs.SendMessage"), shadow.slow


def test_other_json_services_serialize_identically(wire: Wire, shadow: Shadow) -> None:
    ok(wire, "logs", "create_log_group", logGroupName="/shadow")
    ok(wire, "logs", "create_log_stream", logGroupName="/shadow", logStreamName="s")
    ok(
        wire,
        "logs",
        "put_log_events",
        logGroupName="/shadow",
        logStreamName="s",
        logEvents=[{"timestamp": 1_700_000_000_000, "message": UNICODE}],
    )
    ok(wire, "logs", "describe_log_groups")
    ok(wire, "logs", "get_log_events", logGroupName="/shadow", logStreamName="s")
    ok(wire, "secretsmanager", "create_secret", Name="shadow", SecretString=UNICODE)
    ok(wire, "secretsmanager", "describe_secret", SecretId="shadow")
    ok(wire, "secretsmanager", "get_secret_value", SecretId="shadow")
    pool = ok(wire, "cognito-idp", "create_user_pool", PoolName="shadow")["UserPool"]["Id"]
    ok(wire, "cognito-idp", "describe_user_pool", UserPoolId=pool)
    ok(wire, "ssm", "put_parameter", Name="/shadow", Value=UNICODE, Type="String")
    ok(wire, "ssm", "get_parameter", Name="/shadow")
    ok(wire, "kinesis", "create_stream", StreamName="shadow", ShardCount=1)
    ok(wire, "kinesis", "describe_stream", StreamName="shadow")
    ok(wire, "events", "put_rule", Name="shadow", ScheduleExpression="rate(1 minute)")
    ok(wire, "events", "list_rules")
    # Logs, Secrets Manager, Kinesis and EventBridge answer with JSON strings of their own
    # in moto 5.2.5; Cognito and SSM go through the serializer.
    assert {"cognito-idp.DescribeUserPool", "ssm.GetParameter"} <= set(shadow.fast), shadow


def test_values_moto_reads_by_attribute_fall_back(shadow: Shadow) -> None:
    """A model object (not a dict) is read by moto's alias providers: not compiled."""
    from moto.core.responses import ActionContext
    from moto.core.serialize import JSONSerializer
    from moto.core.utils import get_service_model
    from moto.dynamodb.responses import DynamoHandler

    class Table:
        TableNames = ("a",)

    model = get_service_model("dynamodb")
    context = ActionContext(
        model, model.operation_model("ListTables"), JSONSerializer, DynamoHandler()
    )
    assert json_serializer.serialize(context, Table()) is None
    assert json_serializer.serialize(context, {"TableNames": ["a", Decimal("1")]}) is not None


@pytest.mark.parametrize(
    "value",
    [
        {"Items": [{"s": {"S": UNICODE}}, {"n": {"N": BIG}}], "Count": 2, "ScannedCount": 2},
        {"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}, "Attributes": {}},
        {"big": 2**70, "Count": 1},  # beyond 64 bits: orjson refuses, json writes it
        {"d": Decimal("1.5")},  # refused by both: json's TypeError, as moto would raise
        {1: "non-string key"},  # json writes "1"; orjson refuses
    ],
)
def test_compact_bodies_are_json_s_compact_utf8_form(value: Any) -> None:
    try:
        want = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except TypeError:
        with pytest.raises(TypeError):
            json_serializer._compact(value)
        return
    assert json_serializer._compact(value) == want
