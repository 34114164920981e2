"""Buckets: the S3 buckets (Region, versioning, notifications, policy, object count), one
bucket's objects page by page, and one object's details with a download link.

Objects are listed with ListObjectsV2, Delimiter "/" for folders and the ContinuationToken
for the next page
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), never the whole
bucket. A key travels in the query string (`?key=`), never in the path: `..`, `%2F` or odd
bytes in it are just characters of a key, with no path to traverse. The download link is a
pre-signed GET against the local endpoint, valid five minutes
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.data import tokens, web
from stratus.local.console.data.dynamo import size_text
from stratus.local.console.layout import ConsoleError
from stratus.local.console.pages import Page

PAGE_SIZE = 25
MAX_BUCKETS = 200  # on the list page: each costs a few calls (location, settings, count)
COUNT_UP_TO = 1000  # "object count if cheap": one ListObjectsV2 page
DOWNLOAD_SECONDS = 300
MAX_KEY_BYTES = 1024  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _optional(call: Any, missing: str, **params: Any) -> Any:
    """A bucket setting, None when the bucket has none (S3 answers an error for that)."""
    try:
        return call(**params)
    except ClientError as exc:
        if (exc.response.get("Error") or {}).get("Code") == missing:
            return None
        raise


def _summary(s3: Any, name: str) -> dict[str, Any]:
    location = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status") or "Disabled"
    notes = s3.get_bucket_notification_configuration(Bucket=name)
    targets = [
        kind.removesuffix("Configurations")
        for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")
        if notes.get(kind)
    ] + (["EventBridge"] if "EventBridgeConfiguration" in notes else [])
    policy = _optional(s3.get_bucket_policy, "NoSuchBucketPolicy", Bucket=name)
    listed = s3.list_objects_v2(Bucket=name, MaxKeys=COUNT_UP_TO)
    count = f"{listed.get('KeyCount', 0)}{'+' if listed.get('IsTruncated') else ''}"
    return {
        "name": name,
        "region": str(location),
        "versioning": str(versioning),
        "notifications": targets,
        "policy": policy is not None,
        "count": count,
    }


def _list(console: ConsoleContext, region: str) -> tuple[list[dict[str, Any]], bool]:
    s3 = console.aws("s3")
    found = []
    listed = s3.list_buckets().get("Buckets") or []
    for bucket in listed[:MAX_BUCKETS]:
        try:
            summary = _summary(s3, str(bucket["Name"]))
        except ClientError:
            continue  # deleted while the page was read
        if not region or summary["region"] == region:
            found.append(summary)
    return found, len(listed) > MAX_BUCKETS


async def buckets(request: Request) -> Response:
    console = console_of(request)
    region = web.text(request, "region", 40)
    found, more = await asyncio.to_thread(_list, console, region)
    return web.page(
        request,
        "buckets/index.html",
        title="Buckets",
        active="buckets",
        buckets=found,
        region=region,
        more=more,
        limit=MAX_BUCKETS,
    )


def _bucket_name(request: Request) -> str:
    name = str(request.path_params["name"])
    if not _BUCKET.match(name):
        raise ConsoleError(404, "No bucket has that name.")
    return name


def _crumbs(prefix: str) -> list[tuple[str, str]]:
    """(label, prefix) for each folder of `prefix`: "a/b/" → ("a", "a/"), ("b", "a/b/")."""
    out: list[tuple[str, str]] = []
    parts = prefix.split("/")
    for index, part in enumerate(parts[:-1]):
        out.append((part or "/", "/".join(parts[: index + 1]) + "/"))
    if parts[-1]:
        out.append((parts[-1] + "…", prefix))
    return out


def _objects(console: ConsoleContext, params: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    s3 = console.aws("s3")
    answer = s3.list_objects_v2(**params)
    types: dict[str, str] = {}
    for item in answer.get("Contents") or []:
        try:
            head = s3.head_object(Bucket=params["Bucket"], Key=item["Key"])
            types[item["Key"]] = str(head.get("ContentType") or "")
        except ClientError:
            types[item["Key"]] = ""  # deleted since the listing
    return answer, types


async def bucket(request: Request) -> Response:
    console = console_of(request)
    name = _bucket_name(request)
    prefix = web.text(request, "prefix", MAX_KEY_BYTES)
    limit = web.number(request, "limit", PAGE_SIZE, 1, 100)
    try:
        pager = tokens.Pager.from_query(
            web.text(request, "page", tokens.MAX_TOKEN), request.query_params.get("trail")
        )
        continuation = tokens.opaque(tokens.unseal(pager.current))
    except tokens.TokenError as exc:
        raise ConsoleError(400, f"{exc}: open the bucket's first page again.") from None
    params: dict[str, Any] = {"Bucket": name, "Delimiter": "/", "MaxKeys": limit}
    if prefix:
        params["Prefix"] = prefix
    if continuation:
        params["ContinuationToken"] = continuation
    try:
        answer, types = await asyncio.to_thread(_objects, console, params)
    except ClientError as exc:
        raise web.aws_error(exc, f"Bucket {name}") from None
    base = f"{web.base(request)}/buckets/{web.segment(name)}"
    keep = {"prefix": prefix, "limit": limit if limit != PAGE_SIZE else ""}
    following = answer.get("NextContinuationToken")
    next_link = (
        web.link(base, {**keep, **pager.next(tokens.seal(str(following)))}) if following else None
    )
    back = pager.previous()
    folders = [str(p["Prefix"]) for p in answer.get("CommonPrefixes") or []]
    objects = [
        {
            "key": str(item["Key"]),
            "name": str(item["Key"])[len(prefix) :] or str(item["Key"]),
            "size": size_text(int(item.get("Size") or 0)),
            "modified": item.get("LastModified"),
            "type": types.get(item["Key"], ""),
        }
        for item in answer.get("Contents") or []
    ]
    return web.page(
        request,
        "buckets/bucket.html",
        title=name,
        active="buckets",
        name=name,
        prefix=prefix,
        crumbs=_crumbs(prefix),
        folders=folders,
        objects=objects,
        base_link=base,
        next_link=next_link,
        prev_link=web.link(base, {**keep, **back}) if back is not None else None,
        number=pager.number,
    )


_SIGNERS: dict[str, Any] = {}


def _signer(console: ConsoleContext) -> Any:
    """An S3 client that pre-signs with SigV4 (the local endpoint, like S3, refuses the
    older scheme boto3 would otherwise use for a pre-signed GET). No request is sent."""
    endpoint = console.settings.aws_endpoint
    if endpoint not in _SIGNERS:
        from botocore.config import Config

        from stratus.local.core.botocore_data import boto3_session
        from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY

        session = boto3_session(
            aws_access_key_id=ROOT_ACCESS_KEY_ID,
            aws_secret_access_key=ROOT_SECRET_ACCESS_KEY,
            region_name=console.settings.region,
        )
        config = Config(signature_version="s3v4", s3={"addressing_style": "path"})
        _SIGNERS[endpoint] = session.client("s3", endpoint_url=endpoint, config=config)
    return _SIGNERS[endpoint]


def _dot_segments(key: str) -> bool:
    """Whether the key has a `.` or `..` path segment: a browser resolves those in a URL's
    path (https://url.spec.whatwg.org/#double-dot-path-segment, `%2e` included), so a
    pre-signed URL would name another key and its signature would not match."""
    return any(
        part.lower() in (".", "..", "%2e", "%2e%2e", ".%2e", "%2e.") for part in key.split("/")
    )


def _object(console: ConsoleContext, name: str, key: str) -> tuple[dict[str, Any], str]:
    head = console.aws("s3").head_object(Bucket=name, Key=key)
    filename = (key.rsplit("/", 1)[-1] or "download")[:100]
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    if _dot_segments(key):
        return head, ""
    url = _signer(console).generate_presigned_url(
        "get_object",
        Params={
            "Bucket": name,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{safe}"',
        },
        ExpiresIn=DOWNLOAD_SECONDS,
    )
    return head, str(url)


async def object_page(request: Request) -> Response:
    console = console_of(request)
    name = _bucket_name(request)
    key = web.text(request, "key", 4 * MAX_KEY_BYTES)
    if not key or len(key.encode("utf-8", "replace")) > MAX_KEY_BYTES:
        raise ConsoleError(400, "An object key of 1 to 1,024 bytes is needed (?key=).")
    try:
        head, url = await asyncio.to_thread(_object, console, name, key)
    except ClientError as exc:
        raise web.aws_error(exc, f"Object {key[:200]}") from None
    folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    facts = [
        (
            "Size",
            f"{size_text(int(head.get('ContentLength') or 0))} "
            f"({int(head.get('ContentLength') or 0)} bytes)",
        ),
        ("Last modified", head.get("LastModified")),
        ("Content type", head.get("ContentType")),
        ("ETag", head.get("ETag")),
        ("Storage class", head.get("StorageClass") or "STANDARD"),
        ("Version", head.get("VersionId")),
        ("Cache-Control", head.get("CacheControl")),
        ("Content-Encoding", head.get("ContentEncoding")),
        ("Server-side encryption", head.get("ServerSideEncryption")),
    ]
    return web.page(
        request,
        "buckets/object.html",
        title=key[:80],
        active="buckets",
        name=name,
        key=key,
        folder=folder,
        crumbs=_crumbs(folder),
        facts=[(k, v) for k, v in facts if v not in (None, "")],
        metadata=sorted((head.get("Metadata") or {}).items()),
        url=url,
        expires=DOWNLOAD_SECONDS,
    )


PAGE = Page(
    "buckets",
    "Buckets",
    51,
    lambda console: [
        Route("/buckets", buckets, methods=["GET", "HEAD"]),
        Route("/buckets/{name}", bucket, methods=["GET", "HEAD"]),
        Route("/buckets/{name}/object", object_page, methods=["GET", "HEAD"]),
    ],
)
