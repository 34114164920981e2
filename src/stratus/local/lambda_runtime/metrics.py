"""Lambda's own CloudWatch metrics (AWS/Lambda), with the dimensions AWS gives them.

Lambda publishes Invocations, Errors, Throttles, Duration and ConcurrentExecutions for the
function
(`FunctionName`), for the version or alias an invocation named (`FunctionName` +
`Resource`, 'name:qualifier'), and for an alias invocation also per version that ran it
(`FunctionName` + `Resource` + `ExecutedVersion`):
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html and
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html (dimensions).
An alarm on an alias's errors (CDK's `alias.metric_errors()`, what a CodeDeploy
deployment group watches) reads the `Resource` series, so it needs these sets.

Recorded per invocation into the cloud's BuiltinMetrics aggregator (core/metrics.py),
which CloudWatch sends in one batch per tick. ConcurrentExecutions is observed as each
invocation starts (the running count, itself included), so its Maximum is the peak.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from stratus.local.core.metrics import BuiltinMetrics, Dimensions

NAMESPACE = "AWS/Lambda"
LATEST = "$LATEST"


def dimension_sets(
    function: str, qualifier: str | None, executed_version: str
) -> tuple[Dimensions, ...]:
    """The dimension sets one invocation counts under.

    `qualifier` is what the caller named (None for an unqualified name or ARN, a version
    number, "$LATEST" or an alias name); `executed_version` is the version that ran.
    """
    name = (("FunctionName", function),)
    if not qualifier:
        return (name,)
    resource = (*name, ("Resource", f"{function}:{qualifier}"))
    if qualifier in (executed_version, LATEST):
        return (name, resource)  # a version named directly
    # An alias: its series, and the same split by the version that ran (weighted aliases).
    return (name, resource, (*resource, ("ExecutedVersion", executed_version)))


@dataclass
class InvocationMetrics:
    """Records one function's invocation outcomes into the shared aggregator."""

    sink: BuiltinMetrics
    region: str
    _running: dict[Dimensions, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self, function: str, qualifier: str | None, executed_version: str) -> None:
        """An invocation got its concurrency: count it running under each of its sets."""
        for dims in dimension_sets(function, qualifier, executed_version):
            with self._lock:
                running = self._running.get(dims, 0) + 1
                self._running[dims] = running
            self.sink.observe(
                self.region, NAMESPACE, "ConcurrentExecutions", (dims,), running, unit="Count"
            )

    def ended(self, function: str, qualifier: str | None, executed_version: str) -> None:
        with self._lock:
            for dims in dimension_sets(function, qualifier, executed_version):
                left = self._running.get(dims, 0) - 1
                if left > 0:
                    self._running[dims] = left
                else:
                    self._running.pop(dims, None)

    def invoked(
        self,
        function: str,
        qualifier: str | None,
        executed_version: str,
        *,
        error: bool,
        duration_ms: float,
    ) -> None:
        sets = dimension_sets(function, qualifier, executed_version)
        self.sink.count(self.region, NAMESPACE, "Invocations", sets)
        # Errors is published (as 0) for every invocation, so an alarm sees "no errors".
        self.sink.count(self.region, NAMESPACE, "Errors", sets, 1.0 if error else 0.0)
        self.sink.observe(self.region, NAMESPACE, "Duration", sets, duration_ms)

    def throttled(self, function: str, qualifier: str | None, executed_version: str) -> None:
        sets = dimension_sets(function, qualifier, executed_version)
        self.sink.count(self.region, NAMESPACE, "Throttles", sets)
