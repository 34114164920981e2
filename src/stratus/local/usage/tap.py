"""Usage from what services already report: a BuiltinMetrics that also keeps totals.

Lambda (`lambda_runtime.metrics`) and CloudFront (`cloudfront.edge`) already record every
invocation and every edge request into the cloud's BuiltinMetrics aggregator. The usage
service puts this subclass in its place before any service takes it, so those counts reach
the usage recorder with no change to either service; CloudWatch still drains the same
metrics as before. The REST and HTTP API gateways, which know the route and the bytes sent,
call `record_rest` / `record_http` (one-line hooks); a metrics object without usage ignores
them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from stratus.local.core.metrics import BuiltinMetrics, Dimensions
from stratus.local.usage.recorder import UsageRecorder

# HTTP API requests are metered in 512 KB increments: a larger request bills as several
# (https://aws.amazon.com/api-gateway/pricing/, HTTP APIs).
HTTP_METER_BYTES = 512 * 1024


def _function(dimension_sets: Sequence[Dimensions]) -> str | None:
    """The function name of the per-function set (not its version or alias sets)."""
    for dims in dimension_sets:
        if len(dims) == 1 and dims[0][0] == "FunctionName":
            return dims[0][1]
    return None


def _distribution(dimension_sets: Sequence[Dimensions]) -> str | None:
    for dims in dimension_sets:
        for name, value in dims:
            if name == "DistributionId":
                return value
    return None


class UsageTap(BuiltinMetrics):
    """BuiltinMetrics + totals of Lambda invocations/durations and CloudFront requests/bytes."""

    def __init__(self, usage: UsageRecorder) -> None:
        super().__init__()
        self.usage = usage

    def count(
        self,
        region: str,
        namespace: str,
        name: str,
        dimension_sets: Sequence[Dimensions],
        value: float = 1.0,
        unit: str = "Count",
    ) -> None:
        super().count(region, namespace, name, dimension_sets, value, unit)
        if namespace == "AWS/Lambda" and name == "Invocations":
            function = _function(dimension_sets)
            if function is not None:
                self.usage.add(
                    "functions",
                    f"{region}/{function}",
                    {"name": function, "region": region},
                    invocations=value,
                )
        elif namespace == "AWS/CloudFront" and name in ("Requests", "BytesDownloaded"):
            dist = _distribution(dimension_sets)
            if dist is not None:
                field = "requests" if name == "Requests" else "bytes_out"
                self.usage.add("distributions", dist, {"id": dist}, **{field: value})

    def observe(
        self,
        region: str,
        namespace: str,
        name: str,
        dimension_sets: Sequence[Dimensions],
        value: float,
        unit: str = "Milliseconds",
    ) -> None:
        super().observe(region, namespace, name, dimension_sets, value, unit)
        if namespace == "AWS/Lambda" and name == "Duration":
            function = _function(dimension_sets)
            if function is not None:
                # Lambda bills duration rounded up to the nearest millisecond
                # (https://aws.amazon.com/lambda/pricing/).
                self.usage.add(
                    "functions",
                    f"{region}/{function}",
                    {"name": function, "region": region},
                    duration_ms=value,
                    billed_ms=float(math.ceil(value)),
                )


def record_api(
    metrics: BuiltinMetrics | None,
    region: str,
    api_id: str,
    api_name: str,
    stage: str,
    route: str | None,
    bytes_out: int,
    *,
    kind: str = "REST",
    bytes_in: int = 0,
    metered: int = 1,
) -> None:
    """One API request answered: per API+stage and per route (`metered`: the requests AWS
    bills it as)."""
    usage = getattr(metrics, "usage", None)
    if not isinstance(usage, UsageRecorder):
        return
    info = {"api_id": api_id, "name": api_name, "stage": stage, "region": region, "kind": kind}
    usage.add(
        "apis",
        f"{api_id}/{stage}",
        info,
        requests=1,
        bytes_out=bytes_out,
        bytes_in=bytes_in,
        metered_requests=metered,
    )
    if route is not None:
        usage.add("routes", f"{api_id}/{stage}/{route}", {**info, "route": route}, requests=1)


def record_rest(
    metrics: BuiltinMetrics | None,
    region: str,
    api: Any,
    stage: Any,
    method: Any,
    request: Any,
    body: bytes,
) -> None:
    """The REST gateway's hook: its RestApi, Stage, Method (None: no route matched) and
    RequestInfo, read by attribute so this module does not depend on the gateway."""
    path = getattr(method, "resource_path", None)
    route = f"{request.method} {path}" if path is not None else None
    sent = len(getattr(request, "body", b"") or b"")
    record_api(metrics, region, api.api_id, api.name, stage.name, route, len(body), bytes_in=sent)


def http_metered(request_bytes: int, response_bytes: int) -> int:
    """The requests one HTTP API call bills as: one per 512 KB started. The pricing page does
    not say which direction is metered; the larger of the two is taken (errs high)."""
    return max(1, math.ceil(max(request_bytes, response_bytes) / HTTP_METER_BYTES))


def record_http(
    metrics: BuiltinMetrics | None,
    region: str,
    api: Any,
    stage: Any,
    route_key: str | None,
    request: Any,
    response: Any,
) -> None:
    """The HTTP API gateway's hook: its HttpApi, Stage, matched route key (None or "-": no
    route matched), HttpRequest and HttpResponse, read by attribute."""
    route = route_key if route_key and route_key != "-" else None
    sent = len(getattr(request, "body", b"") or b"")
    answered = len(getattr(response, "body", b"") or b"")
    record_api(
        metrics,
        region,
        api.api_id,
        api.name,
        stage.name,
        route,
        answered,
        kind="HTTP",
        bytes_in=sent,
        metered=http_metered(sent, answered),
    )
