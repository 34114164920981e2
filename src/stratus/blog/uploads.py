"""Photo uploads for authors: a pre-signed POST to the upload bucket, then the pipeline's outcome.

Why a POST policy rather than a pre-signed PUT: the policy lets S3 itself refuse what the
API would otherwise have to trust the browser with — a body over the pipeline's size limit
(`content-length-range`), another Content-Type, another key, or a late upload (the policy's
expiration). See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html.

The key is `photos/<uuid hex>.<ext>`, made here: the client's filename only suggests the
alt text, so it can never pick, overwrite or escape a key. The pipeline writes the variants
to `photos/<id>/<width>.<ext>` in the photo bucket, which the distribution serves under the
same path; `status` reports `processing`, `ready` (with the variants meta.json lists) or
`rejected` (the reason the pipeline tagged on the original).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from stratus.runtime.errors import NotFoundError, ValidationError

UPLOAD_PREFIX = "photos/"
URL_TTL_SECONDS = 300  # long enough to send a 25 MB photo on a slow line, short enough to leak
# What the pipeline decodes (stratus.blog.photos.decode.ACCEPTED), by the type a browser sends.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/avif": "avif"}
STATUS_TAG = "photo-status"  # stratus.blog.photos.store.TAG_STATUS (the bundle has both)
REASON_TAG = "photo-reason"
DETAIL_TAG = "photo-detail"
META_NAME = "meta.json"
_NAME = re.compile(r"^(?P<id>[0-9a-f]{32})\.(?P<ext>jpg|png|webp|avif)$")
_ALT_JUNK = re.compile(r"[\W_]+", re.UNICODE)
_NOT_FOUND = ("404", "NoSuchKey", "NotFound")


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=255)]
    contentType: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100)]
    size: int = Field(strict=True, ge=1)


class UploadTicket(BaseModel):
    """Where and how to POST the file, and where its variants will be once processed."""

    id: str
    key: str
    name: str  # `<id>.<ext>`: GET /api/uploads/{name} reports the pipeline's outcome
    url: str
    fields: dict[str, str]
    method: Literal["POST"] = "POST"
    expiresIn: int
    maxBytes: int
    alt: str
    variants: dict[str, str]  # format -> URL template with `{width}` (site-relative)


class Variant(BaseModel):
    width: int
    height: int
    format: str
    url: str


class UploadStatus(BaseModel):
    id: str
    status: Literal["processing", "ready", "rejected"]
    reason: str | None = None
    detail: str | None = None
    width: int | None = None
    height: int | None = None
    alt: str | None = None
    variants: list[Variant] = Field(default_factory=list)


def photo_path(photo_id: str, width: int | str, ext: str) -> str:
    """A variant's path on the site (the distribution's `/photos/*` behaviour)."""
    return f"/{UPLOAD_PREFIX}{photo_id}/{width}.{ext}"


def alt_from_filename(filename: str) -> str:
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    return _ALT_JUNK.sub(" ", stem).strip()[:120] or "photo"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class PhotoUploads:
    def __init__(
        self,
        s3: Any,
        *,
        upload_bucket: str,
        photo_bucket: str,
        max_bytes: int,
        formats: tuple[str, ...] = ("jpg", "webp", "avif"),
        ids: Callable[[], str] = lambda: uuid.uuid4().hex,
        ttl_seconds: int = URL_TTL_SECONDS,
    ) -> None:
        self._s3 = s3
        self._upload_bucket = upload_bucket
        self._photo_bucket = photo_bucket
        self._max_bytes = max_bytes
        self._formats = formats
        self._ids = ids
        self._ttl = ttl_seconds

    def presign(self, request: UploadRequest) -> UploadTicket:
        ext = EXTENSIONS.get(request.contentType.strip().lower())
        if ext is None:
            raise ValidationError(
                f"contentType must be one of {', '.join(sorted(EXTENSIONS))}", field="contentType"
            )
        if request.size > self._max_bytes:
            raise ValidationError(f"size must be at most {self._max_bytes} bytes", field="size")
        content_type = request.contentType.strip().lower()
        photo_id = self._ids()
        key = f"{UPLOAD_PREFIX}{photo_id}.{ext}"
        post = self._s3.generate_presigned_post(
            Bucket=self._upload_bucket,
            Key=key,  # botocore adds the exact {"key": key} condition for a literal key
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, self._max_bytes],
            ],
            ExpiresIn=self._ttl,
        )
        return UploadTicket(
            id=photo_id,
            key=key,
            name=f"{photo_id}.{ext}",
            url=post["url"],
            fields=post["fields"],
            expiresIn=self._ttl,
            maxBytes=self._max_bytes,
            alt=alt_from_filename(request.filename),
            variants={fmt: photo_path(photo_id, "{width}", fmt) for fmt in self._formats},
        )

    def status(self, name: str) -> UploadStatus:
        match = _NAME.match(name)
        if match is None:
            raise ValidationError("name must be an upload's `<id>.<ext>`", field="name")
        photo_id = match["id"]
        meta = self._meta(photo_id)
        if meta is not None:
            return self._ready(photo_id, meta)
        try:
            tags = self._s3.get_object_tagging(
                Bucket=self._upload_bucket, Key=f"{UPLOAD_PREFIX}{name}"
            )["TagSet"]
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise NotFoundError(f"no upload named {name}") from None
            raise
        found = {str(t.get("Key")): str(t.get("Value")) for t in tags}
        if found.get(STATUS_TAG) == "rejected":
            return UploadStatus(
                id=photo_id,
                status="rejected",
                reason=found.get(REASON_TAG),
                detail=found.get(DETAIL_TAG),
            )
        return UploadStatus(id=photo_id, status="processing")

    def _meta(self, photo_id: str) -> dict[str, Any] | None:
        try:
            body = self._s3.get_object(
                Bucket=self._photo_bucket, Key=f"{UPLOAD_PREFIX}{photo_id}/{META_NAME}"
            )["Body"].read()
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise
        value = json.loads(body)
        return value if isinstance(value, dict) else None

    def _ready(self, photo_id: str, meta: dict[str, Any]) -> UploadStatus:
        variants = [
            Variant(
                width=int(v["width"]),
                height=int(v["height"]),
                format=str(v["format"]),
                url=photo_path(photo_id, int(v["width"]), str(v["format"])),
            )
            for v in meta.get("variants", [])
            if v.get("kind") == "width"
        ]
        alt = (meta.get("alt") or {}).get("text")
        return UploadStatus(
            id=photo_id,
            status="ready",
            width=meta.get("width"),
            height=meta.get("height"),
            alt=alt if isinstance(alt, str) and alt else None,
            variants=sorted(variants, key=lambda v: (v.format, -v.width)),
        )
