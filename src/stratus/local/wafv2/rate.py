"""Rate-based rules: requests per aggregation key over a sliding evaluation window.

https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html:
EvaluationWindowSec is 60, 120, 300 (the default) or 600 seconds, looking back from now;
Limit is at least 10; only requests that match the ScopeDownStatement (if any) are counted
and rate limited; AggregateKeyType IP (the client address), FORWARDED_IP (the first
address in a header; FallbackBehavior when missing), CONSTANT (every request together,
needs a scope-down) or CUSTOM_KEYS (the listed request parts together). AWS checks the rate
"frequently" and only approximately; locally the count is exact and checked on every
request: the request that makes the count exceed the Limit is the first one matched.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Mapping
from typing import Any

from stratus.local.wafv2 import statements, transforms

MIN_LIMIT = 10
WINDOWS = (60, 120, 300, 600)
MAX_KEYS = 100_000  # AWS tracks a bounded number of aggregation instances too


class RateTracker:
    """Timestamps per (rule, aggregation key), pruned to the window on each use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: collections.OrderedDict[tuple[str, tuple[str, ...]], collections.deque[float]]
        self._seen = collections.OrderedDict()

    def hit(self, rule: str, key: tuple[str, ...], now: float, window: float) -> int:
        """Record one request; return how many the key has in the window (this one too)."""
        with self._lock:
            slot = (rule, key)
            times = self._seen.get(slot)
            if times is None:
                times = collections.deque()
                self._seen[slot] = times
                if len(self._seen) > MAX_KEYS:
                    self._seen.popitem(last=False)
            else:
                self._seen.move_to_end(slot)
            horizon = now - window
            while times and times[0] <= horizon:
                times.popleft()
            times.append(now)
            return len(times)

    def over(self, rule: str) -> dict[str, int]:
        """The keys of `rule` and their counts (for GetRateBasedStatementManagedKeys)."""
        with self._lock:
            return {"/".join(k): len(t) for (r, k), t in self._seen.items() if r == rule}

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def _custom_key(spec: Mapping[str, Any], ev: statements.Evaluation) -> tuple[str, ...] | None:
    request = ev.request
    parts: list[str] = []
    for entry in spec.get("CustomKeys") or []:
        ((kind, conf),) = entry.items()
        conf = conf or {}
        value: str | None
        if kind == "IP":
            value = request.client_ip
        elif kind == "ForwardedIP":
            found = statements.forwarded_ip(request, spec.get("ForwardedIPConfig") or {})
            value = found[0] if found else None
        elif kind == "HTTPMethod":
            value = request.method
        elif kind == "Header":
            value = request.header(str(conf.get("Name", "")))
        elif kind == "Cookie":
            value = dict(request.cookies()).get(str(conf.get("Name", "")))
        elif kind == "QueryArgument":
            wanted = str(conf.get("Name", "")).lower()
            value = next((v for k, v in request.query_args() if k.lower() == wanted), None)
        elif kind == "QueryString":
            value = request.query or None
        elif kind == "UriPath":
            value = request.uri
        elif kind == "LabelNamespace":
            ns = str(conf.get("Namespace", ""))
            names = sorted(label for label in ev.labels if label.startswith(ns))
            value = ",".join(names) or None
        else:
            raise ValueError(f"rate-based custom key {kind} is not emulated")
        if value is None:
            return None  # a request missing a key part is not counted (AWS)
        if conf.get("TextTransformations"):
            value = transforms.apply(value, conf["TextTransformations"])
        parts.append(value)
    return tuple(parts)


def aggregation_key(spec: Mapping[str, Any], ev: statements.Evaluation) -> tuple[str, ...] | None:
    kind = str(spec.get("AggregateKeyType") or "IP")
    if kind == "IP":
        return (ev.request.client_ip,)
    if kind == "FORWARDED_IP":
        found = statements.forwarded_ip(ev.request, spec.get("ForwardedIPConfig") or {})
        return (found[0],) if found else None
    if kind == "CONSTANT":
        return ("*",)
    if kind == "CUSTOM_KEYS":
        return _custom_key(spec, ev)
    raise ValueError(f"AggregateKeyType {kind} is not emulated")


def rate_matches(spec: Mapping[str, Any], ev: statements.Evaluation) -> bool:
    scope = spec.get("ScopeDownStatement")
    if scope and not statements.matches(scope, ev):
        return False
    key = aggregation_key(spec, ev)
    if key is None:
        config = spec.get("ForwardedIPConfig") or {}
        return str(config.get("FallbackBehavior")) == "MATCH"
    window = float(spec.get("EvaluationWindowSec") or 300)
    count = ev.rates.hit(ev.rule_key, key, ev.now, window)
    return count > int(spec["Limit"])


def check(spec: Mapping[str, Any]) -> list[str]:
    notes = []
    limit = int(spec["Limit"])
    if limit < MIN_LIMIT:
        notes.append(f"rate limit {limit} is below AWS's minimum of {MIN_LIMIT} (AWS refuses it)")
    window = int(spec.get("EvaluationWindowSec") or 300)
    if window not in WINDOWS:
        notes.append(f"EvaluationWindowSec {window} is not one of {WINDOWS} (AWS refuses it)")
    return notes
