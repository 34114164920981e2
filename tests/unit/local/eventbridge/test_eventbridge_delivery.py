"""Events put on a bus reach the targets of the rules that match, as EventBridge sends them."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.unit.local.eventbridge.eb_harness import EventsCloud

from stratus.local.core.contracts import TooManyRequestsError
from stratus.local.core.settings import ACCOUNT_ID


def _put(cloud: EventsCloud, **entry: Any) -> dict[str, Any]:
    base = {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": json.dumps({"n": 1})}
    answer: dict[str, Any] = cloud.aws("events").put_events(Entries=[{**base, **entry}])
    return answer


def test_matching_event_reaches_an_sqs_target_as_the_envelope(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    events_cloud.rule(
        [{"Id": "q", "Arn": arn}],
        EventPattern=json.dumps(
            {"source": ["shop.orders"], "detail": {"n": [{"numeric": [">", 0]}]}}
        ),
    )
    answer = _put(events_cloud, Resources=["arn:aws:s3:::b"])
    [message] = events_cloud.receive(url)
    event = json.loads(message["Body"])
    assert answer["FailedEntryCount"] == 0
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["version"] == "0"
    assert event["detail-type"] == "OrderPlaced"
    assert event["source"] == "shop.orders"
    assert event["account"] == ACCOUNT_ID
    assert event["region"] == "us-east-1"
    assert event["resources"] == ["arn:aws:s3:::b"]
    assert event["detail"] == {"n": 1}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])


def test_event_that_does_not_match_is_not_delivered(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    events_cloud.rule([{"Id": "q", "Arn": arn}], EventPattern=json.dumps({"source": ["other"]}))
    _put(events_cloud)
    events_cloud.settle()
    assert events_cloud.receive(url, timeout=0.3) == []


def test_disabled_rule_sends_nothing(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    events_cloud.rule(
        [{"Id": "q", "Arn": arn}],
        EventPattern=json.dumps({"source": ["shop.orders"]}),
        State="DISABLED",
    )
    _put(events_cloud)
    events_cloud.settle()
    assert events_cloud.receive(url, timeout=0.3) == []


def test_input_transformer_shapes_what_the_queue_receives(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    name = events_cloud.rule(
        [
            {
                "Id": "q",
                "Arn": arn,
                "InputTransformer": {
                    "InputPathsMap": {"n": "$.detail.n", "src": "$.source"},
                    "InputTemplate": (
                        '{"count": <n>, "from": "<src>", "rule": "<aws.events.rule-name>"}'
                    ),
                },
            }
        ],
        EventPattern=json.dumps({"source": ["shop.orders"]}),
    )
    _put(events_cloud)
    [message] = events_cloud.receive(url)
    assert json.loads(message["Body"]) == {"count": 1, "from": "shop.orders", "rule": name}


def test_input_and_input_path(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    events_cloud.rule(
        [
            {"Id": "a", "Arn": arn, "Input": '{"fixed": true}'},
            {"Id": "b", "Arn": arn, "InputPath": "$.detail"},
        ],
        EventPattern=json.dumps({"source": ["shop.orders"]}),
    )
    _put(events_cloud)
    bodies = sorted(m["Body"] for m in events_cloud.receive(url, 2))
    assert bodies == ['{"fixed": true}', '{"n":1}']


def test_custom_bus_rules_see_only_their_bus(events_cloud: EventsCloud) -> None:
    bus = f"bus-{uuid.uuid4().hex[:6]}"
    events_cloud.aws("events").create_event_bus(Name=bus)
    on_bus, on_bus_arn = events_cloud.queue()
    on_default, on_default_arn = events_cloud.queue()
    pattern = json.dumps({"source": [f"src.{bus}"]})
    events_cloud.rule([{"Id": "q", "Arn": on_bus_arn}], bus=bus, EventPattern=pattern)
    events_cloud.rule([{"Id": "q", "Arn": on_default_arn}], EventPattern=pattern)
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/{bus}"
    _put(events_cloud, Source=f"src.{bus}", EventBusName=bus_arn)
    assert len(events_cloud.receive(on_bus)) == 1
    events_cloud.settle()
    assert events_cloud.receive(on_default, timeout=0.2) == []


def test_event_for_a_bus_that_does_not_exist_is_accepted_and_dropped(
    events_cloud: EventsCloud,
) -> None:
    answer = _put(events_cloud, EventBusName="no-such-bus")
    assert answer["FailedEntryCount"] == 0
    assert "EventId" in answer["Entries"][0]


def test_bad_entries_fail_alone_in_order(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    events_cloud.rule([{"Id": "q", "Arn": arn}], EventPattern=json.dumps({"source": ["ok"]}))
    answer = events_cloud.aws("events").put_events(
        Entries=[
            {"Source": "ok", "DetailType": "t", "Detail": "[1, 2]"},
            {"Source": "ok", "Detail": "{}"},
            {"Source": "ok", "DetailType": "t", "Detail": "{"},
            {"Source": "ok", "DetailType": "t", "Detail": "{}"},
        ]
    )
    codes = [e.get("ErrorCode") for e in answer["Entries"]]
    assert codes == ["MalformedDetail", "InvalidArgument", "MalformedDetail", None]
    assert answer["FailedEntryCount"] == 3
    assert len(events_cloud.receive(url)) == 1


def test_more_than_ten_entries_or_256_kb_fail_the_request(events_cloud: EventsCloud) -> None:
    entry = {"Source": "s", "DetailType": "t", "Detail": "{}"}
    with pytest.raises(ClientError) as many:
        events_cloud.aws("events").put_events(Entries=[entry] * 11)
    assert many.value.response["Error"]["Code"] == "ValidationException"
    big = {**entry, "Detail": json.dumps({"x": "a" * 140_000})}
    with pytest.raises(ClientError) as large:
        events_cloud.aws("events").put_events(Entries=[big, big])
    assert "over the limit" in large.value.response["Error"]["Message"]


def test_lambda_target_is_invoked_with_the_event(events_cloud: EventsCloud) -> None:
    events_cloud.lambdas.known.add("fn-ok")
    fn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:fn-ok"
    events_cloud.rule([{"Id": "f", "Arn": fn}], EventPattern=json.dumps({"source": ["to.lambda"]}))
    answer = _put(events_cloud, Source="to.lambda")
    deadline = time.monotonic() + 5
    while not events_cloud.lambdas.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    [(name, payload)] = events_cloud.lambdas.calls
    assert name == "fn-ok"
    assert json.loads(payload)["id"] == answer["Entries"][0]["EventId"]


def test_missing_function_goes_to_the_dlq_without_retries(events_cloud: EventsCloud) -> None:
    dlq, dlq_arn = events_cloud.queue()
    fn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:fn-gone"
    name = events_cloud.rule(
        [{"Id": "f", "Arn": fn, "DeadLetterConfig": {"Arn": dlq_arn}}],
        EventPattern=json.dumps({"source": ["to.gone"]}),
    )
    answer = _put(events_cloud, Source="to.gone")
    [message] = events_cloud.receive(dlq)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["RULE_ARN"] == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{name}"
    assert attributes["TARGET_ARN"] == fn
    assert "fn-gone" in attributes["ERROR_MESSAGE"]
    assert json.loads(message["Body"])["id"] == answer["Entries"][0]["EventId"]
    assert events_cloud.lambdas.attempts["fn-gone"] == 1


def test_throttled_target_is_retried_until_delivered(events_cloud: EventsCloud) -> None:
    events_cloud.lambdas.known.add("fn-busy")
    events_cloud.lambdas.failures["fn-busy"] = [TooManyRequestsError("busy")] * 2
    fn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:fn-busy"
    events_cloud.rule([{"Id": "f", "Arn": fn}], EventPattern=json.dumps({"source": ["to.busy"]}))
    _put(events_cloud, Source="to.busy")
    deadline = time.monotonic() + 5
    while not any(n == "fn-busy" for n, _ in events_cloud.lambdas.calls):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert events_cloud.lambdas.attempts["fn-busy"] == 3


def test_retries_run_out_then_the_dlq_says_why(events_cloud: EventsCloud) -> None:
    dlq, dlq_arn = events_cloud.queue()
    events_cloud.lambdas.known.add("fn-jam")
    events_cloud.lambdas.failures["fn-jam"] = [TooManyRequestsError("busy")] * 5
    fn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:fn-jam"
    events_cloud.rule(
        [
            {
                "Id": "f",
                "Arn": fn,
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
                "DeadLetterConfig": {"Arn": dlq_arn},
            }
        ],
        EventPattern=json.dumps({"source": ["to.jam"]}),
    )
    _put(events_cloud, Source="to.jam")
    [message] = events_cloud.receive(dlq)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "THROTTLING"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert events_cloud.lambdas.attempts["fn-jam"] == 3


def test_fifo_queue_target_uses_the_message_group(events_cloud: EventsCloud) -> None:
    name = f"f-{uuid.uuid4().hex[:6]}.fifo"
    url, arn = events_cloud.queue(name, FifoQueue="true", ContentBasedDeduplication="true")
    events_cloud.rule(
        [{"Id": "q", "Arn": arn, "SqsParameters": {"MessageGroupId": "orders"}}],
        EventPattern=json.dumps({"source": ["to.fifo"]}),
    )
    _put(events_cloud, Source="to.fifo")
    [message] = events_cloud.receive(url)
    assert message["Attributes"]["MessageGroupId"] == "orders"


def test_kinesis_target_partition_key_from_the_event(events_cloud: EventsCloud) -> None:
    kinesis = events_cloud.aws("kinesis")
    stream = f"s-{uuid.uuid4().hex[:6]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT_ID}:stream/{stream}"
    events_cloud.rule(
        [{"Id": "k", "Arn": arn, "KinesisParameters": {"PartitionKeyPath": "$.detail.customer"}}],
        EventPattern=json.dumps({"source": ["to.kinesis"]}),
    )
    _put(events_cloud, Source="to.kinesis", Detail=json.dumps({"customer": "c-42"}))
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while not records and time.monotonic() < deadline:
        records = kinesis.get_records(ShardIterator=iterator)["Records"]
        time.sleep(0.05)
    assert records[0]["PartitionKey"] == "c-42"
    assert json.loads(records[0]["Data"])["detail"] == {"customer": "c-42"}


def test_event_bus_target_forwards_to_the_other_bus(events_cloud: EventsCloud) -> None:
    bus = f"fwd-{uuid.uuid4().hex[:6]}"
    events_cloud.aws("events").create_event_bus(Name=bus)
    url, arn = events_cloud.queue()
    events_cloud.rule([{"Id": "q", "Arn": arn}], bus=bus, EventPattern='{"source": ["to.bus"]}')
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/{bus}"
    events_cloud.rule([{"Id": "b", "Arn": bus_arn}], EventPattern='{"source": ["to.bus"]}')
    _put(events_cloud, Source="to.bus")
    [message] = events_cloud.receive(url)
    assert json.loads(message["Body"])["detail"] == {"n": 1}


def test_sns_and_logs_targets(events_cloud: EventsCloud) -> None:
    topic = events_cloud.aws("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:6]}")["TopicArn"]
    url, queue_arn = events_cloud.queue()
    events_cloud.aws("sns").subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    group = f"/aws/events/{uuid.uuid4().hex[:6]}"
    events_cloud.aws("logs").create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:{group}"
    events_cloud.rule(
        [{"Id": "t", "Arn": topic}, {"Id": "l", "Arn": group_arn}],
        EventPattern='{"source": ["to.sns"]}',
    )
    answer = _put(events_cloud, Source="to.sns")
    [message] = events_cloud.receive(url)
    assert json.loads(message["Body"])["id"] == answer["Entries"][0]["EventId"]
    logged: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while not logged and time.monotonic() < deadline:
        logged = events_cloud.aws("logs").filter_log_events(logGroupName=group)["events"]
        time.sleep(0.05)
    assert json.loads(logged[0]["message"])["source"] == "to.sns"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"EventPattern": '{"source": [{"prefx": "a"}]}'}, "InvalidEventPatternException"),
        ({"EventPattern": '{"source": "a"}'}, "InvalidEventPatternException"),
        ({"ScheduleExpression": "cron(0 12 * * * *)"}, "ValidationException"),
        ({"ScheduleExpression": "rate(1 minutes)"}, "ValidationException"),
    ],
)
def test_put_rule_rejects_what_eventbridge_rejects(
    events_cloud: EventsCloud, params: dict[str, str], code: str
) -> None:
    with pytest.raises(ClientError) as raised:
        events_cloud.aws("events").put_rule(Name="bad", **params)
    assert raised.value.response["Error"]["Code"] == code


@pytest.mark.parametrize(
    "target",
    [
        {"InputTransformer": {"InputPathsMap": {"a": "detail"}, "InputTemplate": "<a>"}},
        {"Input": "{}", "InputPath": "$.detail"},
        {"RetryPolicy": {"MaximumRetryAttempts": 186}},
        {"RetryPolicy": {"MaximumEventAgeInSeconds": 90000}},  # botocore checks only minima
    ],
)
def test_put_targets_rejects_what_eventbridge_rejects(
    events_cloud: EventsCloud, target: dict[str, Any]
) -> None:
    events_cloud.aws("events").put_rule(Name="ok-rule", EventPattern='{"source": ["x"]}')
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:q"
    with pytest.raises(ClientError) as raised:
        events_cloud.aws("events").put_targets(
            Rule="ok-rule", Targets=[{"Id": "t", "Arn": arn, **target}]
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
