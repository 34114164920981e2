"""S3 notification records and S3's EventBridge events, checked against AWS's samples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import pytest
from aws_lambda_powertools.utilities.data_classes import S3Event, S3EventBridgeNotificationEvent
from aws_lambda_powertools.utilities.parser.models import (
    S3EventNotificationEventBridgeModel,
    S3Model,
)

from stratus.local.events.shapes.s3 import (
    ObjectChange,
    Sequencer,
    configuration_matches,
    encode_key,
    event_type_matches,
    eventbridge_event,
    notification_event,
)

# The sample record of
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
DOCS_RECORD: dict[str, Any] = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": "us-west-2",
    "eventTime": "1970-01-01T00:00:00.000Z",
    "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": "AIDAJDPLRKLG7UEXAMPLE"},
    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
    "responseElements": {
        "x-amz-request-id": "C3D13FE58DE4C810",
        "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
    },
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "testConfigRule",
        "bucket": {
            "name": "amzn-s3-demo-bucket",
            "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
            "arn": "arn:aws:s3:::amzn-s3-demo-bucket",
        },
        "object": {
            "key": "HappyFace.jpg",
            "size": 1024,
            "eTag": "d41d8cd98f00b204e9800998ecf8427e",
            "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
            "sequencer": "0055AED6DCD90281E5",
        },
    },
}


def change(**overrides: Any) -> ObjectChange:
    values: dict[str, Any] = {
        "event_name": "ObjectCreated:Put",
        "bucket": "amzn-s3-demo-bucket",
        "key": "HappyFace.jpg",
        "time": datetime(1970, 1, 1, tzinfo=UTC),
        "sequencer": "0055AED6DCD90281E5",
        "request_id": "C3D13FE58DE4C810",
        "host_id": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        "region": "us-west-2",
        "size": 1024,
        "etag": "d41d8cd98f00b204e9800998ecf8427e",
        "version_id": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
        "principal_id": "AIDAJDPLRKLG7UEXAMPLE",
    }
    values.update(overrides)
    return ObjectChange(**values)


def test_notification_record_equals_the_docs_sample() -> None:
    assert notification_event(change(), "testConfigRule") == {"Records": [DOCS_RECORD]}


def test_powertools_reads_the_notification() -> None:
    event = S3Event(notification_event(change(key="photos/red flower.jpg"), "cfg"))
    record = event.record
    assert event.bucket_name == "amzn-s3-demo-bucket"
    assert event.object_key == "photos/red flower.jpg"  # Powertools decodes the key
    assert record.s3.get_object.size == 1024
    assert record.s3.get_object.sequencer == "0055AED6DCD90281E5"
    assert record.request_parameters.source_ip_address == "127.0.0.1"
    assert record.response_elements["x-amz-request-id"] == "C3D13FE58DE4C810"
    S3Model.model_validate(notification_event(change(), "cfg"))


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("red flower.jpg", "red+flower.jpg"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("x=1&y+z.txt", "x%3D1%26y%2Bz.txt"),
        ("ümlaut.txt", "%C3%BCmlaut.txt"),
    ],
)
def test_key_is_url_encoded_with_plus_for_space(key: str, encoded: str) -> None:
    assert encode_key(key) == encoded
    assert unquote_plus(encoded) == key


@pytest.mark.parametrize(
    "event_name",
    ["ObjectCreated:Post", "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload"],
)
def test_other_created_events_keep_size_and_etag(event_name: str) -> None:
    record = notification_event(change(event_name=event_name), "c")["Records"][0]
    assert record["eventName"] == event_name
    assert record["s3"]["object"]["size"] == 1024


@pytest.mark.parametrize(
    "event_name", ["ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated"]
)
def test_removal_records_have_no_size_or_etag(event_name: str) -> None:
    obj = notification_event(change(event_name=event_name), "c")["Records"][0]["s3"]["object"]
    assert set(obj) == {"key", "versionId", "sequencer"}


def test_unknown_event_name_is_rejected() -> None:
    with pytest.raises(ValueError):
        change(event_name="ObjectCreated:Upload")


def test_sequencer_grows_per_key_as_fixed_width_hex() -> None:
    sequencer = Sequencer()
    first, second = sequencer.next("k"), sequencer.next("k")
    assert len(first) == len(second) == 18
    int(first, 16)
    assert second > first


def test_event_type_wildcard_covers_the_family_only() -> None:
    assert event_type_matches("s3:ObjectCreated:*", "ObjectCreated:CompleteMultipartUpload")
    assert not event_type_matches("s3:ObjectCreated:*", "ObjectRemoved:Delete")
    assert event_type_matches("s3:ObjectRemoved:Delete", "ObjectRemoved:Delete")
    assert not event_type_matches("s3:ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated")


def test_configuration_filters_on_prefix_and_suffix() -> None:
    configuration = {
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "Prefix", "Value": "images/"},
                    {"Name": "suffix", "Value": ".jpg"},
                ]
            }
        },
    }
    assert configuration_matches(configuration, "ObjectCreated:Put", "images/a.jpg")
    assert not configuration_matches(configuration, "ObjectCreated:Put", "docs/a.jpg")
    assert not configuration_matches(configuration, "ObjectCreated:Put", "images/a.png")
    assert not configuration_matches(configuration, "ObjectRemoved:Delete", "images/a.jpg")


def test_filter_values_compare_with_the_encoded_key() -> None:
    configuration = {
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "my+photos/"}]}},
    }
    assert configuration_matches(configuration, "ObjectCreated:Put", "my photos/a.jpg")
    assert not configuration_matches(configuration, "ObjectCreated:Put", "myphotos/a.jpg")


def test_configuration_without_filter_matches_every_key() -> None:
    assert configuration_matches({"Events": ["s3:ObjectCreated:Put"]}, "ObjectCreated:Put", "x")


# The "Object Created" sample of https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
DOCS_OBJECT_CREATED: dict[str, Any] = {
    "version": "0",
    "id": "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "account": "111122223333",
    "time": "2021-11-12T00:00:00Z",
    "region": "ca-central-1",
    "resources": ["arn:aws:s3:::amzn-s3-demo-bucket1"],
    "detail": {
        "version": "0",
        "bucket": {"name": "amzn-s3-demo-bucket1"},
        "object": {
            "key": "example-key",
            "size": 5,
            "etag": "b1946ac92492d2347c6235b4d2611184",
            "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
            "sequencer": "00617F08299329D189",
        },
        "request-id": "N4N7GDK58NMKJ12R",
        "requester": "123456789012",
        "source-ip-address": "1.2.3.4",
        "reason": "PutObject",
    },
}


def docs_created_change(**overrides: Any) -> ObjectChange:
    values: dict[str, Any] = {
        "bucket": "amzn-s3-demo-bucket1",
        "key": "example-key",
        "time": datetime(2021, 11, 12, tzinfo=UTC),
        "sequencer": "00617F08299329D189",
        "request_id": "N4N7GDK58NMKJ12R",
        "region": "ca-central-1",
        "account": "111122223333",
        "size": 5,
        "etag": "b1946ac92492d2347c6235b4d2611184",
        "version_id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
        "source_ip": "1.2.3.4",
    }
    values.update(overrides)
    return change(**values)


def test_eventbridge_object_created_matches_docs_sample_shape() -> None:
    event = eventbridge_event(docs_created_change(), "17793124-05d4-b198-2fde-7ededc63b103")
    expected_detail = {**DOCS_OBJECT_CREATED["detail"], "requester": "111122223333"}
    assert event == {**DOCS_OBJECT_CREATED, "detail": expected_detail}
    S3EventNotificationEventBridgeModel.model_validate(event)
    parsed = S3EventBridgeNotificationEvent(event)
    assert parsed.detail.bucket.name == "amzn-s3-demo-bucket1"
    assert parsed.detail.object.key == "example-key"


def test_eventbridge_key_is_not_url_encoded() -> None:
    event = eventbridge_event(docs_created_change(key="red flower.jpg"), "id")
    assert event["detail"]["object"]["key"] == "red flower.jpg"


@pytest.mark.parametrize(
    ("event_name", "deletion_type"),
    [
        ("ObjectRemoved:Delete", "Permanently Deleted"),
        ("ObjectRemoved:DeleteMarkerCreated", "Delete Marker Created"),
    ],
)
def test_eventbridge_object_deleted(event_name: str, deletion_type: str) -> None:
    event = eventbridge_event(docs_created_change(event_name=event_name, size=None), "id")
    assert event["detail-type"] == "Object Deleted"
    assert event["detail"]["reason"] == "DeleteObject"
    assert event["detail"]["deletion-type"] == deletion_type
    assert "size" not in event["detail"]["object"]
    S3EventNotificationEventBridgeModel.model_validate(event)


@pytest.mark.parametrize(
    ("event_name", "reason"),
    [
        ("ObjectCreated:Post", "POST Object"),
        ("ObjectCreated:Copy", "CopyObject"),
        ("ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload"),
    ],
)
def test_eventbridge_created_reasons(event_name: str, reason: str) -> None:
    event = eventbridge_event(docs_created_change(event_name=event_name), "id")
    assert event["detail"]["reason"] == reason
    assert "deletion-type" not in event["detail"]
