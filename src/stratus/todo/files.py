"""UserFiles: each user's own S3 folder `<sub>/`, reached only through pre-signed URLs.

Every key is built as `<caller sub>/<name>` from the *verified* `sub` claim, never from the
client's input alone. That is why a name that merely looks like another user's folder
(`<other-sub>/x.txt`) is harmless: it becomes `<my-sub>/<other-sub>/x.txt`, still inside the
caller's folder. What could escape or confuse is rejected (400 naming `name`): `..`/`.`
segments, absolute paths, backslashes, control characters, empty segments (`a//b`, trailing
`/`) and keys over S3's 1024-byte limit.

Uploads use a pre-signed POST whose policy pins the exact key, the Content-Type and
`content-length-range` [size, size], so S3 itself refuses any other size or type.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from stratus.runtime.errors import NotFoundError, ValidationError
from stratus.todo.domain import (
    Clock,
    DownloadUrl,
    FileItem,
    FilePage,
    UploadRequest,
    UploadUrl,
    iso,
)

MAX_KEY_BYTES = 1024  # S3's limit for an object key
MAX_URL_TTL_SECONDS = 900
# RFC 6838 type/subtype names; parameters are not allowed (the policy matches exactly).
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_MIME = re.compile(rf"^{_TOKEN}/{_TOKEN}$")


def _bad_name(reason: str) -> ValidationError:
    return ValidationError(f"name {reason}", field="name")


def object_key(sub: str, name: str) -> str:
    """`<sub>/<name>` after checking `name` cannot leave the caller's folder."""
    if not name:
        raise _bad_name("must not be empty")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in name):
        raise _bad_name("must not contain control characters")
    if "\\" in name:
        raise _bad_name("must not contain backslashes")
    if name.startswith("/"):
        raise _bad_name("must be relative (no leading '/')")
    for segment in name.split("/"):
        if segment == "":
            raise _bad_name("must not contain empty path segments")
        if segment in (".", ".."):
            raise _bad_name("must not contain '.' or '..' segments")
    key = f"{sub}/{name}"
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise _bad_name("must be valid UTF-8") from None
    if size > MAX_KEY_BYTES:
        raise _bad_name(f"is too long (the key may be at most {MAX_KEY_BYTES} bytes)")
    return key


class UserFiles:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        *,
        clock: Clock,
        max_upload_bytes: int,
        url_ttl_seconds: int = MAX_URL_TTL_SECONDS,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._clock = clock
        self._max_bytes = max_upload_bytes
        self._ttl = min(url_ttl_seconds, MAX_URL_TTL_SECONDS)

    def _expires_at(self) -> str:
        return iso(self._clock() + timedelta(seconds=self._ttl))

    def upload_url(self, sub: str, request: UploadRequest) -> UploadUrl:
        key = object_key(sub, request.name)
        if not _MIME.match(request.content_type):
            raise ValidationError(
                "content_type must be a MIME type like image/png", field="content_type"
            )
        if not 1 <= request.size <= self._max_bytes:
            raise ValidationError(f"size must be 1..{self._max_bytes} bytes", field="size")
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,  # botocore adds the exact {"key": key} condition for a literal key
            Fields={"Content-Type": request.content_type},
            Conditions=[
                {"Content-Type": request.content_type},
                ["content-length-range", request.size, request.size],
            ],
            ExpiresIn=self._ttl,
        )
        return UploadUrl(
            key=key, url=post["url"], fields=post["fields"], expires_at=self._expires_at()
        )

    def list(self, sub: str, *, limit: int, token: str | None = None) -> FilePage:
        """One page of the caller's files; `next` is S3's raw continuation token (the API
        wraps it in a user-bound cursor)."""
        prefix = f"{sub}/"
        request: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": limit}
        if token:
            request["ContinuationToken"] = token
        result = self._s3.list_objects_v2(**request)
        items = [
            FileItem(
                name=obj["Key"][len(prefix) :],
                size=obj["Size"],
                last_modified=iso(obj["LastModified"]),
                etag=obj.get("ETag", ""),
            )
            for obj in result.get("Contents", [])
        ]
        more = result.get("IsTruncated") and result.get("NextContinuationToken")
        return FilePage(items=items, next=more or None)

    def _exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def download_url(self, sub: str, name: str) -> DownloadUrl:
        key = object_key(sub, name)
        if not self._exists(key):
            raise NotFoundError("file not found")
        url = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._ttl
        )
        return DownloadUrl(url=url, expires_at=self._expires_at())

    def delete(self, sub: str, name: str) -> None:
        key = object_key(sub, name)
        if not self._exists(key):
            raise NotFoundError("file not found")
        self._s3.delete_object(Bucket=self._bucket, Key=key)
