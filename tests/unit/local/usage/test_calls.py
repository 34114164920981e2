"""Answered AWS calls become usage totals (the usage service's after-hooks)."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.usage.calls import CallUsage
from stratus.local.usage.recorder import UsageRecorder


def _call(
    service: str,
    operation: str,
    params: dict[str, Any] | None = None,
    *,
    protocol: str = "json",
    labels: dict[str, str] | None = None,
    body: bytes | None = None,
) -> AwsCall:
    raw = body if body is not None else json.dumps(params or {}).encode()
    request = AwsRequest("POST", "/", "/", "", {}, raw)
    return AwsCall(request, service, operation, protocol, labels or {}, "eu-west-1")


def _run(usage: UsageRecorder, call: AwsCall, answer: Any = None, **headers: str) -> None:
    response = Response(json.dumps(answer or {}).encode(), headers=headers)

    async def after_hooks() -> None:
        for hook in CallUsage(usage).hooks():
            if hook.service == call.service and hook.after is not None:
                await hook.after(call, response)

    asyncio.run(after_hooks())


def _item(size: int) -> dict[str, Any]:
    return {"a": {"S": "x" * (size - 1)}}


def test_get_item_counts_half_a_unit_eventually_and_one_strongly() -> None:
    usage = UsageRecorder()
    _run(usage, _call("dynamodb", "GetItem", {"TableName": "T"}), {"Item": _item(100)})
    _run(
        usage,
        _call("dynamodb", "GetItem", {"TableName": "T", "ConsistentRead": True}),
        {"Item": _item(5000)},
    )
    table = usage.snapshot()["tables"]["eu-west-1/T"]
    assert table["read_units"] == 0.5 + 2.0
    assert (table["reads"], table["eventual_reads"], table["strong_reads"]) == (2, 1, 1)


def test_query_with_a_filter_bills_the_items_it_scanned() -> None:
    usage = UsageRecorder()
    answer = {"Items": [_item(2048)], "Count": 1, "ScannedCount": 4}  # ~8 KB evaluated
    _run(usage, _call("dynamodb", "Query", {"TableName": "T"}), answer)
    assert usage.snapshot()["tables"]["eu-west-1/T"]["read_units"] == 1.0


def test_writes_batches_and_transactions() -> None:
    usage = UsageRecorder()
    arn = "arn:aws:dynamodb:eu-west-1:000000000000:table/T"
    _run(usage, _call("dynamodb", "PutItem", {"TableName": arn, "Item": _item(1500)}))
    batch = {
        "RequestItems": {
            "T": [{"PutRequest": {"Item": _item(10)}}, {"DeleteRequest": {"Key": _item(5)}}]
        }
    }
    _run(usage, _call("dynamodb", "BatchWriteItem", batch))
    transact = {"TransactItems": [{"Put": {"TableName": "T", "Item": _item(10)}}]}
    _run(usage, _call("dynamodb", "TransactWriteItems", transact))
    table = usage.snapshot()["tables"]["eu-west-1/T"]
    assert table["write_units"] == 2.0 + 2.0 + 2.0
    assert table["transactional"] == 1


def test_s3_counts_request_classes_and_bytes_out() -> None:
    usage = UsageRecorder()
    labels = {"Bucket": "b", "Key": "k"}
    _run(usage, _call("s3", "GetObject", labels=labels), None, **{"content-length": "1234"})
    _run(usage, _call("s3", "PutObject", labels=labels, body=b"12345"))
    _run(usage, _call("s3", "ListObjectsV2", labels={"Bucket": "b"}))
    _run(usage, _call("s3", "DeleteObject", labels=labels))
    bucket = usage.snapshot()["buckets"]["b"]
    assert bucket["get_requests"] == 1
    assert bucket["put_requests"] == 2
    assert bucket["bytes_out"] == 1234
    assert bucket["bytes_in"] == 5


def test_ses_counts_each_recipient_as_an_email() -> None:
    usage = UsageRecorder()
    form = (
        b"Action=SendEmail&Destination.ToAddresses.member.1=a%40x"
        b"&Destination.CcAddresses.member.1=b%40x"
    )
    call = _call("ses", "SendEmail", protocol="query", body=form)
    call.request.headers["content-type"] = "application/x-www-form-urlencoded"
    _run(usage, call)
    v2 = {"Destination": {"ToAddresses": ["c@x"]}}
    _run(usage, _call("sesv2", "SendEmail", v2, protocol="rest-json"))
    email = usage.snapshot()["email"]["eu-west-1"]
    assert (email["messages"], email["recipients"]) == (2, 3)


def test_messaging_bills_each_64_kb_and_each_event() -> None:
    usage = UsageRecorder()
    _run(usage, _call("sqs", "SendMessage", body=b"x" * (64 * 1024 + 1)))
    _run(usage, _call("sns", "ListTopics"))
    _run(usage, _call("events", "PutEvents", {"Entries": [{}, {}, {}]}))
    messaging = usage.snapshot()["messaging"]
    assert messaging["eu-west-1/sqs"]["billed_requests"] == 2
    assert messaging["eu-west-1/sns"] == {
        "service": "sns",
        "region": "eu-west-1",
        "requests": 1,
        "billed_requests": 0,
    }
    assert messaging["eu-west-1/events"]["billed_requests"] == 3


def _blob(size: int) -> str:
    return base64.b64encode(b"x" * size).decode()


def test_kinesis_counts_records_and_25_kb_put_payload_units() -> None:
    usage = UsageRecorder()
    _run(usage, _call("kinesis", "PutRecord", {"StreamName": "s", "Data": _blob(5 * 1024)}))
    records = [
        {"Data": _blob(45 * 1024), "PartitionKey": "k"},  # 2 units
        {"Data": _blob(10), "PartitionKey": "k"},  # failed below: not billed
        {"Data": _blob(25 * 1024 - 1), "PartitionKey": "k"},  # exactly 25 KB: 1 unit
    ]
    answer = {"FailedRecordCount": 1, "Records": [{}, {"ErrorCode": "X"}, {}]}
    arn = "arn:aws:kinesis:eu-west-1:000000000000:stream/s"
    _run(usage, _call("kinesis", "PutRecords", {"StreamARN": arn, "Records": records}), answer)
    _run(usage, _call("kinesis", "GetRecords", {"StreamName": "s"}))
    entry = usage.snapshot()["streams"]["eu-west-1/s"]
    assert entry["records"] == 3
    assert entry["payload_units"] == 1 + 2 + 1
    assert entry["bytes_in"] == 5 * 1024 + 45 * 1024 + 1 + 25 * 1024
