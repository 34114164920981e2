"""The local cloud's heap after start-up: kept out of the garbage collector's full passes.

Start-up leaves ~400k long-lived objects in the `stratus up` process (moto's backends and
models, botocore's service models, the deployment) that live until it stops. CPython's full
collection walks every tracked object, so each one that traffic triggered took ~0.5 s on a
2-core machine, with the event loop (every server) stalled: measured once per ~12 s under
fifty users, the whole of the p99 tail. One collection at start-up, then `gc.freeze()`
(https://docs.python.org/3/library/gc.html#gc.freeze) moves the survivors to a permanent
generation: later full passes walk only what was made since. Objects frozen here are never
collected; they are the ones that live for the whole process anyway.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze what survives; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
