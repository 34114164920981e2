"""The pipeline's S3 side: read the original, write variants and meta.json, tag outcomes.

- The original's size is read from HeadObject first: an oversized upload is rejected
  without downloading it.
- Variants are written in parallel with `Cache-Control: public, max-age=31536000,
  immutable` and their Content-Type; meta.json is written last, so its presence means
  every variant is there.
- The outcome is recorded on the original as object tags (`photo-status`, `photo-reason`,
  `photo-detail`), merged with the tags the author set. Tagging is no ObjectCreated event,
  so it never runs the pipeline again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stratus.blog.photos.config import CACHE_CONTROL
from stratus.blog.photos.errors import PhotoRejected, Reason
from stratus.blog.photos.pipeline import META_NAME, stem_of
from stratus.blog.photos.variants import Encoded

TAG_STATUS = "photo-status"
TAG_REASON = "photo-reason"
TAG_DETAIL = "photo-detail"
_OUR_TAGS = frozenset({TAG_STATUS, TAG_REASON, TAG_DETAIL})
_MAX_TAGS = 10  # S3's limit per object
_TAG_VALUE_MAX = 256
# Characters S3 accepts in tag values (letters, digits, spaces and + - = . _ : / @).
_TAG_UNSAFE = re.compile(r"[^\w\s+\-=.:/@]", re.UNICODE)


class OriginalGone(Exception):
    """The object was deleted (or replaced by a delete marker) before it was processed."""


def read_original(s3: Any, bucket: str, key: str, max_bytes: int) -> bytes:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise OriginalGone(key) from exc
        raise
    size = int(head.get("ContentLength") or 0)
    if size > max_bytes:
        raise PhotoRejected(Reason.TOO_LARGE, f"{size} bytes is over the limit of {max_bytes}")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    data: bytes = body.read(max_bytes + 1)
    if len(data) > max_bytes:  # replaced by a larger object since the HEAD
        raise PhotoRejected(Reason.TOO_LARGE, f"over the limit of {max_bytes} bytes")
    return data


def write_variants(
    s3: Any, bucket: str, key: str, variants: Sequence[Encoded], meta: dict[str, Any]
) -> None:
    stem = stem_of(key)

    def put(variant: Encoded) -> None:
        s3.put_object(
            Bucket=bucket,
            Key=f"{stem}/{variant.filename}",
            Body=variant.body,
            ContentType=variant.encoding.content_type,
            CacheControl=CACHE_CONTROL,
        )

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="s3-put") as pool:
        list(pool.map(put, variants))
    s3.put_object(
        Bucket=bucket,
        Key=f"{stem}/{META_NAME}",
        Body=json.dumps(meta, indent=1).encode(),
        ContentType="application/json",
        CacheControl="no-cache",  # rewritten when the same key is uploaded again
    )


def tag_value(text: str) -> str:
    return _TAG_UNSAFE.sub(" ", text)[:_TAG_VALUE_MAX].strip() or "-"


def tag_outcome(
    s3: Any, bucket: str, key: str, status: str, reason: str = "", detail: str = ""
) -> None:
    try:
        current = s3.get_object_tagging(Bucket=bucket, Key=key).get("TagSet") or []
    except s3.exceptions.ClientError:
        current = []
    ours = {TAG_STATUS: status}
    if reason:
        ours[TAG_REASON] = reason
    if detail:
        ours[TAG_DETAIL] = tag_value(detail)
    kept = [t for t in current if t.get("Key") not in _OUR_TAGS][: _MAX_TAGS - len(ours)]
    tags = kept + [{"Key": k, "Value": v} for k, v in ours.items()]
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tags})
