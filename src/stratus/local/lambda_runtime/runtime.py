"""The local Lambda service: functions by name/ARN/logical id, warm worker pools, invoke.

Lambda's behaviour copied: a cold start on first use then warm reuse (LIFO, like Lambda's
preference for the most recently used environment), a concurrency limit answered with
TooManyRequestsException, timeouts that kill the environment, Event invocations retried
twice on error, START/END/REPORT lines in /aws/lambda/<name>. No library runs Python Lambda
handlers in warm local processes without Docker, hence this module.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.contracts import FunctionNotFoundError, InvokeResult, TooManyRequestsError
from stratus.local.credentials import CredentialStore, Principal
from stratus.local.lambda_runtime.function import (
    FunctionConfig,
    new_log_stream_name,
    worker_environment,
)
from stratus.local.lambda_runtime.logs import LogSink
from stratus.local.lambda_runtime.worker import InitReport, LogEvents, Outcome, Worker, now_ms
from stratus.local.model import Resource
from stratus.local.settings import LocalSettings

logger = logging.getLogger("stratus.local.lambda_runtime")

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase of an on-demand environment
TAIL_BYTES = 4096
MAX_RESPONSE_BYTES = 6_291_556  # Lambda's synchronous response limit, as its message states
# Lambda retries a failed Event invocation twice, after ~1 and ~2 minutes; locally seconds.
DEFAULT_ASYNC_RETRY_DELAYS = (1.0, 2.0)


@dataclass
class RuntimeInvokeResult(InvokeResult):
    """InvokeResult plus the request id the function saw (x-amzn-RequestId)."""

    request_id: str = ""


class FunctionThrottledError(TooManyRequestsError):
    def __init__(self, function: str, reason: str) -> None:
        super().__init__(f"Rate Exceeded. ({function}: {reason})")
        self.reason = reason  # Lambda's 'Reason' field


@dataclass
class FunctionStats:
    cold_starts: int = 0
    init_durations_ms: list[float] = field(default_factory=list)
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    throttles: int = 0
    workers: int = 0


@dataclass
class _Function:
    config: FunctionConfig
    limit: int
    idle: list[Worker] = field(default_factory=list)
    busy: int = 0
    principal: Principal | None = None
    stats: FunctionStats = field(default_factory=FunctionStats)
    released: asyncio.Event = field(default_factory=asyncio.Event)


class LambdaRuntime:
    """Implements contracts.LambdaInvoker with warm subprocess workers."""

    def __init__(
        self,
        settings: LocalSettings,
        credentials: CredentialStore,
        *,
        log_sink: LogSink,
        policies_for_role: Callable[[str], list[dict[str, Any]]] = lambda arn: [],
        default_concurrency: int = 10,
        async_retry_delays: Sequence[float] = DEFAULT_ASYNC_RETRY_DELAYS,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._log_sink = log_sink
        self._policies_for_role = policies_for_role
        self._default_concurrency = default_concurrency
        self._retry_delays = tuple(async_retry_delays)
        self._functions: dict[str, _Function] = {}
        self._index: dict[str, _Function] = {}
        self._events: set[asyncio.Task[None]] = set()  # queued/running Event invocations
        self._closers: set[asyncio.Task[None]] = set()  # workers being killed and reaped
        self._workers: set[Worker] = set()
        self._closing = False

    # Registry -------------------------------------------------------------------------
    def register(self, resource: Resource, asset_dir: Path) -> FunctionConfig:
        """Add an AWS::Lambda::Function (properties resolved) whose code is in `asset_dir`."""
        config = FunctionConfig.from_resource(resource, asset_dir, self.settings)
        if config.reserved_concurrency is not None:
            limit = config.reserved_concurrency
        else:
            limit = self._default_concurrency
        if not config.asset_dir.is_dir():
            raise ValueError(f"{config.name}: code asset {config.asset_dir} is not a directory")
        fn = _Function(config=config, limit=limit)
        previous = self._functions.get(config.name)
        if previous is not None:  # re-deployed: new code and config need new environments
            for worker in previous.idle:
                worker.kill()  # reaped by aclose()
            previous.idle.clear()
            if previous.config.role_arn == config.role_arn:
                fn.principal = previous.principal
        self._functions[config.name] = fn
        for key in (config.name, config.arn, f"{config.arn}:$LATEST"):
            self._index[key] = fn
        if config.stack and config.logical_id:
            self._index[f"{config.stack}/{config.logical_id}"] = fn
        return config

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.settings.region}:{self.settings.account_id}:function:{name}"

    def get(self, function: str) -> FunctionConfig:
        return self._resolve(function).config

    def _resolve(self, ref: str) -> _Function:
        fn = self._index.get(ref)
        if fn is not None:
            return fn
        name = ref
        if ":function:" in ref:  # full or partial ARN, maybe with a qualifier
            name = ref.split(":function:", 1)[1].split(":", 1)[0]
        elif ":" in ref:  # name:qualifier
            name = ref.split(":", 1)[0]
        # Versions and aliases are not emulated: every qualifier runs $LATEST.
        fn = self._index.get(name)
        if fn is None:
            raise FunctionNotFoundError(ref)
        return fn

    def stats(self) -> dict[str, FunctionStats]:
        out = {}
        for name, fn in self._functions.items():
            s = fn.stats
            out[name] = FunctionStats(
                cold_starts=s.cold_starts,
                init_durations_ms=list(s.init_durations_ms),
                invocations=s.invocations,
                errors=s.errors,
                timeouts=s.timeouts,
                throttles=s.throttles,
                workers=len(fn.idle) + fn.busy,
            )
        return out

    # Invoke ---------------------------------------------------------------------------
    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        fn = self._resolve(function)
        if invocation_type == "DryRun":
            return RuntimeInvokeResult(status_code=204, payload=b"")
        request_id = str(uuid.uuid4())
        if invocation_type == "Event":
            self._track(self._events, self._run_event(fn, payload, request_id, client_context))
            return RuntimeInvokeResult(status_code=202, payload=b"", request_id=request_id)
        return await self._execute(fn, payload, request_id, client_context, log_type == "Tail")

    async def _run_event(
        self, fn: _Function, payload: bytes, request_id: str, client_context: str | None
    ) -> None:
        """Lambda's async queue: wait out throttles, retry a failed event twice."""
        for attempt in range(len(self._retry_delays) + 1):
            while True:
                try:
                    result = await self._execute(fn, payload, request_id, client_context, False)
                    break
                except TooManyRequestsError:
                    await fn.released.wait()  # queued, not dropped
            if result.function_error is None:
                return
            if attempt < len(self._retry_delays):
                await asyncio.sleep(self._retry_delays[attempt])
        logger.info("event %s for %s failed after retries", request_id, fn.config.name)

    def _reserve(self, fn: _Function) -> None:
        if fn.busy >= fn.limit:
            fn.stats.throttles += 1
            reason = (
                "ReservedFunctionConcurrentInvocationLimitExceeded"
                if fn.config.reserved_concurrency is not None
                else "ConcurrentInvocationLimitExceeded"
            )
            raise FunctionThrottledError(fn.config.name, reason)
        fn.busy += 1

    def _release(self, fn: _Function) -> None:
        fn.busy -= 1
        released, fn.released = fn.released, asyncio.Event()
        released.set()

    async def _execute(
        self,
        fn: _Function,
        payload: bytes,
        request_id: str,
        client_context: str | None,
        tail: bool,
    ) -> RuntimeInvokeResult:
        if self._closing:
            raise FunctionThrottledError(fn.config.name, "ShuttingDown")
        self._reserve(fn)
        config = fn.config
        events: LogEvents = []
        worker: Worker | None = None
        init_ms: float | None = None
        report: InitReport | None = None
        try:
            if fn.idle:
                worker = fn.idle.pop()  # LIFO: the most recently used environment
            else:
                worker, report = await self._cold_start(fn)
                init_ms = report.duration_ms
                events.extend(report.logs)
            fn.stats.invocations += 1
            events.append((now_ms(), f"START RequestId: {request_id} Version: $LATEST"))
            if report is not None and (report.error is not None or report.timed_out):
                outcome = _init_failure(report, request_id)
                return self._finish(fn, worker, request_id, events, outcome, 0.0, init_ms, tail)
            meta = {
                "id": request_id,
                "arn": config.arn,
                "deadline_ms": now_ms() + int(config.timeout_s * 1000),
                "client_context": client_context,
            }
            started = time.perf_counter()
            outcome = await worker.invoke(meta, payload, config.timeout_s, events)
            duration_ms = (time.perf_counter() - started) * 1000
            return self._finish(fn, worker, request_id, events, outcome, duration_ms, init_ms, tail)
        finally:
            current = self._functions.get(fn.config.name) is fn  # not re-deployed meanwhile
            if worker is not None and worker.alive and current and not self._closing:
                fn.idle.append(worker)
            elif worker is not None:
                self._workers.discard(worker)
                self._track(self._closers, worker.aclose())
            self._release(fn)

    async def _cold_start(self, fn: _Function) -> tuple[Worker, InitReport]:
        config = fn.config
        if fn.principal is None:
            role = config.role_arn or ""
            fn.principal = self._credentials.issue(
                kind="function",
                role_arn=config.role_arn,
                policies=self._policies_for_role(role) if role else [],
                ttl_seconds=None,
                subject=config.name,
            )
        stream = new_log_stream_name()
        env = worker_environment(config, self.settings, fn.principal, stream)
        init_start = (now_ms(), "INIT_START Runtime Version: python:3.11")
        worker, report = await Worker.start(
            cwd=str(config.asset_dir),
            env=env,
            log_stream=stream,
            init_timeout_s=INIT_TIMEOUT_S,
            on_stray_log=lambda w, ts, text: self._ship(config, w.log_stream, [(ts, text)]),
        )
        self._workers.add(worker)
        fn.stats.cold_starts += 1
        fn.stats.init_durations_ms.append(report.duration_ms)
        report.logs.insert(0, init_start)
        return worker, report

    def _finish(
        self,
        fn: _Function,
        worker: Worker,
        request_id: str,
        events: LogEvents,
        outcome: Outcome,
        duration_ms: float,
        init_ms: float | None,
        tail: bool,
    ) -> RuntimeInvokeResult:
        config = fn.config
        function_error = None
        body = outcome.body
        if outcome.kind == "timeout":
            fn.stats.timeouts += 1
            function_error = "Unhandled"
            # Lambda's exact payload and log line for a timeout.
            message = (
                f"{_iso_now()} {request_id} Task timed out after {config.timeout_s:.2f} seconds"
            )
            body = json.dumps({"errorMessage": message}).encode()
            events.append((now_ms(), message))
        elif outcome.kind == "exit":
            function_error = "Unhandled"
            message = (
                f"RequestId: {request_id} Error: Runtime exited with error: {outcome.exit_status}"
            )
            body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()
            events.append((now_ms(), message))
        elif outcome.kind != "ok":
            function_error = "Unhandled"
        elif len(body) > MAX_RESPONSE_BYTES:
            function_error = "Unhandled"
            body = json.dumps(
                {
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                    f"({MAX_RESPONSE_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
        if function_error:
            fn.stats.errors += 1
        events.append((now_ms(), f"END RequestId: {request_id}"))
        line = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(math.ceil(duration_ms), 1)} ms\t"
            f"Memory Size: {config.memory_mb} MB\tMax Memory Used: {outcome.max_memory_mb} MB"
        )
        if init_ms is not None:
            line += f"\tInit Duration: {init_ms:.2f} ms"
        events.append((now_ms(), line))
        self._ship(config, worker.log_stream, events)
        log_result = None
        if tail:
            text = "\n".join(message for _, message in events) + "\n"
            log_result = base64.b64encode(text.encode("utf-8")[-TAIL_BYTES:]).decode("ascii")
        return RuntimeInvokeResult(
            status_code=200,
            payload=body,
            function_error=function_error,
            log_result=log_result,
            request_id=request_id,
        )

    def _ship(self, config: FunctionConfig, stream: str, events: LogEvents) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            for _, message in events:
                logger.debug("[%s] %s", config.name, message)
        try:
            self._log_sink.put(config.log_group, stream, events)
        except Exception as e:  # logs must never fail an invocation
            logger.warning("log sink failed for %s: %s", config.name, e)

    # Shutdown -------------------------------------------------------------------------
    @staticmethod
    def _track(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def aclose(self) -> None:
        """Kill every worker and drop queued Event invocations."""
        self._closing = True
        for task in list(self._events):
            task.cancel()
        workers = list(self._workers)
        self._workers.clear()
        for fn in self._functions.values():
            fn.idle.clear()
        await asyncio.gather(*(w.aclose() for w in workers), return_exceptions=True)
        await asyncio.gather(*self._events, *self._closers, return_exceptions=True)


def _init_failure(report: InitReport, request_id: str) -> Outcome:
    if report.timed_out:
        return Outcome("timeout")
    error = report.error or {}
    body = {
        "errorMessage": error.get("errorMessage", ""),
        "errorType": error.get("errorType", "Runtime.Unknown"),
        "requestId": request_id,
        "stackTrace": error.get("stackTrace", []),
    }
    return Outcome("init", json.dumps(body).encode())


def _iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
