"""S3 event notifications (to Lambda, SQS, SNS) and S3's EventBridge events, as S3 sends them.

Notification records: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
(eventVersion 2.1, eventTime with milliseconds, the object key URL-encoded, `sequencer` a hex
string that grows per key, no size/eTag on removals). Filters and event-name wildcards:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html.
EventBridge flavour: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from stratus.local.events.shapes.common import iso_millis, iso_seconds

EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # MD5 of no bytes, as S3 reports on deletes
# eventName → (EventBridge detail-type, detail.reason, detail.deletion-type)
EVENT_NAMES: dict[str, tuple[str, str, str | None]] = {
    "ObjectCreated:Put": ("Object Created", "PutObject", None),
    "ObjectCreated:Post": ("Object Created", "POST Object", None),
    "ObjectCreated:Copy": ("Object Created", "CopyObject", None),
    "ObjectCreated:CompleteMultipartUpload": (
        "Object Created",
        "CompleteMultipartUpload",
        None,
    ),
    "ObjectRemoved:Delete": ("Object Deleted", "DeleteObject", "Permanently Deleted"),
    "ObjectRemoved:DeleteMarkerCreated": (
        "Object Deleted",
        "DeleteObject",
        "Delete Marker Created",
    ),
}


def encode_key(key: str) -> str:
    """The key as notification records carry it: URL-encoded, a space as `+`, `/` kept.

    The docs: "The s3 key provides information about the bucket and object involved in the
    event. The object key name value is URL encoded. For example, "red flower.jpg" becomes
    "red+flower.jpg"".
    """
    return quote_plus(key, safe="/")


class Sequencer:
    """Per-key increasing `sequencer` values: fixed-width upper-case hex, as S3 emits.

    S3 says only that for one key a later event has a greater sequencer (compared as hex
    strings of equal length); one counter shared by all keys satisfies that.
    """

    def __init__(self, start: int = 0x0055AED6DCD9000000) -> None:
        self._counter = itertools.count(start + 1)

    def next(self, key: str) -> str:
        return f"{next(self._counter):018X}"


@dataclass(frozen=True)
class ObjectChange:
    """One change to one object, the facts both notification flavours are built from."""

    event_name: str  # e.g. "ObjectCreated:Put"
    bucket: str
    key: str
    time: datetime
    sequencer: str
    request_id: str
    host_id: str  # x-amz-id-2
    region: str = "us-east-1"
    account: str = "123456789012"
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    principal_id: str = "AWS:AIDAJDPLRKLG7UEXAMPLE"
    bucket_owner: str = "A3NL1KOZZKExample"
    source_ip: str = "127.0.0.1"

    def __post_init__(self) -> None:
        if self.event_name not in EVENT_NAMES:
            raise ValueError(f"Unknown S3 event name: {self.event_name}")


def notification_record(change: ObjectChange, configuration_id: str) -> dict[str, Any]:
    """One `Records[]` entry of an S3 notification."""
    obj: dict[str, Any] = {"key": encode_key(change.key)}
    if change.event_name.startswith("ObjectCreated:"):
        obj["size"] = change.size or 0
        obj["eTag"] = change.etag or EMPTY_ETAG
    if change.version_id is not None:
        obj["versionId"] = change.version_id
    obj["sequencer"] = change.sequencer
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": change.region,
        "eventTime": iso_millis(change.time),
        "eventName": change.event_name,
        "userIdentity": {"principalId": change.principal_id},
        "requestParameters": {"sourceIPAddress": change.source_ip},
        "responseElements": {
            "x-amz-request-id": change.request_id,
            "x-amz-id-2": change.host_id,
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": change.bucket,
                "ownerIdentity": {"principalId": change.bucket_owner},
                "arn": f"arn:aws:s3:::{change.bucket}",
            },
            "object": obj,
        },
    }


def notification_event(change: ObjectChange, configuration_id: str) -> dict[str, Any]:
    """The whole message: S3 sends one record per notification."""
    return {"Records": [notification_record(change, configuration_id)]}


def event_type_matches(configured: str, event_name: str) -> bool:
    """`s3:ObjectCreated:*` covers every ObjectCreated:...; otherwise names must be equal."""
    wanted = configured.removeprefix("s3:")
    if wanted.endswith(":*"):
        return event_name.startswith(wanted[:-1])
    return wanted == event_name


def configuration_matches(configuration: Mapping[str, Any], event_name: str, key: str) -> bool:
    """Whether one notification configuration (Events + Filter.Key.FilterRules) fires.

    Filter values are compared with the URL-encoded key: "you must enter [special characters]
    in URL-encoded (percent-encoded) format" (notification-how-to-filtering.html).
    """
    if not any(event_type_matches(e, event_name) for e in configuration.get("Events", [])):
        return False
    encoded = encode_key(key)
    rules = configuration.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    for rule in rules:
        name, value = str(rule.get("Name", "")).lower(), str(rule.get("Value", ""))
        if name == "prefix" and not encoded.startswith(value):
            return False
        if name == "suffix" and not encoded.endswith(value):
            return False
    return True


def eventbridge_event(change: ObjectChange, event_id: str) -> dict[str, Any]:
    """The event S3 puts on the default bus when EventBridge notifications are on.

    Unlike notification records, the key here is not URL-encoded.
    """
    detail_type, reason, deletion_type = EVENT_NAMES[change.event_name]
    obj: dict[str, Any] = {"key": change.key}
    if change.event_name.startswith("ObjectCreated:"):
        obj["size"] = change.size or 0
    obj["etag"] = change.etag or EMPTY_ETAG
    if change.version_id is not None:
        obj["version-id"] = change.version_id
    obj["sequencer"] = change.sequencer
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": change.bucket},
        "object": obj,
        "request-id": change.request_id,
        "requester": change.account,
        "source-ip-address": change.source_ip,
        "reason": reason,
    }
    if deletion_type:
        detail["deletion-type"] = deletion_type
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": change.account,
        "time": iso_seconds(change.time),
        "region": change.region,
        "resources": [f"arn:aws:s3:::{change.bucket}"],
        "detail": detail,
    }
