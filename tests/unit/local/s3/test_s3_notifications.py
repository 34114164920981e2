"""S3 event notifications raised by moto's writes behind the front door (so the delete-marker
after-hooks run), recorded at the targets.

Rules pinned here: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
("s3:ObjectRemoved:Delete ... when an object is deleted or a versioned object is permanently
deleted"; "s3:ObjectRemoved:DeleteMarkerCreated ... when a delete marker is created for a
versioned object"), https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
(records), https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
(special characters in filter values are written URL-encoded) and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html (EventBridge flavour).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from event_rig import Endpoint, moto_endpoint, wait_for

from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Message
from stratus.local.s3guard import notifications
from stratus.local.s3guard.notifications import S3Notifier
from stratus.local.s3guard.service import S3Service

pytestmark = pytest.mark.anyio
QUEUE = "arn:aws:sqs:us-east-1:000000000000:s3-events"
BUS = "arn:aws:events:us-east-1:000000000000:event-bus/default"


@dataclass
class Recorder:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def send(self, arn: str, message: Message) -> None:
        self.sent.append((arn, json.loads(message.body)))

    def records(self) -> list[dict[str, Any]]:
        return [r for arn, body in self.sent if arn == QUEUE for r in body.get("Records", [])]

    def names(self) -> list[tuple[str, str, str | None]]:
        return [
            (r["eventName"], r["s3"]["object"]["key"], r["s3"]["object"].get("versionId"))
            for r in self.records()
        ]

    def bus_events(self) -> list[dict[str, Any]]:
        return [body for arn, body in self.sent if arn == BUS]


@dataclass
class Rig:
    s3: Any
    outbox: Outbox
    targets: Recorder

    def bucket(
        self,
        *,
        versioned: bool = False,
        rules: list[dict[str, str]] | None = None,
        eventbridge: bool = False,
    ) -> str:
        name = f"b-{uuid.uuid4().hex[:10]}"
        self.s3.create_bucket(Bucket=name)
        if versioned:
            self.s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        queue: dict[str, Any] = {
            "QueueArn": QUEUE,
            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        }
        if rules:
            queue["Filter"] = {"Key": {"FilterRules": rules}}
        config: dict[str, Any] = {"QueueConfigurations": [queue]}
        if eventbridge:
            config["EventBridgeConfiguration"] = {}
        self.s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=config)
        return name

    async def settled(self) -> None:
        await asyncio.sleep(0.02)
        await wait_for(lambda: self.outbox.idle)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    from moto.s3 import notifications as moto_notifications

    original = moto_notifications.send_event
    with moto_endpoint() as found:
        service = S3Service()
        found.hooks.add(list(service.hooks()))
        found.service = service  # type: ignore[attr-defined]
        yield found
    moto_notifications.send_event = original


@pytest.fixture
async def rig(endpoint: Endpoint) -> AsyncIterator[Rig]:
    outbox, targets = Outbox(), Recorder()
    outbox.bind(asyncio.get_running_loop())
    notifier = S3Notifier(outbox, targets)  # type: ignore[arg-type]
    endpoint.service.notifier = notifier  # type: ignore[attr-defined]
    notifications.install(notifier)
    yield Rig(endpoint.clients()("s3"), outbox, targets)
    await outbox.drain()


async def test_a_put_notifies_with_size_and_etag(rig: Rig) -> None:
    bucket = rig.bucket()
    rig.s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    await rig.settled()
    (record,) = rig.targets.records()
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == "5d41402abc4b2a76b9719d911017c592"
    assert "versionId" not in record["s3"]["object"]


async def test_deleting_from_a_versioned_bucket_creates_a_delete_marker_event(rig: Rig) -> None:
    bucket = rig.bucket(versioned=True)
    rig.s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"v1")
    answer = rig.s3.delete_object(Bucket=bucket, Key="doc.txt")
    await rig.settled()
    assert answer["DeleteMarker"] is True
    assert rig.targets.names()[1:] == [
        ("ObjectRemoved:DeleteMarkerCreated", "doc.txt", answer["VersionId"])
    ]
    marker = rig.targets.records()[1]["s3"]["object"]
    assert "size" not in marker and "eTag" not in marker


async def test_delete_objects_on_a_versioned_bucket_creates_one_event_per_marker(
    rig: Rig,
) -> None:
    bucket = rig.bucket(versioned=True)
    for key in ("a.txt", "b c.txt"):
        rig.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = rig.s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a.txt"}, {"Key": "b c.txt"}]}
    )
    await rig.settled()
    markers = {d["Key"]: d["DeleteMarkerVersionId"] for d in answer["Deleted"]}
    assert sorted(rig.targets.names()[2:]) == [
        ("ObjectRemoved:DeleteMarkerCreated", "a.txt", markers["a.txt"]),
        ("ObjectRemoved:DeleteMarkerCreated", "b+c.txt", markers["b c.txt"]),
    ]


async def test_deleting_one_version_notifies_its_permanent_deletion(rig: Rig) -> None:
    bucket = rig.bucket(versioned=True)
    first = rig.s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    rig.s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    rig.s3.delete_object(Bucket=bucket, Key="k", VersionId=first)
    await rig.settled()
    assert rig.targets.names()[2:] == [("ObjectRemoved:Delete", "k", first)]


async def test_deleting_the_last_version_notifies_that_version(rig: Rig) -> None:
    bucket = rig.bucket(versioned=True)
    only = rig.s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    rig.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": only}]})
    await rig.settled()
    assert rig.targets.names()[1:] == [("ObjectRemoved:Delete", "k", only)]


async def test_deleting_from_an_unversioned_bucket_notifies_delete(rig: Rig) -> None:
    bucket = rig.bucket()
    rig.s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    rig.s3.delete_object(Bucket=bucket, Key="k")
    rig.s3.put_object(Bucket=bucket, Key="m", Body=b"1")
    rig.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "m"}]})
    await rig.settled()
    names = rig.targets.names()
    assert [n for n in names if n[0].startswith("ObjectRemoved")] == [
        ("ObjectRemoved:Delete", "k", None),
        ("ObjectRemoved:Delete", "m", None),
    ]


async def test_eventbridge_gets_s3s_events_when_the_bucket_turns_it_on(rig: Rig) -> None:
    bucket = rig.bucket(versioned=True, eventbridge=True)
    rig.s3.put_object(Bucket=bucket, Key="red flower.jpg", Body=b"abc")
    rig.s3.delete_object(Bucket=bucket, Key="red flower.jpg")
    await rig.settled()
    created, deleted = rig.targets.bus_events()
    assert created["source"] == "aws.s3" and created["detail-type"] == "Object Created"
    assert created["detail"]["bucket"]["name"] == bucket
    assert created["detail"]["object"]["key"] == "red flower.jpg"  # not URL-encoded here
    assert created["detail"]["object"]["size"] == 3 and created["detail"]["reason"] == "PutObject"
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["deletion-type"] == "Delete Marker Created"
    assert created["resources"] == [f"arn:aws:s3:::{bucket}"]


async def test_no_eventbridge_event_without_its_configuration(rig: Rig) -> None:
    bucket = rig.bucket()
    rig.s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    await rig.settled()
    assert rig.targets.bus_events() == []


async def test_filter_values_match_the_url_encoded_key(rig: Rig) -> None:
    bucket = rig.bucket(
        rules=[{"Name": "prefix", "Value": "year%3D2026/"}, {"Name": "suffix", "Value": ".csv"}]
    )
    rig.s3.put_object(Bucket=bucket, Key="year=2026/sales.csv", Body=b"x")
    rig.s3.put_object(Bucket=bucket, Key="year=2026/sales.json", Body=b"x")
    rig.s3.put_object(Bucket=bucket, Key="year=2025/sales.csv", Body=b"x")
    await rig.settled()
    assert rig.targets.names() == [("ObjectCreated:Put", "year%3D2026/sales.csv", None)]


async def test_a_filter_value_written_unencoded_does_not_match_a_special_character(
    rig: Rig,
) -> None:
    bucket = rig.bucket(rules=[{"Name": "prefix", "Value": "year=2026/"}])
    rig.s3.put_object(Bucket=bucket, Key="year=2026/sales.csv", Body=b"x")
    await rig.settled()
    assert rig.targets.names() == []


async def test_copy_notifies_copy(rig: Rig) -> None:
    bucket = rig.bucket()
    rig.s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    rig.s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src")
    await rig.settled()
    assert rig.targets.names()[1:] == [("ObjectCreated:Copy", "dst", None)]
