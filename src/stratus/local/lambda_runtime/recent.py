"""The last invocations of each function, for the console's function page.

What Lambda's REPORT line (platform.report) says about one invocation: duration, billed
duration, init duration on a cold start, memory used
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html);
plus the request id, the qualifier it was called by and the error type, kept per function
in the console's bounded ring (`core.recent.RecentLog`, as the gateway's and the edge's
recent requests): memory stays bounded however long the cloud runs, and the console reads
it without parsing logs. CloudWatch Logs keeps the full history; this is only the recent
window.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass

from stratus.local.core.recent import RecentLog
from stratus.local.lambda_runtime.function import FunctionConfig
from stratus.local.lambda_runtime.worker import Outcome

PER_FUNCTION = 200  # invocations kept per function
MAX_FUNCTIONS = 2000  # functions with a ring; the least recently invoked is dropped past it


@dataclass(frozen=True)
class InvocationRecord:
    function: str
    request_id: str
    version: str  # the version that ran
    ended_ms: int  # epoch ms when the invocation finished
    duration_ms: float
    billed_ms: int
    init_ms: float | None  # set on a cold start
    error_type: str | None  # None when it succeeded
    memory_used_mb: int  # 0 when the worker did not report it
    memory_size_mb: int
    qualifier: str | None = None  # what the caller named: alias, version, or None

    @property
    def cold(self) -> bool:
        return self.init_ms is not None

    @property
    def started_ms(self) -> int:
        return self.ended_ms - round(self.duration_ms)

    @classmethod
    def of(
        cls,
        config: FunctionConfig,
        request_id: str,
        outcome: Outcome,
        body: bytes,
        duration_ms: float,
        init_ms: float | None,
        function_error: str | None,
    ) -> InvocationRecord:
        return cls(
            function=config.name,
            request_id=request_id,
            version=config.version,
            ended_ms=int(time.time() * 1000),
            duration_ms=duration_ms,
            # As platform_log's REPORT line: rounded up to the next millisecond.
            billed_ms=max(math.ceil(duration_ms), 1),
            init_ms=init_ms,
            error_type=error_type(outcome, body) if function_error else None,
            memory_used_mb=outcome.max_memory_mb,
            memory_size_mb=config.memory_mb,
        )


def error_type(outcome: Outcome, body: bytes) -> str:
    """The response's errorType; for a timeout (whose payload carries only the message)
    the words of Lambda's log line, else Lambda's X-Amz-Function-Error marker."""
    if outcome.kind == "timeout":
        return "Task timed out"
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("errorType"), str):
        return str(data["errorType"])
    return "Unhandled"


class RecentInvocations:
    def __init__(self, per_function: int = PER_FUNCTION, max_functions: int = MAX_FUNCTIONS):
        # No minute wheel: the function page shows invocations, not a hit ratio.
        self._log: RecentLog[InvocationRecord] = RecentLog(
            size=per_function, minutes=0, max_keys=max_functions
        )

    def add(self, record: InvocationRecord) -> None:
        self._log.record(record.function, record, record.ended_ms / 1000)

    def finished(
        self,
        config: FunctionConfig,
        request_id: str,
        outcome: Outcome,
        body: bytes,
        duration_ms: float,
        init_ms: float | None,
        function_error: str | None,
    ) -> None:
        """Record an invocation where the runtime finishes it (`LambdaRuntime._finish`)."""
        self.add(
            InvocationRecord.of(
                config, request_id, outcome, body, duration_ms, init_ms, function_error
            )
        )

    def called_as(self, function: str, request_id: str, qualifier: str | None) -> None:
        """Note the qualifier the caller named (known only where the result is measured)."""
        if qualifier:
            self._log.replace_newest(
                function,
                lambda r: r.request_id == request_id,
                lambda r: dataclasses.replace(r, qualifier=qualifier),
            )

    def of(self, function: str) -> list[InvocationRecord]:
        """The function's recent invocations, newest first."""
        return self._log.entries(function)
