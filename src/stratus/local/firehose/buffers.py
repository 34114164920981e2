"""Records buffered per delivery stream and flushed to S3 by the stream's BufferingHints.

moto 5.2.5's Firehose writes one S3 object per PutRecord/PutRecordBatch, at once, straight
into moto's S3 backend: no buffering, no compression, a `/` forced after the prefix, and no
S3 event notification for the object (the write never passes the AWS endpoint). moto keeps
the control plane (create, describe, list, update, delete, tags); `put_s3_records` — what its
PutRecord(Batch) calls for S3 and ExtendedS3 destinations — is replaced by `StreamBuffers.add`.

Flushing as Firehose does (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html):
an object is written when a stream's buffer reaches `BufferingHints.SizeInMBs` (default 5) or
its oldest record is `IntervalInSeconds` old (default 300; honoured as given locally, with a
floor of 1 s), whichever comes first. Records are concatenated as sent (Firehose adds no
delimiter); `CompressionFormat: GZIP` gzips the object. Objects are written through the local
endpoint (`PutObject`), so the bucket's notifications fire. Pending records are flushed on a
graceful stop. Records accepted but not yet written survive `kill -9`: each PutRecord(Batch)
is journaled as a pending delivery (`core.pending`) with the request, done once its object
is written, and put back into its buffer at the next start (`FirehoseService.start`).

Not emulated: data transformation (ProcessingConfiguration Lambda), format conversion and
dynamic partitioning; so no record fails processing and ErrorOutputPrefix is never written.
"""

from __future__ import annotations

import gzip
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.core import durable
from stratus.local.firehose.naming import object_key

log = logging.getLogger("stratus.firehose")

KIND = "firehose"  # records accepted and not yet written to S3 (core.pending)
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_SECONDS = 300
MIN_INTERVAL_SECONDS = 1.0


@dataclass
class _Buffer:
    stream: str
    version: str
    region: str
    config: dict[str, Any]
    records: list[bytes] = field(default_factory=list)
    size: int = 0
    oldest: datetime | None = None
    oldest_at: float = 0.0  # monotonic
    tokens: list[str] = field(default_factory=list)  # pending deliveries (core.pending)

    @property
    def limit_bytes(self) -> int:
        hints = self.config.get("BufferingHints") or {}
        return int(hints.get("SizeInMBs") or DEFAULT_SIZE_MB) * 1024 * 1024

    @property
    def interval(self) -> float:
        hints = self.config.get("BufferingHints") or {}
        seconds = hints.get("IntervalInSeconds")
        seconds = DEFAULT_INTERVAL_SECONDS if seconds is None else float(seconds)
        return max(MIN_INTERVAL_SECONDS, seconds)


@dataclass(frozen=True)
class S3Object:
    region: str
    bucket: str
    key: str
    body: bytes
    records: int
    tokens: tuple[str, ...] = ()  # done once the object is written


class StreamBuffers:
    def __init__(
        self,
        *,
        clock: Callable[[], float],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._buffers: dict[tuple[str, str], _Buffer] = {}
        self._retired: list[S3Object] = []  # buffers of a stream's previous version

    # Called by moto (PutRecord / PutRecordBatch), in its request thread ----------------
    def add(
        self,
        region: str,
        stream: str,
        version: str,
        config: dict[str, Any],
        records: list[dict[str, bytes]],
        token: str | None = None,
    ) -> list[dict[str, str]]:
        with self._lock:
            buffer = self._buffers.get((region, stream))
            if buffer is None or buffer.version != version:
                if buffer is not None and buffer.records:
                    self._retired.append(self._take(buffer))
                buffer = self._buffers[(region, stream)] = _Buffer(
                    stream, version, region, dict(config)
                )
            if buffer.oldest is None:
                buffer.oldest, buffer.oldest_at = self._now(), self._clock()
            for record in records:
                data = bytes(record["Data"])
                buffer.records.append(data)
                buffer.size += len(data)
            if token is not None:
                buffer.tokens.append(token)
        return [{"RecordId": str(uuid.uuid4())} for _ in records]

    # Flushing ------------------------------------------------------------------------------
    def due(self, *, everything: bool = False) -> list[S3Object]:
        """Take the objects to write now: full or old buffers (or every pending one)."""
        now = self._clock()
        with self._lock:
            out, self._retired = self._retired, []
            for buffer in self._buffers.values():
                if not buffer.records:
                    continue
                if (
                    everything
                    or buffer.size >= buffer.limit_bytes
                    or now - buffer.oldest_at >= buffer.interval
                ):
                    out.append(self._take(buffer))
        return out

    def _take(self, buffer: _Buffer) -> S3Object:
        assert buffer.oldest is not None
        body = b"".join(buffer.records)
        if str(buffer.config.get("CompressionFormat") or "").upper() == "GZIP":
            body = gzip.compress(body)
        bucket = str(buffer.config["BucketARN"]).rsplit(":", 1)[-1]
        key = object_key(buffer.config, buffer.stream, buffer.version, buffer.oldest)
        taken = S3Object(
            buffer.region, bucket, key, body, len(buffer.records), tuple(buffer.tokens)
        )
        buffer.records, buffer.size, buffer.oldest, buffer.tokens = [], 0, None, []
        return taken

    def next_wait(self, cap: float = 0.25) -> float:
        """Seconds until a buffer may be due (size is checked at this pace too)."""
        now = self._clock()
        with self._lock:
            waits = [b.oldest_at + b.interval - now for b in self._buffers.values() if b.records]
        return max(0.01, min([cap, *waits]))


def write(aws: Callable[[str, str], Any], obj: S3Object) -> None:
    """PutObject through the local endpoint (so S3's notifications fire)."""
    params: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key, "Body": obj.body}
    aws(obj.region, "s3").put_object(**params)
    log.info("firehose wrote s3://%s/%s (%d records)", obj.bucket, obj.key, obj.records)


def install(buffers: StreamBuffers) -> None:
    """Route moto's S3 delivery of PutRecord(Batch) to `buffers` (replaces moto's own)."""
    from moto.firehose.models import FirehoseBackend

    def put_s3_records(
        self: Any,
        delivery_stream_name: str,
        version_id: str,
        s3_destination: dict[str, Any],
        records: list[dict[str, bytes]],
    ) -> list[dict[str, str]]:
        region, version = str(self.region_name), str(version_id)
        token = None
        state = durable.active()
        if state is not None:  # in the PutRecord's own journaled write: synced with it
            data = {
                "region": region,
                "stream": delivery_stream_name,
                "version": version,
                "config": dict(s3_destination),
                "records": [{"Data": bytes(r["Data"])} for r in records],
            }
            token, _ = state.delivery_accepted(KIND, data)
        return buffers.add(region, delivery_stream_name, version, s3_destination, records, token)

    FirehoseBackend.put_s3_records = put_s3_records  # type: ignore[method-assign]
