"""S3 event notifications, raised where moto changes an object, sent as S3 sends them.

moto signals every object change from inside its models (`moto.s3.notifications.send_event`):
PUT (plain and pre-signed), browser POST, CopyObject, CompleteMultipartUpload, DeleteObject
and DeleteObjects — the write paths S3 notifies about. That one function is replaced here,
so the event leaves moto with the object's real size, ETag and version, and is delivered by
the local cloud instead of moto (moto would invoke Lambda through Docker and shape records
its own way): records as https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
shows, filtered by event type and key prefix/suffix, to Lambda (asynchronous invocation),
SQS, SNS, and to EventBridge when the bucket turns that on
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html).
moto does not signal a delete marker (DeleteObject on a versioned bucket without a version
id), and signals a deleted version only when it was the key's last; on versioned buckets the
after-hook `delete_marker_hook` raises `ObjectRemoved:DeleteMarkerCreated` and
`ObjectRemoved:Delete` (per version) from the response instead.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.front_door import CURRENT_CALL
from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Message, Targets
from stratus.local.events.shapes.s3 import (
    ObjectChange,
    Sequencer,
    configuration_matches,
    eventbridge_event,
    notification_event,
)

log = logging.getLogger("stratus.s3.notifications")


class S3Notifier:
    def __init__(self, outbox: Outbox, targets: Targets) -> None:
        self._outbox = outbox
        outbox.rebuilds("s3", self._rebuild)
        self._targets = targets
        self._sequencer = Sequencer()

    # Called by moto, in its request thread -----------------------------------------------
    def on_moto_event(self, account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        config = getattr(bucket, "notification_configuration", None)
        if config is None or key is None:
            return
        name = str(getattr(event_name, "value", event_name)).removeprefix("s3:")
        call = CURRENT_CALL.get()
        if call is not None and _inner_put(call.operation, name):
            return
        if call is not None and _version_delete(call.operation, name, bucket):
            return
        version = (
            getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None
        )
        etag = str(getattr(key, "etag", "") or "").strip('"') or None
        self.notify(
            account_id,
            bucket,
            name,
            str(key.name),
            size=getattr(key, "size", None),
            etag=etag,
            version_id=None if version in (None, "null") else str(version),
        )

    def notify(
        self,
        account_id: str,
        bucket: Any,
        event_name: str,
        key: str,
        *,
        size: int | None = None,
        etag: str | None = None,
        version_id: str | None = None,
    ) -> None:
        config = getattr(bucket, "notification_configuration", None)
        if config is None:
            return
        call = CURRENT_CALL.get()
        try:
            change = ObjectChange(
                event_name=event_name,
                bucket=str(bucket.name),
                key=key,
                time=datetime.now(UTC),
                sequencer=self._sequencer.next(key),
                request_id=secrets.token_hex(8).upper(),
                host_id=base64.b64encode(secrets.token_bytes(48)).decode(),
                region=str(getattr(bucket, "region_name", "us-east-1")),
                account=account_id,
                size=size,
                etag=etag,
                version_id=version_id,
                principal_id=_principal(call),
                bucket_owner=account_id,
                source_ip=call.request.client_host if call is not None else "127.0.0.1",
            )
        except ValueError:
            return  # an event type S3 does not notify about
        for entries in (config.cloud_function, config.queue, config.topic):
            for entry in entries:
                configuration = _as_configuration(entry)
                if configuration_matches(configuration, event_name, key):
                    body = json.dumps(notification_event(change, str(entry.id)))
                    self._send(str(entry.arn), body, f"S3 {event_name} {change.bucket}/{key}")
        if getattr(config, "event_bridge", None) is not None:
            event = eventbridge_event(change, str(uuid.uuid4()))
            bus = f"arn:aws:events:{change.region}:{account_id}:event-bus/default"
            self._send(bus, json.dumps(event), f"S3 {event_name} to EventBridge")

    def _send(self, arn: str, body: str, what: str) -> None:
        data = {"arn": arn, "body": body, "what": what}
        work, what = self._rebuild(data)
        self._outbox.submit(work, what, redo=("s3", data))

    def _rebuild(self, data: dict[str, Any]) -> tuple[Any, str]:
        targets, arn, body = self._targets, data["arn"], data["body"]
        return (lambda: targets.send(arn, Message(body=body))), str(data["what"])

    # After-hooks ---------------------------------------------------------------------------
    def delete_marker_hook(self, bucket_of: Callable[[str], Any]) -> Any:
        """DeleteObject / DeleteObjects on a versioned bucket: S3's DeleteMarkerCreated for a
        delete marker, ObjectRemoved:Delete (with its version id) for each version deleted.

        "s3:ObjectRemoved:Delete ... when an object is deleted or a versioned object is
        permanently deleted" (notification-how-to-event-types-and-destinations.html); moto
        signals nothing for a delete marker, and for a version only when it was the key's
        last one (naming the newest version), so both are raised here from the response.
        """

        async def after(call: AwsCall, response: Response) -> None:
            bucket = bucket_of(call.labels.get("Bucket", ""))
            if bucket is None or not getattr(bucket, "is_versioned", False):
                return  # moto signals deletes from unversioned buckets itself
            events: list[tuple[str, str, str | None]] = []
            if call.operation == "DeleteObject":
                key = call.labels.get("Key", "")
                version = call.request.query_value("versionId")
                if version:
                    events.append(("ObjectRemoved:Delete", key, version))
                elif response.headers.get("x-amz-delete-marker") == "true":
                    marker = response.headers.get("x-amz-version-id")
                    events.append(("ObjectRemoved:DeleteMarkerCreated", key, marker))
            else:
                events.extend(_deletions_in(bytes(response.body)))
            if not events:
                return
            token = CURRENT_CALL.set(call)
            try:
                for event_name, key, version in events:
                    self.notify(
                        str(getattr(bucket, "account_id", "")) or "000000000000",
                        bucket,
                        event_name,
                        key,
                        version_id=version,
                    )
            finally:
                CURRENT_CALL.reset(token)

        return after


def _inner_put(operation: str | None, event_name: str) -> bool:
    """moto stores a completed multipart upload with its own put, which signals a Put too;
    S3 sends only ObjectCreated:CompleteMultipartUpload for it."""
    return operation == "CompleteMultipartUpload" and event_name == "ObjectCreated:Put"


def _version_delete(operation: str | None, event_name: str, bucket: Any) -> bool:
    """moto's own ObjectRemoved:Delete inside a delete on a versioned bucket: the after-hook
    reports each deleted version instead (moto's names the wrong one, or none at all)."""
    return (
        operation in ("DeleteObject", "DeleteObjects")
        and event_name == "ObjectRemoved:Delete"
        and bool(getattr(bucket, "is_versioned", False))
    )


def _deletions_in(body: bytes) -> list[tuple[str, str, str | None]]:
    """(event name, key, version id) for each entry of a DeleteObjects result: a version
    deleted (VersionId) or a delete marker created (DeleteMarkerVersionId)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    found: list[tuple[str, str, str | None]] = []
    for deleted in root.iter():
        if deleted.tag.rsplit("}", 1)[-1] != "Deleted":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in deleted}
        key = fields.get("Key", "")
        if fields.get("VersionId"):
            found.append(("ObjectRemoved:Delete", key, fields["VersionId"]))
        elif fields.get("DeleteMarker") == "true":
            found.append(
                ("ObjectRemoved:DeleteMarkerCreated", key, fields.get("DeleteMarkerVersionId"))
            )
    return found


def _as_configuration(entry: Any) -> dict[str, Any]:
    """moto's Notification as the API's configuration ({Events, Filter.Key.FilterRules})."""
    rules = (entry.filters or {}).get("S3Key", {}).get("FilterRule", [])
    if isinstance(rules, dict):
        rules = [rules]
    return {
        "Events": list(entry.events),
        "Filter": {
            "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
        },
    }


def _principal(call: AwsCall | None) -> str:
    key = call.request.access_key_id if call is not None else None
    return f"AWS:{key}" if key else "Anonymous"


def install(notifier: S3Notifier) -> None:
    """Route moto's object-change signal to `notifier` (replaces moto's own delivery)."""
    from moto.s3 import notifications

    notifications.send_event = notifier.on_moto_event
