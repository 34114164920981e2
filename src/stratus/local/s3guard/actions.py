"""Which IAM actions an S3 request needs, on which resources (path-style requests).

Written from the S3 "actions, resources and condition keys" tables: an operation is known
by method + sub-resource query parameters + a few headers (x-amz-copy-source, x-amz-tagging).
A request that maps to nothing is refused by the guard rather than let through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.etree import ElementTree

from stratus.local.core.aws_request import AwsRequest


@dataclass
class Need:
    action: str
    resource: str
    context: dict[str, str | list[str]] = field(default_factory=dict)


class UnmappedRequestError(Exception):
    """The guard does not know which IAM action this S3 request needs."""


_BUCKET_GET = {
    "uploads": "s3:ListBucketMultipartUploads",
    "versions": "s3:ListBucketVersions",
    "location": "s3:GetBucketLocation",
    "cors": "s3:GetBucketCORS",
    "policy": "s3:GetBucketPolicy",
    "acl": "s3:GetBucketAcl",
    "tagging": "s3:GetBucketTagging",
    "notification": "s3:GetBucketNotification",
    "versioning": "s3:GetBucketVersioning",
    "website": "s3:GetBucketWebsite",
    "encryption": "s3:GetEncryptionConfiguration",
    "lifecycle": "s3:GetLifecycleConfiguration",
    "logging": "s3:GetBucketLogging",
    "object-lock": "s3:GetBucketObjectLockConfiguration",
    "ownershipControls": "s3:GetBucketOwnershipControls",
    "publicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "policyStatus": "s3:GetBucketPolicyStatus",
    "accelerate": "s3:GetAccelerateConfiguration",
    "requestPayment": "s3:GetBucketRequestPayment",
    "replication": "s3:GetReplicationConfiguration",
}
_BUCKET_PUT = {
    "cors": "s3:PutBucketCORS",
    "policy": "s3:PutBucketPolicy",
    "acl": "s3:PutBucketAcl",
    "tagging": "s3:PutBucketTagging",
    "notification": "s3:PutBucketNotification",
    "versioning": "s3:PutBucketVersioning",
    "website": "s3:PutBucketWebsite",
    "encryption": "s3:PutEncryptionConfiguration",
    "lifecycle": "s3:PutLifecycleConfiguration",
    "logging": "s3:PutBucketLogging",
    "ownershipControls": "s3:PutBucketOwnershipControls",
    "publicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
_BUCKET_DELETE = {
    "cors": "s3:PutBucketCORS",  # AWS: DeleteBucketCors is authorised by s3:PutBucketCORS
    "policy": "s3:DeleteBucketPolicy",
    "tagging": "s3:PutBucketTagging",  # likewise DeleteBucketTagging
    "website": "s3:DeleteBucketWebsite",
    "encryption": "s3:PutEncryptionConfiguration",
    "lifecycle": "s3:PutLifecycleConfiguration",
    "ownershipControls": "s3:PutBucketOwnershipControls",
    "publicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
_OBJECT_GET = {
    "tagging": "s3:GetObjectTagging",
    "acl": "s3:GetObjectAcl",
    "uploadId": "s3:ListMultipartUploadParts",
    "attributes": "s3:GetObjectAttributes",
    "retention": "s3:GetObjectRetention",
    "legal-hold": "s3:GetObjectLegalHold",
}
_OBJECT_PUT = {
    "tagging": "s3:PutObjectTagging",
    "acl": "s3:PutObjectAcl",
    "retention": "s3:PutObjectRetention",
    "legal-hold": "s3:PutObjectLegalHold",
}
_OBJECT_DELETE = {"tagging": "s3:DeleteObjectTagging", "uploadId": "s3:AbortMultipartUpload"}


def split_path(path: str) -> tuple[str, str]:
    """'/bucket/a/b.txt' -> ('bucket', 'a/b.txt'); the key stays exactly as decoded."""
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def _sub(request: AwsRequest, table: dict[str, str]) -> str | None:
    names = {k for k, _ in request.query}
    for name, action in table.items():
        if name in names:
            return action
    return None


def _bucket_needs(request: AwsRequest, bucket: str) -> list[Need]:
    arn = f"arn:aws:s3:::{bucket}"
    method = request.method
    if method == "GET":
        action = _sub(request, _BUCKET_GET)
        if action:
            return [Need(action, arn)]
        context: dict[str, str | list[str]] = {}
        for param, key in (
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ):
            value = request.query_value(param)
            if value is not None:
                context[key] = value
        return [Need("s3:ListBucket", arn, context)]
    if method == "HEAD":
        return [Need("s3:ListBucket", arn)]
    if method == "PUT":
        return [Need(_sub(request, _BUCKET_PUT) or "s3:CreateBucket", arn)]
    if method == "DELETE":
        return [Need(_sub(request, _BUCKET_DELETE) or "s3:DeleteBucket", arn)]
    if method == "POST" and request.query_value("delete") is not None:
        # DeleteObjects: AWS checks s3:DeleteObject per key (here: all keys or nothing).
        keys = _delete_keys(request.body)
        return [Need("s3:DeleteObject", f"{arn}/{key}") for key in keys] or [
            Need("s3:DeleteObject", f"{arn}/*")
        ]
    raise UnmappedRequestError(f"{method} on bucket {bucket}")


def _delete_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Key"]


def _object_needs(request: AwsRequest, bucket: str, key: str) -> list[Need]:
    arn = f"arn:aws:s3:::{bucket}/{key}"
    method = request.method
    versioned = request.query_value("versionId") is not None
    if method in ("GET", "HEAD"):
        action = _sub(request, _OBJECT_GET) if method == "GET" else None
        if action is None:
            action = "s3:GetObjectVersion" if versioned else "s3:GetObject"
        return [Need(action, arn)]
    if method == "PUT":
        action = _sub(request, _OBJECT_PUT)
        if action:
            return [Need(action, arn)]
        needs = [Need("s3:PutObject", arn)]
        source = request.headers.get("x-amz-copy-source")
        if source:  # CopyObject / UploadPartCopy: read the source too
            src = unquote(source.split("?versionId=")[0]).lstrip("/")
            needs.append(Need("s3:GetObject", f"arn:aws:s3:::{src}"))
        if request.headers.get("x-amz-tagging"):
            needs.append(Need("s3:PutObjectTagging", arn))
        return needs
    if method == "POST":
        if request.query_value("restore") is not None:
            return [Need("s3:RestoreObject", arn)]
        if request.query_value("select") is not None:
            return [Need("s3:GetObject", arn)]
        # CreateMultipartUpload (?uploads) and CompleteMultipartUpload (?uploadId=) -> PutObject
        return [Need("s3:PutObject", arn)]
    if method == "DELETE":
        action = _sub(request, _OBJECT_DELETE)
        if action is None:
            action = "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"
        return [Need(action, arn)]
    raise UnmappedRequestError(f"{method} on object {bucket}/{key}")


def needs_for(request: AwsRequest) -> list[Need]:
    """The (action, resource, extra context) checks this S3 request must pass."""
    bucket, key = split_path(request.path)
    if not bucket:
        if request.method == "GET":
            return [Need("s3:ListAllMyBuckets", "*")]
        raise UnmappedRequestError(f"{request.method} /")
    if key:
        return _object_needs(request, bucket, key)
    return _bucket_needs(request, bucket)
