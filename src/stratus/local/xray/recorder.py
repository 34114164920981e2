"""The segments the local cloud records itself, as AWS's services emit them.

- API Gateway: a REST API stage with tracing enabled records a segment named
  `<api name>/<stage>` (origin `AWS::ApiGateway::Stage`) with the request's HTTP fields, and
  continues the client's trace (its `X-Amzn-Trace-Id` Root kept, else a new one), passing
  `Root;Parent=<its id>;Sampled=1` to the integration
  (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html).
- Lambda: a function with `TracingConfig.Mode` `Active` (or called with a sampled header)
  records an `AWS::Lambda` segment (the service) and an `AWS::Lambda::Function` segment with
  `Initialization` (cold starts), `Invocation` and `Overhead` subsegments, and hands the
  function `_X_AMZN_TRACE_ID` naming its function segment as Parent, so the SDK's subsegments
  nest under it (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html).

The gateway hands its header to the Lambda invocation it starts through `INCOMING`, a
context variable (the invocation runs in the request's task): no signature changes between
the gateway, its integrations and the runtime.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import Any

from stratus.local.xray import sampling
from stratus.local.xray import store as stores
from stratus.local.xray.header import TraceHeader, continue_or_start, new_segment_id, parse

# The trace header of the request the current task serves (set by the gateway).
INCOMING: contextvars.ContextVar[TraceHeader | None] = contextvars.ContextVar(
    "stratus_xray_incoming", default=None
)


def _put(doc: dict[str, Any]) -> None:
    store = stores.active()
    if store is not None:
        store.put_document(doc)


# -- API Gateway ----------------------------------------------------------------------
@dataclass
class GatewayTrace:
    header: TraceHeader  # the client's (or a new) trace
    traced: bool  # the stage has tracing enabled
    start: float
    segment_id: str = field(default_factory=new_segment_id)

    @property
    def downstream(self) -> TraceHeader:
        """What the integration gets: this segment as Parent when traced, else Root only."""
        if not self.traced:
            return self.header
        return self.header.child(self.segment_id, sampled=self.header.sampled is not False)

    @property
    def sampled(self) -> bool:
        return self.traced and self.header.sampled is not False

    @property
    def answer(self) -> str:
        """The response's `X-Amzn-Trace-Id`: the trace's Root, and the sampling decision
        when the stage made one."""
        return TraceHeader(self.header.root, None, self.sampled if self.traced else None).render()


def gateway_begin(
    client_header: str | None, traced: bool, now: float | None = None
) -> GatewayTrace:
    start = time.time() if now is None else now
    header = continue_or_start(client_header, start)
    if traced and header.sampled is None:
        header = TraceHeader(header.root, header.parent, sampling.active().decide())
    trace = GatewayTrace(header, traced, start)
    INCOMING.set(trace.downstream if trace.sampled else trace.header)
    return trace


def gateway_end_unsampled() -> None:
    """The end of a request whose trace is not sampled: only the integration's header is
    forgotten (gateway_end without building a segment)."""
    INCOMING.set(None)


def gateway_end(
    trace: GatewayTrace,
    *,
    name: str,
    resource_arn: str,
    method: str,
    url: str,
    client_ip: str,
    user_agent: str | None,
    status: int,
    length: int,
    integration: tuple[float, float] | None = None,
    request_id: str = "",
) -> None:
    """Record the stage's segment (when sampled); `integration` is its (start, end)."""
    INCOMING.set(None)
    if not trace.sampled:
        return
    end = time.time()
    request: dict[str, Any] = {"method": method, "url": url, "client_ip": client_ip}
    if user_agent:
        request["user_agent"] = user_agent
    doc: dict[str, Any] = {
        "name": name[:200],
        "id": trace.segment_id,
        "trace_id": trace.header.root,
        "start_time": trace.start,
        "end_time": max(end, trace.start),
        "origin": "AWS::ApiGateway::Stage",
        "resource_arn": resource_arn,
        "http": {"request": request, "response": {"status": status, "content_length": length}},
        "aws": {"api_gateway": {"request_id": request_id}},
        "annotations": {},
        "metadata": {},
    }
    if trace.header.parent:
        doc["parent_id"] = trace.header.parent
    _flags(doc, status)
    if integration is not None:
        doc["subsegments"] = [
            {
                "id": new_segment_id(),
                "name": "Integration",
                "start_time": integration[0],
                "end_time": max(integration[1], integration[0]),
                "namespace": "remote",
            }
        ]
    _put(doc)


