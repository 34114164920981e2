"""Lambda entry: an S3 ObjectCreated event (async invoke) -> the pipeline, per record.

A rejected upload is tagged on the original and counted, and the invocation succeeds; an
object deleted before it was processed is skipped; anything else raises, so Lambda retries
the event and then sends it to the function's on-failure destination (the DLQ).
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from botocore.config import Config

from stratus.blog.photos import insights, store
from stratus.blog.photos.config import PhotoConfig
from stratus.blog.photos.errors import PhotoRejected
from stratus.blog.photos.pipeline import Inspector, process

logger = Logger(service="photos")
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Stratus"), service="photos"
)

_clients: dict[str, Any] = {}
_config: PhotoConfig | None = None


def _client(name: str) -> Any:
    if name not in _clients:
        options: dict[str, Any] = {
            "connect_timeout": 2,
            "read_timeout": 15,
            "retries": {"mode": "standard", "max_attempts": 3},
            "max_pool_connections": 16,
        }
        if name == "s3":
            local = bool(os.environ.get("AWS_ENDPOINT_URL"))
            options["s3"] = {"addressing_style": "path" if local else "auto"}
            options["signature_version"] = "s3v4"
        _clients[name] = boto3.client(name, config=Config(**options))  # type: ignore[call-overload]
    return _clients[name]


def _cfg() -> PhotoConfig:
    global _config
    if _config is None:
        _config = PhotoConfig.from_env()
    return _config


def _inspector(cfg: PhotoConfig) -> Inspector | None:
    if not cfg.rekognition:
        return None
    client = _client("rekognition")
    return lambda jpeg: insights.inspect(client, jpeg)


def handle_upload(bucket: str, key: str, cfg: PhotoConfig) -> dict[str, Any]:
    s3 = _client("s3")
    started = time.perf_counter()
    try:
        data = store.read_original(s3, bucket, key, cfg.limits.max_bytes)
        processed = process(data, cfg, key=key, inspector=_inspector(cfg))
    except store.OriginalGone:
        logger.warning("upload gone before processing", extra={"bucket": bucket, "key": key})
        return {"key": key, "status": "gone"}
    except PhotoRejected as rejected:
        store.tag_outcome(s3, bucket, key, "rejected", rejected.reason.value, rejected.message)
        metrics.add_metric(name="PhotosRejected", unit=MetricUnit.Count, value=1)
        logger.info(
            "upload rejected",
            extra={"key": key, "reason": rejected.reason.value, "detail": rejected.message},
        )
        return {"key": key, "status": "rejected", "reason": rejected.reason.value}
    store.write_variants(s3, cfg.photo_bucket, key, processed.variants, processed.meta)
    store.tag_outcome(s3, bucket, key, "processed")
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.add_metric(name="PhotosProcessed", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="PhotoProcessingTime", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    logger.info(
        "upload processed",
        extra={"key": key, "variants": len(processed.variants), "ms": round(elapsed_ms)},
    )
    return {"key": key, "status": "processed", "variants": len(processed.variants)}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cfg = _cfg()
    results = []
    for record in S3Event(event).records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        results.append(handle_upload(record.s3.bucket.name, record.s3.get_object.key, cfg))
    return {"results": results}
