"""Which new traces are recorded: X-Ray's default sampling rule, or every one for debugging.

AWS does not trace every request: by default "the X-Ray SDK records the first request each
second, and five percent of any additional requests" — a reservoir of one per second, then a
fixed rate of 0.05 (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html);
API Gateway and Lambda apply the same rule where a trace starts. A decision already made
upstream (`Sampled=1` or `Sampled=0` in the incoming header) is kept, never made again.

`STRATUS_XRAY_SAMPLING=all` records every new trace (debugging, tests that need each request).
Hand-written: aws-xray-sdk's `DefaultSampler` is the same rule, but that package is not
installed in the cloud's own process, and it is a dozen lines.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable

ENV = "STRATUS_XRAY_SAMPLING"
RESERVOIR_PER_SECOND = 1
FIXED_RATE = 0.05


class Sampler:
    """The default rule: `reservoir` traces each whole second, then `rate` of the rest."""

    def __init__(
        self,
        *,
        everything: bool = False,
        reservoir: int = RESERVOIR_PER_SECOND,
        rate: float = FIXED_RATE,
        clock: Callable[[], float] = time.time,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.everything = everything
        self._reservoir, self._rate = reservoir, rate
        self._clock, self._draw = clock, draw
        self._lock = threading.Lock()
        self._second = -1
        self._taken = 0

    def decide(self) -> bool:
        """Whether a new trace is recorded."""
        if self.everything:
            return True
        second = int(self._clock())
        with self._lock:
            if second != self._second:
                self._second, self._taken = second, 0
            if self._taken < self._reservoir:
                self._taken += 1
                return True
        return self._draw() < self._rate


def from_environment() -> Sampler:
    """`STRATUS_XRAY_SAMPLING=all` records everything; unset (or `default`) the default rule."""
    return Sampler(everything=os.environ.get(ENV, "").strip().lower() == "all")


_active: Sampler | None = None


def active() -> Sampler:
    """The process's sampler, read from the environment once."""
    global _active
    if _active is None:
        _active = from_environment()
    return _active


def use(sampler: Sampler | None) -> None:
    """Replace the process's sampler (tests); None reads the environment again."""
    global _active
    _active = sampler
