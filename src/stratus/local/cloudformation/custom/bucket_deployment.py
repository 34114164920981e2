"""Custom::CDKBucketDeployment — asset contents into a bucket, as `aws s3 sync` would.

Follows aws-cdk's handler (packages/@aws-cdk/custom-resource-handlers/lib/aws-s3-deployment/
bucket-deployment-handler/index.py): each source (an asset of the cloud assembly, found by
its S3 object key; else an object of a local bucket) is a zip that is extracted — or, with
`Extract: false`, copied as is — with its markers replaced; the files go under the
destination prefix with the system metadata (content type guessed from the name unless
given, cache control, ...) and user metadata; `Prune` deletes what the sources no longer
have (but never what Exclude/Include filter out); Delete empties the prefix unless
`RetainOnDelete`; a `DistributionId` asks for an invalidation (recorded through a callback).
"""

from __future__ import annotations

import fnmatch
import io
import json
import mimetypes
import zipfile
from pathlib import Path
from typing import Any

from stratus.local.cloudformation.custom.native import NativeCustomResource, is_true
from stratus.local.provision.provider import Attributes, ProviderContext, log

OWNER_TAG = "aws-cdk:cr-owned"
# `aws s3 cp/sync --<option>` -> put_object parameter.
_SYSTEM_METADATA = {
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "content-encoding": "ContentEncoding",
    "content-language": "ContentLanguage",
    "content-type": "ContentType",
    "expires": "Expires",
    "sse": "ServerSideEncryption",
    "sse-kms-key-id": "SSEKMSKeyId",
    "storage-class": "StorageClass",
    "website-redirect": "WebsiteRedirectLocation",
    "acl": "ACL",
}


class BucketDeploymentProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        physical_id = f"aws.cdk.s3deployment.{ctx.short_id(32)}"
        return physical_id, self._deploy(ctx, physical_id, props)

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        retain = is_true(props.get("RetainOnDelete"), True)
        old_dest = (old.get("DestinationBucketName", ""), old.get("DestinationBucketKeyPrefix", ""))
        new_dest = (props["DestinationBucketName"], props.get("DestinationBucketKeyPrefix", ""))
        if not retain and old_dest[0] and old_dest != new_dest:
            _remove_prefix(ctx.aws("s3"), *old_dest)
        return physical_id, self._deploy(ctx, physical_id, props)

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        if is_true(props.get("RetainOnDelete"), True):
            return
        bucket, prefix = props["DestinationBucketName"], _prefix(props)
        s3 = ctx.aws("s3")
        if not _bucket_owned(s3, bucket, prefix):
            _remove_prefix(s3, bucket, prefix)
        self._invalidate(ctx, props)

    def _deploy(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> Attributes:
        s3 = ctx.aws("s3")
        bucket, prefix = props["DestinationBucketName"], _prefix(props)
        names = _as_list(props.get("SourceBucketNames"))
        keys = _as_list(props.get("SourceObjectKeys"))
        markers = props.get("SourceMarkers") or [{} for _ in keys]
        extract = is_true(props.get("Extract"), True)
        files: dict[str, bytes] = {}
        for name, key, marker in zip(names, keys, markers, strict=False):
            archive = _source(ctx, s3, name, key)
            if extract:
                files.update(_extract(archive, marker or {}))
            else:
                files[key.rsplit("/", 1)[-1]] = archive
        exclude, include = _as_list(props.get("Exclude")), _as_list(props.get("Include"))
        params = _metadata(props.get("UserMetadata") or {}, props.get("SystemMetadata") or {})
        for relative, body in sorted(files.items()):
            if not _selected(relative, exclude, include):
                continue
            extra = dict(params)
            if "ContentType" not in extra:
                guessed = mimetypes.guess_type(relative)[0]
                if guessed:
                    extra["ContentType"] = guessed
            s3.put_object(Bucket=bucket, Key=prefix + relative, Body=body, **extra)
        if is_true(props.get("Prune"), True):
            wanted = {prefix + r for r in files}
            for key in _keys(s3, bucket, prefix):
                if key not in wanted and _selected(key[len(prefix) :], exclude, include):
                    s3.delete_object(Bucket=bucket, Key=key)
        self._invalidate(ctx, props)
        output_keys = is_true(props.get("OutputObjectKeys"), True)
        return {
            "DestinationBucketArn": props.get("DestinationBucketArn"),
            "SourceObjectKeys": keys if output_keys else [],
        }

    @staticmethod
    def _invalidate(ctx: ProviderContext, props: dict[str, Any]) -> None:
        distribution = props.get("DistributionId")
        if not distribution:
            return
        default = "/" + _prefix(props).strip("/")
        default = (default.rstrip("/") + "/*") if default != "/" else "/*"
        paths = _as_list(props.get("DistributionPaths")) or [default]
        if ctx.services is not None and ctx.services.on_invalidation is not None:
            ctx.services.on_invalidation(str(distribution), paths)
        else:
            log.info(
                "%s/%s: invalidation of %s %s not recorded (no edge)",
                ctx.stack,
                ctx.logical_id,
                distribution,
                paths,
            )


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _prefix(props: dict[str, Any]) -> str:
    prefix = str(props.get("DestinationBucketKeyPrefix") or "")
    if prefix == "/":
        return ""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _source(ctx: ProviderContext, s3: Any, bucket: str, key: str) -> bytes:
    """An asset's bytes: from the cloud assembly by object key, else from a local bucket."""
    asset = ctx.assets.get(key)
    if asset is not None and ctx.assembly_dir is not None:
        path = Path(asset) if Path(asset).is_absolute() else ctx.assembly_dir / asset
        if path.is_dir():
            return _zip_dir(path)
        return path.read_bytes()
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _zip_dir(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def _extract(archive: bytes, markers: dict[str, str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                out[info.filename] = _replace_markers(zf.read(info), markers)
    return out


def _replace_markers(body: bytes, markers: dict[str, str]) -> bytes:
    """Marker tokens (deploy-time values) replaced; in JSON only inside string values."""
    if not markers:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        for token, value in markers.items():
            body = body.replace(token.encode(), str(value).encode())
        return body

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            for token, value in markers.items():
                node = node.replace(token, str(value))
            return node
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node

    return json.dumps(walk(document)).encode()


def _selected(relative: str, exclude: list[str], include: list[str]) -> bool:
    """`aws s3 sync` filters: everything is in, later --exclude/--include win; the CDK
    passes every Exclude before every Include."""
    chosen = True
    for pattern in exclude:
        if fnmatch.fnmatchcase(relative, pattern):
            chosen = False
    for pattern in include:
        if fnmatch.fnmatchcase(relative, pattern):
            chosen = True
    return chosen


def _metadata(user: dict[str, Any], system: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in system.items():
        name = _SYSTEM_METADATA.get(str(key).lower())
        if name is not None:
            params[name] = value
    if user:
        params["Metadata"] = {str(k).lower(): str(v) for k, v in user.items()}
    return params


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents") or [])
    return keys


def _remove_prefix(s3: Any, bucket: str, prefix: str) -> None:
    try:
        keys = _keys(s3, bucket, _prefix({"DestinationBucketKeyPrefix": prefix}))
    except Exception as exc:
        if "NoSuchBucket" in str(exc):
            return
        raise
    for start in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch})


def _bucket_owned(s3: Any, bucket: str, prefix: str) -> bool:
    """Another deployment owns this bucket (prefix): its content is not ours to remove."""
    tag = OWNER_TAG + (f":{prefix}" if prefix else "")
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except Exception:
        return False
    return any(t["Key"].startswith(tag) for t in tags)
