"""The local cloud's clock: the wall clock plus an offset that tests can move.

Why: what expires on AWS (Cognito access/ID tokens after an hour, refresh tokens after
days, confirmation codes after 24 h) cannot be tested against the wall clock without
waiting that long. One `CloudClock` per cloud is handed (injected, never patched into
`time`) to what issues and checks those things: Cognito's token issuing and its code
expiry, the gateway's Cognito authorizers and the identity pool (`jwt_verify` callers).
Everything else -- SigV4 date checks above all, since clients sign with their real clock,
and moto's own timestamps -- keeps the real time.

Served on the AWS endpoint, outside any AWS protocol (no signature needed, loopback only):
- `GET /_stratus/clock` -> `{"now": <epoch s>, "offset_seconds": <s>}`
- `POST /_stratus/clock` `{"advance_seconds": N}` -> the same, after moving N seconds on
  (N may be negative; offsets add up)
- `DELETE /_stratus/clock` -> back to the wall clock (offset 0)
The offset lives in memory: a restarted cloud starts on the wall clock again. What was
issued while the clock was moved keeps the times it was issued with (tokens carry them).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable

from starlette.responses import JSONResponse, Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.registry import PathRoute

CLOCK_PATH = "/_stratus/clock"
# A century either way is more than any validity Cognito allows (10 years at most).
MAX_OFFSET_SECONDS = 100 * 365 * 24 * 3600


class CloudClock:
    """`now()` = the real time + an offset; thread-safe (moto's worker threads read it)."""

    def __init__(self, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._real() + self._offset

    def __call__(self) -> float:
        return self.now()

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock `seconds` on (negative: back); returns the new offset."""
        if not math.isfinite(seconds):
            raise ValueError("advance_seconds must be a finite number")
        with self._lock:
            offset = self._offset + seconds
            if abs(offset) > MAX_OFFSET_SECONDS:
                raise ValueError(f"the offset may not exceed {MAX_OFFSET_SECONDS} seconds")
            self._offset = offset
            return offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    def state(self) -> dict[str, float]:
        return {"now": self.now(), "offset_seconds": self._offset}


def _bad_request(message: str) -> Response:
    return JSONResponse({"__type": "ValidationException", "message": message}, status_code=400)


def clock_routes(clock: CloudClock) -> list[PathRoute]:
    """The `/_stratus/clock` route on the AWS endpoint (see the module docstring)."""

    async def handle(request: AwsRequest) -> Response | None:
        if request.method == "DELETE":
            clock.reset()
        elif request.method == "POST":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return _bad_request('the body must be JSON: {"advance_seconds": N}')
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                return _bad_request("advance_seconds must be a number")
            try:
                clock.advance(float(seconds))
            except ValueError as exc:
                return _bad_request(str(exc))
        return JSONResponse(clock.state())

    return [PathRoute(frozenset({"GET", "POST", "DELETE"}), f"^{CLOCK_PATH}$", handle)]
