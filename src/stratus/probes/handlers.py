"""Handlers that fail on purpose, one way each, so tests can drive the local cloud's failure paths.

They live in the `Stratus-<stage>-Probes` stack (context `probes=true`, refused for prod) and
import only the standard library, so their bundle is tiny and their workers start fast.
"""

from __future__ import annotations

import json
import time
from typing import Any

DEFAULT_SLEEP_SECONDS = 3.0
CRASH_MESSAGE = "probe crashed on purpose"


class ProbeCrashError(Exception):
    """What `crash` raises: tests look for this class name as Lambda's errorType."""


def _proxy(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def ok(event: Any, context: Any) -> dict[str, Any]:
    """A valid Lambda-proxy 200."""
    return _proxy(200, {"ok": True})


def crash(event: Any, context: Any) -> dict[str, Any]:
    """An unhandled exception: Lambda answers FunctionError "Unhandled", API Gateway 502."""
    raise ProbeCrashError(CRASH_MESSAGE)


def slow(event: Any, context: Any) -> dict[str, Any]:
    """Sleep `event["seconds"]` (Invoke API) or 3 s (an API Gateway event), then answer 200."""
    seconds = DEFAULT_SLEEP_SECONDS
    if isinstance(event, dict) and isinstance(event.get("seconds"), int | float):
        seconds = float(event["seconds"])
    time.sleep(max(seconds, 0.0))
    return _proxy(200, {"slept": seconds})


def malformed(event: Any, context: Any) -> str:
    """Not a proxy response (no statusCode): API Gateway answers 502 Internal server error."""
    return "this is not a Lambda proxy response"
