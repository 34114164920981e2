"""SQS, Kinesis and DynamoDB Streams records for Lambda, from boto3's API records."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import (
    DynamoDBStreamEvent,
    KinesisStreamEvent,
    SQSEvent,
)
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamModel,
    KinesisDataStreamModel,
    SqsModel,
)

from stratus.local.events.shapes.pollers import dynamodb_record, kinesis_record, sqs_record

QUEUE = "arn:aws:sqs:us-east-2:123456789012:my-queue"

# A boto3 receive_message message for the sample record of
# https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
BOTO_MESSAGE: dict[str, Any] = {
    "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
    "MD5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "Body": "Test message.",
    "Attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    },
}
DOCS_SQS_RECORD: dict[str, Any] = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
    "body": "Test message.",
    "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    },
    "messageAttributes": {},
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": QUEUE,
    "awsRegion": "us-east-2",
}


def test_sqs_record_equals_the_docs_sample() -> None:
    assert sqs_record(BOTO_MESSAGE, QUEUE) == DOCS_SQS_RECORD
    SqsModel.model_validate({"Records": [sqs_record(BOTO_MESSAGE, QUEUE)]})


def test_sqs_message_attributes_in_lambda_camel_case() -> None:
    message = {
        **BOTO_MESSAGE,
        "MD5OfMessageAttributes": "abc",
        "MessageAttributes": {
            "myAttribute": {"StringValue": "myValue", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    record = sqs_record(message, QUEUE)
    assert record["messageAttributes"] == {
        "myAttribute": {
            "stringValue": "myValue",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert record["md5OfMessageAttributes"] == "abc"
    parsed = next(SQSEvent({"Records": [record]}).records)
    assert parsed.message_attributes["myAttribute"].string_value == "myValue"
    assert parsed.attributes.approximate_receive_count == "1"


def test_sqs_fifo_attributes_pass_through() -> None:
    fifo = {
        **BOTO_MESSAGE,
        "Attributes": {
            **BOTO_MESSAGE["Attributes"],
            "MessageGroupId": "g1",
            "SequenceNumber": "18849496460467696128",
            "MessageDeduplicationId": "d1",
        },
    }
    record = sqs_record(fifo, QUEUE.replace("my-queue", "q.fifo"))
    parsed = next(SQSEvent({"Records": [record]}).records)
    assert parsed.attributes.message_group_id == "g1"
    assert parsed.attributes.sequence_number == "18849496460467696128"


STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
SEQUENCE = "49590338271490256608559692538361571095921575989136588898"


def test_kinesis_record_equals_the_docs_sample() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
    boto = {
        "SequenceNumber": SEQUENCE,
        "ApproximateArrivalTimestamp": datetime.fromtimestamp(1545084650.987, tz=UTC),
        "Data": b"Hello, this is a test.",
        "PartitionKey": "1",
    }
    record = kinesis_record(
        boto,
        stream_arn=STREAM,
        shard_id="shardId-000000000006",
        role_arn="arn:aws:iam::123456789012:role/lambda-role",
    )
    assert record == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "1",
            "sequenceNumber": SEQUENCE,
            "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000006:{SEQUENCE}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
        "awsRegion": "us-east-2",
        "eventSourceARN": STREAM,
    }
    KinesisDataStreamModel.model_validate({"Records": [record]})
    parsed = next(KinesisStreamEvent({"Records": [record]}).records)
    assert parsed.kinesis.data_as_text() == "Hello, this is a test."
    assert parsed.kinesis.sequence_number == SEQUENCE


TABLE_STREAM = (
    "arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/2024-06-10T19:26:16.525"
)


def test_dynamodb_record_converts_datetime_and_bytes() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
    boto = {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-2",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2016, 11, 18, 20, 9, tzinfo=UTC),
            "Keys": {"Id": {"N": "101"}},
            "NewImage": {
                "Message": {"S": "This item has changed"},
                "Id": {"N": "101"},
                "Blob": {"B": b"\x00\x01"},
                "Nested": {"M": {"Set": {"BS": [b"\x02"]}}},
            },
            "OldImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
            "SequenceNumber": "222",
            "SizeBytes": 59,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    record = dynamodb_record(boto, TABLE_STREAM)
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1479499740
    assert record["dynamodb"]["NewImage"]["Blob"] == {"B": "AAE="}
    assert record["dynamodb"]["NewImage"]["Nested"] == {"M": {"Set": {"BS": ["Ag=="]}}}
    assert record["eventSourceARN"] == TABLE_STREAM
    assert record["eventName"] == "MODIFY"
    DynamoDBStreamModel.model_validate({"Records": [record]})
    parsed = next(DynamoDBStreamEvent({"Records": [record]}).records)
    assert parsed.dynamodb is not None
    assert parsed.dynamodb.new_image["Message"] == "This item has changed"
    assert parsed.dynamodb.old_image["Message"] == "New item!"
    assert parsed.dynamodb.keys == {"Id": 101}
    assert parsed.event_name is not None and parsed.event_name.name == "MODIFY"
    assert base64.b64decode(record["dynamodb"]["NewImage"]["Blob"]["B"]) == b"\x00\x01"


def test_dynamodb_insert_and_remove_keep_their_images() -> None:
    insert = {
        "eventID": "1",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
            "Keys": {"Id": {"N": "1"}},
            "NewImage": {"Id": {"N": "1"}},
            "SequenceNumber": "1",
            "SizeBytes": 10,
            "StreamViewType": "NEW_IMAGE",
        },
    }
    record = dynamodb_record(insert, TABLE_STREAM)
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1704067200.5
    assert "OldImage" not in record["dynamodb"]
    assert record["awsRegion"] == "us-east-2"
    ttl_remove = {
        **insert,
        "eventName": "REMOVE",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
    }
    assert dynamodb_record(ttl_remove, TABLE_STREAM)["userIdentity"]["type"] == "Service"
