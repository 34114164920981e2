"""Lambda's own log lines (INIT_START, START, END, REPORT), in text or JSON format.

With LoggingConfig.LogFormat JSON, Lambda writes its system logs as JSON objects with
`time`, `type` ("platform.initStart", "platform.start", "platform.report") and `record`
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html);
END has no JSON counterpart there (platform.report closes the invocation).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from stratus.local.lambda_runtime.function import FunctionConfig, runtime_version_label
from stratus.local.lambda_runtime.worker import LogEvents, now_ms


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _json(kind: str, record: dict[str, Any]) -> tuple[int, str]:
    ts = now_ms()
    return ts, json.dumps({"time": _iso(ts), "type": kind, "record": record})


def is_json(config: FunctionConfig) -> bool:
    return config.log_format.upper() == "JSON"


def init_start(config: FunctionConfig) -> tuple[int, str]:
    label = runtime_version_label(config)
    if is_json(config):
        return _json(
            "platform.initStart",
            {
                "initializationType": "on-demand",
                "phase": "init",
                "runtimeVersion": label,
                "functionName": config.name,
                "functionVersion": config.version,
            },
        )
    return now_ms(), f"INIT_START Runtime Version: {label}"


def init_timed_out(config: FunctionConfig, duration_ms: float) -> tuple[int, str]:
    """The init phase ran past its limit; the init goes on in the first invocation's time
    (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html,
    platform.initReport)."""
    if is_json(config):
        return _json(
            "platform.initReport",
            {
                "initializationType": "on-demand",
                "phase": "init",
                "status": "timeout",
                "metrics": {"durationMs": round(duration_ms, 3)},
            },
        )
    line = f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: init\tStatus: timeout"
    return now_ms(), line


def start(config: FunctionConfig, request_id: str) -> tuple[int, str]:
    if is_json(config):
        return _json("platform.start", {"requestId": request_id, "version": config.version})
    return now_ms(), f"START RequestId: {request_id} Version: {config.version}"


def end_and_report(
    config: FunctionConfig,
    request_id: str,
    duration_ms: float,
    max_memory_mb: int,
    init_ms: float | None,
    failed: bool,
) -> LogEvents:
    billed = max(math.ceil(duration_ms), 1)
    if is_json(config):
        metrics: dict[str, Any] = {
            "durationMs": round(duration_ms, 3),
            "billedDurationMs": billed,
            "memorySizeMB": config.memory_mb,
            "maxMemoryUsedMB": max_memory_mb,
        }
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 3)
        record = {
            "requestId": request_id,
            "metrics": metrics,
            "status": "error" if failed else "success",
        }
        return [_json("platform.report", record)]
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\t"
        f"Memory Size: {config.memory_mb} MB\tMax Memory Used: {max_memory_mb} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    return [(now_ms(), f"END RequestId: {request_id}"), (now_ms(), line)]
