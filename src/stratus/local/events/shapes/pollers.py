"""Lambda event source mapping records, built from what boto3's receive/get_records return.

Lambda's pollers reshape each service's API records; these do the same, so a local poller can
read with boto3 and hand the function exactly what AWS would:
- SQS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (camelCase
  `messageAttributes` with `stringValue`/`dataType` and empty list fields; attributes as
  strings of epoch milliseconds).
- Kinesis: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (`data` base64,
  `approximateArrivalTimestamp` epoch seconds as a float, `eventID` "shardId:sequence").
- DynamoDB Streams: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (boto3 gives
  `ApproximateCreationDateTime` as a datetime and B values as bytes; Lambda sends epoch seconds
  and base64 text).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stratus.local.events.shapes.common import utc


def _b64(value: bytes | bytearray | str) -> str:
    return value if isinstance(value, str) else base64.b64encode(bytes(value)).decode()


def sqs_message_attribute(attribute: Mapping[str, Any]) -> dict[str, Any]:
    """One SQS message attribute in Lambda's camelCase shape."""
    out: dict[str, Any] = {}
    if "StringValue" in attribute:
        out["stringValue"] = attribute["StringValue"]
    if "BinaryValue" in attribute:
        out["binaryValue"] = _b64(attribute["BinaryValue"])
    out["stringListValues"] = list(attribute.get("StringListValues", []))
    out["binaryListValues"] = [_b64(v) for v in attribute.get("BinaryListValues", [])]
    out["dataType"] = attribute["DataType"]
    return out


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """One `Records[]` entry from a receive_message message (AttributeNames=["All"])."""
    region = queue_arn.split(":")[3]
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: sqs_message_attribute(attribute)
            for name, attribute in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def kinesis_record(
    record: Mapping[str, Any], *, stream_arn: str, shard_id: str, role_arn: str
) -> dict[str, Any]:
    """One `Records[]` entry from a kinesis get_records record."""
    arrival = record["ApproximateArrivalTimestamp"]
    if isinstance(arrival, datetime):
        arrival = utc(arrival).timestamp()
    kinesis: dict[str, Any] = {
        "kinesisSchemaVersion": "1.0",
        "partitionKey": record["PartitionKey"],
        "sequenceNumber": record["SequenceNumber"],
        "data": _b64(record["Data"]),
        "approximateArrivalTimestamp": round(float(arrival), 3),
    }
    if record.get("EncryptionType") not in (None, "NONE"):
        kinesis["encryptionType"] = record["EncryptionType"]
    return {
        "kinesis": kinesis,
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": stream_arn.split(":")[3],
        "eventSourceARN": stream_arn,
    }


def _attribute_json(value: Any) -> Any:
    """A DynamoDB attribute value as JSON: B/BS bytes become base64, M/L recursively."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = _b64(inner)
            elif kind == "BS":
                out[kind] = [_b64(v) for v in inner]
            elif kind == "M":
                out[kind] = {k: _attribute_json(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_attribute_json(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def dynamodb_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One `Records[]` entry from a dynamodbstreams get_records record."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime | int | float):  # parsed by botocore, or the wire's number
        seconds = utc(created).timestamp() if isinstance(created, datetime) else float(created)
        stream["ApproximateCreationDateTime"] = int(seconds) if seconds.is_integer() else seconds
    for image in ("Keys", "NewImage", "OldImage"):
        if image in stream:
            stream[image] = {k: _attribute_json(v) for k, v in stream[image].items()}
    ordered = {
        key: stream[key]
        for key in (
            "ApproximateCreationDateTime",
            "Keys",
            "NewImage",
            "OldImage",
            "SequenceNumber",
            "SizeBytes",
            "StreamViewType",
        )
        if key in stream
    }
    out: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", stream_arn.split(":")[3]),
        "dynamodb": ordered,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions: {"type": "Service", "principalId": ...}
        out["userIdentity"] = dict(record["userIdentity"])
    return out
