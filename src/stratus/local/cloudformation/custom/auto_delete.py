"""Custom::S3AutoDeleteObjects (a bucket's `autoDeleteObjects: true`), as aws-cdk's handler
does (packages/@aws-cdk/custom-resource-handlers/lib/aws-s3/auto-delete-objects-handler/
index.ts): on Delete, empty the bucket — every version and delete marker — if it is still
tagged `aws-cdk:auto-delete-objects=true`, so the bucket itself can be deleted after it. A
renamed bucket is a new physical id (the old one gets its Delete)."""

from __future__ import annotations

from typing import Any

from stratus.local.cloudformation.custom.native import NativeCustomResource
from stratus.local.provision.provider import Attributes, ProviderContext, error_code, log

TAG = "aws-cdk:auto-delete-objects"


class AutoDeleteObjectsProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return f"{ctx.stack}-{ctx.logical_id}-{ctx.short_id(8)}", {}

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        # CDK answers the new bucket name, so a renamed bucket's old resource gets a Delete
        # (and is emptied); with the same name the id is kept here, or that Delete would empty
        # the bucket still in use.
        renamed = props.get("BucketName") and props.get("BucketName") != old.get("BucketName")
        return (str(props["BucketName"]) if renamed else physical_id), {}

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        bucket = props.get("BucketName")
        if not bucket:
            raise ValueError("No BucketName was provided.")
        s3 = ctx.aws("s3")
        try:
            tags = s3.get_bucket_tagging(Bucket=bucket).get("TagSet") or []
            if not any(t["Key"] == TAG and t["Value"] == "true" for t in tags):
                log.info("bucket %s has no %s tag; not emptied", bucket, TAG)
                return
            empty_bucket(s3, bucket)
        except Exception as exc:
            if error_code(exc) in ("NoSuchBucket", "NoSuchTagSet"):
                return
            raise


def empty_bucket(s3: Any, bucket: str) -> None:
    while True:
        listed = s3.list_object_versions(Bucket=bucket)
        records = [
            {"Key": r["Key"], "VersionId": r["VersionId"]}
            for r in (listed.get("Versions") or []) + (listed.get("DeleteMarkers") or [])
        ]
        if not records:
            return
        s3.delete_objects(Bucket=bucket, Delete={"Objects": records[:1000]})