def _flags(doc: dict[str, Any], status: int) -> None:
    """X-Ray's flags from an HTTP status: 429 throttle (and error), 4xx error, 5xx fault."""
    if status == 429:
        doc["throttle"] = True
    if 400 <= status < 500:
        doc["error"] = True
    elif status >= 500:
        doc["fault"] = True


# -- Lambda ---------------------------------------------------------------------------
@dataclass
class LambdaTrace:
    header: TraceHeader  # the caller's trace (or a new one)
    sampled: bool
    start: float
    service_id: str = field(default_factory=new_segment_id)
    function_id: str = field(default_factory=new_segment_id)

    @property
    def function_header(self) -> str:
        """`_X_AMZN_TRACE_ID` for the function: its function segment as Parent."""
        if not self.sampled:
            return TraceHeader(self.header.root, self.header.parent, False).render()
        return TraceHeader(self.header.root, self.function_id, True).render()


def lambda_begin(mode: str, now: float | None = None) -> LambdaTrace:
    """Active tracing keeps the caller's decision and makes one by the sampling rule when
    the caller left it open; PassThrough records only those the caller sampled."""
    incoming = INCOMING.get()
    start = time.time() if now is None else now
    header = incoming or continue_or_start(None, start)
    if mode == "Active" and header.sampled is None:
        header = TraceHeader(header.root, header.parent, sampling.active().decide())
    sampled = header.sampled is True
    return LambdaTrace(header, sampled, start)


def lambda_end(
    trace: LambdaTrace,
    *,
    function_name: str,
    function_arn: str,
    request_id: str,
    init: tuple[float, float] | None,
    invocation: tuple[float, float] | None,
    status: str,
    error: str | None = None,
) -> None:
    """Record the invocation's two segments (when sampled). `status`: the outcome's
    ("ok", "error", "timeout", "init", "exit")."""
    if not trace.sampled:
        return
    end = time.time()
    root = trace.header.root
    subsegments = []
    if init is not None:
        subsegments.append(_sub("Initialization", *init))
    if invocation is not None:
        invoke = _sub("Invocation", *invocation)
        if status != "ok":
            invoke["error" if status == "error" else "fault"] = True
            if error:
                invoke["cause"] = {"exceptions": [{"id": new_segment_id(), "message": error}]}
        subsegments.append(invoke)
        subsegments.append(_sub("Overhead", invocation[1], end))
    function: dict[str, Any] = {
        "name": function_name,
        "id": trace.function_id,
        "trace_id": root,
        "parent_id": trace.service_id,
        "start_time": trace.start if init is None else min(trace.start, init[0]),
        "end_time": end,
        "origin": "AWS::Lambda::Function",
        "aws": {"function_arn": function_arn, "resource_names": [function_name]},
        "subsegments": subsegments,
    }
    service: dict[str, Any] = {
        "name": function_name,
        "id": trace.service_id,
        "trace_id": root,
        "start_time": trace.start,
        "end_time": end,
        "origin": "AWS::Lambda",
        "resource_arn": function_arn,
        "aws": {"request_id": request_id},
        "http": {"response": {"status": 200}},
    }
    if trace.header.parent:
        service["parent_id"] = trace.header.parent
    if status == "error":
        function["error"] = True  # the function's code raised: an error, Lambda answered
    elif status != "ok":
        function["fault"] = service["fault"] = True  # timeout, crash, failed init
    _put(service)
    _put(function)


def _sub(name: str, start: float, end: float) -> dict[str, Any]:
    return {"id": new_segment_id(), "name": name, "start_time": start, "end_time": max(end, start)}


def continue_trace(client_header: str | None) -> None:
    """An HTTP API (which records no segment of its own: X-Ray does not trace HTTP APIs,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html)
    hands its request's trace to the functions it invokes, so their segments join it."""
    INCOMING.set(parse(client_header))
