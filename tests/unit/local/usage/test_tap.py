"""Lambda's and CloudFront's built-in metrics also reach the usage totals."""

from __future__ import annotations

from types import SimpleNamespace

from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.lambda_runtime.metrics import InvocationMetrics
from stratus.local.usage.recorder import UsageRecorder
from stratus.local.usage.tap import UsageTap, http_metered, record_http, record_rest


def test_invocations_count_once_per_function_whatever_the_alias() -> None:
    usage = UsageRecorder()
    tap = UsageTap(usage)
    lambda_metrics = InvocationMetrics(tap, "us-east-1")
    lambda_metrics.invoked("fn", "live", "3", error=False, duration_ms=10.2)
    lambda_metrics.invoked("fn", None, "$LATEST", error=True, duration_ms=5.0)
    entry = usage.snapshot()["functions"]["us-east-1/fn"]
    assert entry["invocations"] == 2
    assert entry["billed_ms"] == 11 + 5  # each rounded up to the millisecond
    assert tap.drain()  # CloudWatch still gets the same metrics


def test_cloudfront_requests_and_bytes() -> None:
    usage = UsageRecorder()
    tap = UsageTap(usage)
    dims = ((("DistributionId", "E1"), ("Region", "Global")),)
    tap.count("us-east-1", "AWS/CloudFront", "Requests", dims)
    tap.count("us-east-1", "AWS/CloudFront", "BytesDownloaded", dims, 500.0, "None")
    assert usage.snapshot()["distributions"]["E1"] == {"id": "E1", "requests": 1, "bytes_out": 500}


def test_rest_requests_count_per_api_and_route_and_plain_metrics_ignore_them() -> None:
    usage = UsageRecorder()
    api, stage = SimpleNamespace(api_id="a1", name="Api"), SimpleNamespace(name="prod")
    method, req = SimpleNamespace(resource_path="/todos/{id}"), SimpleNamespace(method="GET")
    record_rest(UsageTap(usage), "us-east-1", api, stage, method, req, b"hello")
    record_rest(UsageTap(usage), "us-east-1", api, stage, None, req, b"")
    record_rest(BuiltinMetrics(), "us-east-1", api, stage, method, req, b"x")
    snapshot = usage.snapshot()
    assert snapshot["apis"]["a1/prod"]["requests"] == 2
    assert snapshot["apis"]["a1/prod"]["bytes_out"] == 5
    assert snapshot["routes"]["a1/prod/GET /todos/{id}"]["requests"] == 1


def test_http_api_requests_count_per_api_and_route_metered_per_512_kb() -> None:
    usage = UsageRecorder()
    api, stage = SimpleNamespace(api_id="h1", name="Http"), SimpleNamespace(name="$default")
    small = SimpleNamespace(body=b"{}")
    big = SimpleNamespace(body=b"x" * (512 * 1024 + 1))
    record_http(UsageTap(usage), "us-east-1", api, stage, "GET /items", small, small)
    record_http(UsageTap(usage), "us-east-1", api, stage, "POST /items", big, small)
    record_http(UsageTap(usage), "us-east-1", api, stage, "-", small, small)  # no route
    record_http(BuiltinMetrics(), "us-east-1", api, stage, "GET /items", small, small)
    snapshot = usage.snapshot()
    entry = snapshot["apis"]["h1/$default"]
    assert entry["kind"] == "HTTP"
    assert entry["requests"] == 3
    assert entry["metered_requests"] == 1 + 2 + 1
    assert entry["bytes_out"] == 6
    assert entry["bytes_in"] == 2 + 512 * 1024 + 1 + 2
    assert snapshot["routes"]["h1/$default/GET /items"]["requests"] == 1
    assert snapshot["routes"]["h1/$default/POST /items"]["requests"] == 1
    assert len(snapshot["routes"]) == 2


def test_http_metering_counts_each_512_kb_started_in_the_larger_direction() -> None:
    assert http_metered(0, 0) == 1
    assert http_metered(512 * 1024, 10) == 1
    assert http_metered(10, 512 * 1024 + 1) == 2
    assert http_metered(3 * 512 * 1024, 0) == 3
