"""Custom::S3BucketNotifications — the bucket's NotificationConfiguration, put into S3.

As aws-cdk's handler does (packages/@aws-cdk/custom-resource-handlers/lib/aws-s3/
notifications-resource-handler/index.py): with `Managed` (the default) the configuration
replaces the bucket's whole configuration and Delete clears it; an unmanaged (imported)
bucket keeps the notifications it had from elsewhere, ours being told apart by an Id
prefixed with the stack id. EventBridge's setting is kept if it was there.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stratus.local.cloudformation.custom.native import NativeCustomResource, is_true
from stratus.local.provision.provider import Attributes, ProviderContext

EVENTBRIDGE = "EventBridgeConfiguration"
KINDS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


class BucketNotificationsProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        self._put(ctx, "Create", props, {})
        return ctx.logical_id, {}

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        self._put(ctx, "Update", props, old.get("NotificationConfiguration") or {})
        return physical_id, {}

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        try:
            self._put(ctx, "Delete", props, {})
        except Exception as exc:
            if "NoSuchBucket" not in str(exc):
                raise

    def _put(
        self, ctx: ProviderContext, request: str, props: dict[str, Any], old: dict[str, Any]
    ) -> None:
        s3 = ctx.aws("s3")
        bucket = props["BucketName"]
        incoming = _api_shape(props.get("NotificationConfiguration") or {})
        if is_true(props.get("Managed"), True):
            config = {} if request == "Delete" else incoming
        else:
            config = _unmanaged(s3, bucket, ctx.stack_id, request, incoming, _api_shape(old))
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration=config,
            SkipDestinationValidation=True,
        )


def _api_shape(config: dict[str, Any]) -> dict[str, Any]:
    """Stringified CFN values back into the API's shape (EventBridge's `{}` stays `{}`)."""
    out = {k: v for k, v in config.items() if k in KINDS}
    if EVENTBRIDGE in config:
        out[EVENTBRIDGE] = config[EVENTBRIDGE] if isinstance(config[EVENTBRIDGE], dict) else {}
    return out


def _unmanaged(
    s3: Any,
    bucket: str,
    stack_id: str,
    request: str,
    incoming: dict[str, Any],
    old: dict[str, Any],
) -> dict[str, Any]:
    def get_id(n: dict[str, Any]) -> str:
        text = json.dumps({**n, "Id": ""}, sort_keys=True)
        text = text.replace('"Name": "prefix"', '"Name": "Prefix"').replace(
            '"Name": "suffix"', '"Name": "Suffix"'
        )
        return f"{stack_id}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    existing = s3.get_bucket_notification_configuration(Bucket=bucket)
    external: dict[str, Any] = {}
    for kind in KINDS:
        current = existing.get(kind) or []
        if request == "Update":
            old_ids = {get_id(n) for n in old.get(kind) or []}
            external[kind] = [n for n in current if get_id(n) not in old_ids]
        elif request == "Delete":
            external[kind] = [
                n for n in current if not str(n.get("Id", "")).startswith(f"{stack_id}-")
            ]
        else:
            external[kind] = list(current)
    if EVENTBRIDGE in existing:
        external[EVENTBRIDGE] = existing[EVENTBRIDGE]
    if request == "Delete":
        return external
    merged: dict[str, Any] = {
        kind: external.get(kind, []) + [{**n, "Id": get_id(n)} for n in incoming.get(kind) or []]
        for kind in KINDS
    }
    if EVENTBRIDGE in incoming:
        merged[EVENTBRIDGE] = incoming[EVENTBRIDGE]
    elif EVENTBRIDGE in external:
        merged[EVENTBRIDGE] = external[EVENTBRIDGE]
    return merged
