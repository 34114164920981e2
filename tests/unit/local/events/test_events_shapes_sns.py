"""SNS envelopes, Lambda records and raw delivery, checked against AWS's samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import SNSEvent, SQSEvent
from aws_lambda_powertools.utilities.parser.models import SnsModel, SnsNotificationModel

from stratus.local.events.shapes.sns import (
    Publication,
    envelope,
    lambda_event,
    sqs_message,
    string_to_sign,
)

TOPIC = "arn:aws:sns:us-west-2:123456789012:MyTopic"
SUBSCRIPTION = f"{TOPIC}:c9135db0-26c4-47ec-8998-413945fb5a96"


def publication(**overrides: Any) -> Publication:
    values: dict[str, Any] = {
        "topic_arn": TOPIC,
        "message_id": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "message": "Hello world!",
        "time": datetime(2012, 5, 2, 0, 54, 6, 655000, tzinfo=UTC),
        "subscription_arn": SUBSCRIPTION,
        "subject": "My First Message",
    }
    values.update(overrides)
    return Publication(**values)


def test_envelope_has_the_docs_fields_in_order() -> None:
    # https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
    doc = envelope(publication())
    assert list(doc) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
    ]
    assert doc["Type"] == "Notification"
    assert doc["Timestamp"] == "2012-05-02T00:54:06.655Z"
    assert doc["SignatureVersion"] == "1"
    assert doc["SigningCertURL"].startswith("https://sns.us-west-2.amazonaws.com/")
    assert doc["UnsubscribeURL"] == (
        "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + SUBSCRIPTION
    )
    SnsNotificationModel.model_validate(doc)


def test_envelope_without_subject_omits_it() -> None:
    assert "Subject" not in envelope(publication(subject=None))


def test_envelope_message_attributes_use_type_and_value() -> None:
    attributes = {
        "store": {"DataType": "String", "StringValue": "example_corp"},
        "price": {"DataType": "Number", "StringValue": "210.75"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    doc = envelope(publication(attributes=attributes))
    assert doc["MessageAttributes"] == {
        "store": {"Type": "String", "Value": "example_corp"},
        "price": {"Type": "Number", "Value": "210.75"},
        "blob": {"Type": "Binary", "Value": "AAE="},
    }
    assert "MessageAttributes" not in envelope(publication())


def test_fifo_envelope_carries_sequence_number() -> None:
    assert envelope(publication(sequence_number="10000000000000003000"))["SequenceNumber"]
    assert "SequenceNumber" not in envelope(publication())


def test_string_to_sign_lists_notification_fields_in_order() -> None:
    doc = envelope(publication())
    assert string_to_sign(doc) == (
        "Message\nHello world!\n"
        "MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
        "Subject\nMy First Message\n"
        "Timestamp\n2012-05-02T00:54:06.655Z\n"
        f"TopicArn\n{TOPIC}\n"
        "Type\nNotification\n"
    )
    assert "Subject" not in string_to_sign(envelope(publication(subject=None)))


def test_lambda_event_matches_the_docs_shape() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
    event = lambda_event(
        publication(
            subject=None,
            attributes={"Test": {"DataType": "String", "StringValue": "TestString"}},
        )
    )
    record = event["Records"][0]
    assert record["EventVersion"] == "1.0"
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == SUBSCRIPTION
    sns = record["Sns"]
    assert set(sns) == {
        "SignatureVersion",
        "Timestamp",
        "Signature",
        "SigningCertUrl",
        "MessageId",
        "Message",
        "MessageAttributes",
        "Type",
        "UnsubscribeUrl",
        "TopicArn",
        "Subject",
    }
    assert sns["Subject"] is None
    assert sns["MessageAttributes"] == {"Test": {"Type": "String", "Value": "TestString"}}
    SnsModel.model_validate(event)
    parsed = SNSEvent(event)
    assert parsed.sns_message == "Hello world!"
    assert parsed.record.sns.message_attributes["Test"].value == "TestString"
    assert parsed.record.sns.topic_arn == TOPIC


def test_lambda_event_without_attributes_has_an_empty_map() -> None:
    assert lambda_event(publication())["Records"][0]["Sns"]["MessageAttributes"] == {}


def test_sqs_delivery_wraps_the_envelope_in_the_body() -> None:
    sent = sqs_message(publication(), raw=False)
    assert json.loads(sent["MessageBody"]) == envelope(publication())
    assert sent["MessageAttributes"] == {}
    sqs_event = SQSEvent({"Records": [{"body": sent["MessageBody"]}]})
    assert json.loads(next(sqs_event.records).body)["Message"] == "Hello world!"


def test_raw_sqs_delivery_sends_message_and_attributes() -> None:
    attributes = {
        "store": {"DataType": "String", "StringValue": "example_corp"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00"},
        "tags": {"DataType": "String.Array", "StringValue": '["a"]'},
    }
    sent = sqs_message(publication(attributes=attributes), raw=True)
    assert sent["MessageBody"] == "Hello world!"
    assert sent["MessageAttributes"] == {
        "store": {"DataType": "String", "StringValue": "example_corp"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00"},
        "tags": {"DataType": "String.Array", "StringValue": '["a"]'},
    }


def test_raw_sqs_delivery_refuses_more_than_ten_attributes() -> None:
    attributes = {f"a{i}": {"DataType": "String", "StringValue": "x"} for i in range(11)}
    with pytest.raises(ValueError):
        sqs_message(publication(attributes=attributes), raw=True)
