"""The local CloudFront edge through a running cloud, over real HTTPS: an S3 origin behind
origin access control with a Lambda@Edge language choice, the REST API and a counting HTTP
server as origins, real caching (hits, collapsing, revalidation, ranges, compression),
invalidations through boto3, CloudFront's headers and error answers, and bad input.
The CDK app is `tests/fixtures/apps/edge`."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "edge"
PAGE = ("<html><body>" + "lorem ipsum dolor sit amet " * 80 + "</body></html>").encode()


class _Upstream(BaseHTTPRequestHandler):
    """The custom origin: counts requests per path and answers per path."""

    protocol_version = "HTTP/1.1"
    counts: ClassVar[Counter[str]] = Counter()
    seen: ClassVar[list[dict[str, Any]]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.lock:
            self.counts[path] += 1
            self.seen.append(
                {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
            )
        headers: dict[str, str] = {"Content-Type": "text/html"}
        status, body = 200, PAGE
        if path == "/custom/slow":
            time.sleep(0.5)
        elif path == "/custom/etag":
            headers.update({"ETag": '"v1"', "Cache-Control": "max-age=1"})
            if self.headers.get("If-None-Match") == '"v1"':
                status, body = 304, b""
        elif path == "/custom/nostore":
            headers["Cache-Control"] = "no-store"
        elif path == "/custom/echo":
            headers["Content-Type"] = "application/json"
            body = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
        elif path == "/custom/error":
            status, body = 500, b"origin broke"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[type[_Upstream]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Upstream.port = server.server_address[1]  # type: ignore[attr-defined]
    try:
        yield _Upstream
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def cloud(
    tmp_path_factory: pytest.TempPathFactory, upstream: type[_Upstream]
) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    port = upstream.port  # type: ignore[attr-defined]
    with app_cloud(app_dir, extra_args=["-c", f"upstream_port={port}"]) as handle:
        s3 = aws_client(handle, "s3")
        bucket = handle.stack_output("BucketName")
        for key, body in {
            "index.html": b"<html>root</html>",
            "en/index.html": b"<html lang=en>hello</html>",
            "fr/index.html": b"<html lang=fr>bonjour</html>",
            "de/index.html": b"<html lang=de>hallo</html>",
            "en/about.html": b"<html lang=en>about</html>",
            "errors/404.html": b"<html>not here</html>",
            "big.txt": bytes(range(256)) * 40,
        }.items():
            kind = "text/html" if key.endswith(".html") else "text/plain"
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=kind)
        s3.put_object(
            Bucket=handle.stack_output("PrivateBucketName"), Key="private/secret.txt", Body=b"no"
        )
        yield handle


@pytest.fixture(scope="module")
def edge(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    domain = cloud.stack_output("DistributionDomain")
    with httpx.Client(
        base_url=cloud.edge_origin,
        headers={"Host": domain},
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=30,
    ) as client:
        yield client


def _count(upstream: type[_Upstream], path: str) -> int:
    with upstream.lock:
        return upstream.counts[path]


# -- provisioning and routing -----------------------------------------------------------------
def test_distribution_has_a_local_domain_and_the_site_url_the_edge_port(
    cloud: LocalCloudHandle,
) -> None:
    domain = cloud.stack_output("DistributionDomain")
    assert domain.endswith(".cloudfront.localhost") and domain.startswith("d")
    port = cloud.edge_origin.rsplit(":", 1)[1]
    assert cloud.stack_output("SiteUrl") == f"https://{domain}:{port}/"


def test_distribution_is_known_to_the_cloudfront_api(cloud: LocalCloudHandle) -> None:
    cf = aws_client(cloud, "cloudfront")
    dist_id = cloud.stack_output("DistributionId")
    assert cf.get_distribution(Id=dist_id)["Distribution"]["Id"] == dist_id


def test_unknown_host_is_refused_and_the_path_prefix_reaches_the_distribution(
    cloud: LocalCloudHandle, edge: httpx.Client
) -> None:
    refused = edge.get("/", headers={"Host": "nobody.example"})
    assert refused.status_code == 403
    assert refused.headers["x-cache"] == "Error from cloudfront"
    dist_id = cloud.stack_output("DistributionId")
    by_path = edge.get(f"/_stratus/distributions/{dist_id}/?raw", headers={"Host": "127.0.0.1"})
    assert by_path.status_code == 200 and by_path.text == "<html>root</html>"


# -- S3 with OAC, Lambda@Edge, headers ---------------------------------------------------------
def test_viewer_request_function_picks_the_language_and_each_is_cached_apart(
    edge: httpx.Client,
) -> None:
    first = edge.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert first.status_code == 200, first.text
    assert first.text == "<html lang=fr>bonjour</html>"
    assert first.headers["x-cache"] == "Miss from cloudfront"
    again = edge.get("/", headers={"Accept-Language": "fr"})
    assert again.headers["x-cache"] == "Hit from cloudfront"
    assert int(again.headers["age"]) >= 0
    german = edge.get("/", headers={"Accept-Language": "de-DE"})
    assert german.text == "<html lang=de>hallo</html>"
    assert german.headers["x-cache"] == "Miss from cloudfront"
    by_cookie = edge.get("/", headers={"Accept-Language": "de", "Cookie": "lang=fr"})
    assert by_cookie.text == "<html lang=fr>bonjour</html>"
    assert by_cookie.headers["x-cache"] == "Hit from cloudfront"


def test_responses_carry_cloudfront_and_policy_headers(edge: httpx.Client) -> None:
    response = edge.get("/about.html", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "about" in response.text
    assert response.headers["via"].endswith(".cloudfront.net (CloudFront)")
    assert len(response.headers["x-amz-cf-id"]) == 56
    assert response.headers["x-amz-cf-pop"]
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-edge-test"] == "yes"


def test_missing_key_is_s3_403_answered_with_the_custom_error_page(edge: httpx.Client) -> None:
    response = edge.get("/nothing-here.html")
    assert response.status_code == 404
    assert response.text == "<html>not here</html>"
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_bucket_without_origin_access_refuses_the_edge(edge: httpx.Client) -> None:
    response = edge.get("/private/secret.txt")
    assert response.status_code == 404  # S3's 403, through the custom error response
    assert response.text != "no"


def test_default_root_object_serves_the_root(edge: httpx.Client) -> None:
    assert edge.get("/?raw").text == "<html>root</html>"


def test_method_not_allowed_by_the_behaviour_is_403(edge: httpx.Client) -> None:
    response = edge.post("/index.html", content=b"x")
    assert response.status_code == 403
    assert "not configured to allow the HTTP request method" in response.text


# -- Lambda@Edge results and limits ------------------------------------------------------------
def test_viewer_request_function_may_answer_itself(edge: httpx.Client) -> None:
    response = edge.get("/edge/generated")
    assert response.status_code == 200 and response.text == "generated at the edge"
    assert response.headers["x-cache"] == "LambdaGeneratedResponse from cloudfront"


def test_generated_body_over_40_kb_is_502(edge: httpx.Client) -> None:
    response = edge.get("/edge/big")
    assert response.status_code == 502
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_failing_function_is_503(edge: httpx.Client) -> None:
    assert edge.get("/edge/fail").status_code == 503


def test_viewer_function_over_5_seconds_is_503(edge: httpx.Client) -> None:
    started = time.monotonic()
    response = edge.get("/edge/slow")
    assert response.status_code == 503
    assert time.monotonic() - started < 6


# -- caching against a counting origin ---------------------------------------------------------
def test_cache_key_holds_the_policy_query_string_and_header_only(
    edge: httpx.Client, upstream: type[_Upstream]
) -> None:
    path = "/custom/page"
    before = _count(upstream, path)
    assert edge.get(f"{path}?v=1&junk=a").headers["x-cache"] == "Miss from cloudfront"
    assert edge.get(f"{path}?v=1&junk=b").headers["x-cache"] == "Hit from cloudfront"
    assert edge.get(f"{path}?v=2").headers["x-cache"] == "Miss from cloudfront"
    variant = edge.get(f"{path}?v=1", headers={"x-variant": "b"})
    assert variant.headers["x-cache"] == "Miss from cloudfront"
    assert _count(upstream, path) - before == 3


def test_concurrent_misses_are_collapsed_into_one_origin_request(
    cloud: LocalCloudHandle, upstream: type[_Upstream]
) -> None:
    domain = cloud.stack_output("DistributionDomain")
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))

    def one(_: int) -> str:
        with httpx.Client(verify=verify, timeout=30) as client:
            response = client.get(f"{cloud.edge_origin}/custom/slow?v=c", headers={"Host": domain})
            assert response.status_code == 200
            return response.headers["x-cache"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        labels = list(pool.map(one, range(12)))
    assert _count(upstream, "/custom/slow") == 1
    assert labels.count("Miss from cloudfront") == 1
    assert labels.count("Hit from cloudfront") == 11


def test_stale_object_is_revalidated_as_a_refresh_hit(
    edge: httpx.Client, upstream: type[_Upstream]
) -> None:
    assert edge.get("/custom/etag").headers["x-cache"] == "Miss from cloudfront"
    assert edge.get("/custom/etag").headers["x-cache"] == "Hit from cloudfront"
    time.sleep(1.2)
    refreshed = edge.get("/custom/etag")
    assert refreshed.headers["x-cache"] == "RefreshHit from cloudfront"
    assert refreshed.content == PAGE
    assert upstream.seen[-1]["headers"].get("if-none-match") == '"v1"'
    assert _count(upstream, "/custom/etag") == 2


def test_no_store_is_not_cached(edge: httpx.Client, upstream: type[_Upstream]) -> None:
    before = _count(upstream, "/custom/nostore")
    for _ in range(2):
        assert edge.get("/custom/nostore").headers["x-cache"] == "Miss from cloudfront"
    assert _count(upstream, "/custom/nostore") - before == 2


def test_origin_sees_only_what_the_policies_forward(edge: httpx.Client) -> None:
    seen = edge.get(
        "/custom/echo?v=e&junk=1",
        headers={"x-forwarded-thing": "yes", "x-other": "no", "x-variant": "v"},
    ).json()
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["path"] == "/custom/echo?v=e"
    assert headers["x-forwarded-thing"] == "yes" and headers["x-variant"] == "v"
    assert "x-other" not in headers
    assert headers["user-agent"] == "Amazon CloudFront"
    assert headers["via"].endswith("(CloudFront)")


def test_origin_errors_are_errors_from_cloudfront(edge: httpx.Client) -> None:
    response = edge.get("/custom/error")
    assert response.status_code == 500 and response.text == "origin broke"
    assert response.headers["x-cache"] == "Error from cloudfront"


def test_legacy_forwarded_values_key_on_every_query_string(
    edge: httpx.Client, upstream: type[_Upstream]
) -> None:
    before = _count(upstream, "/legacy/page")
    assert edge.get("/legacy/page?q=1").headers["x-cache"] == "Miss from cloudfront"
    assert edge.get("/legacy/page?q=1").headers["x-cache"] == "Hit from cloudfront"
    assert edge.get("/legacy/page?q=2").headers["x-cache"] == "Miss from cloudfront"
    assert _count(upstream, "/legacy/page") - before == 2


# -- conditional, range, compression, HEAD -----------------------------------------------------
def test_viewer_conditional_request_is_304_from_cache(edge: httpx.Client) -> None:
    first = edge.get("/about.html")
    etag = first.headers["etag"]
    again = edge.get("/about.html", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["x-cache"] == "Hit from cloudfront"


def test_range_requests_are_served_from_the_cache(edge: httpx.Client) -> None:
    whole = edge.get("/big.txt")
    assert whole.status_code == 200 and len(whole.content) == 10240
    part = edge.get("/big.txt", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == "bytes 10-19/10240"
    assert part.headers["x-cache"] == "Hit from cloudfront"
    suffix = edge.get("/big.txt", headers={"Range": "bytes=-5"})
    assert suffix.content == whole.content[-5:]
    past = edge.get("/big.txt", headers={"Range": "bytes=20000-"})
    assert past.status_code == 416 and past.headers["content-range"] == "bytes */10240"
    malformed = edge.get("/big.txt", headers={"Range": "bytes=abc"})
    assert malformed.status_code == 200 and len(malformed.content) == 10240


def test_compression_when_the_viewer_accepts_it(edge: httpx.Client) -> None:
    plain = edge.get("/custom/page?v=z", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = edge.get("/custom/page?v=z", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == PAGE  # httpx decoded the gzip body
    assert packed.headers["etag"].startswith("W/") if "etag" in packed.headers else True
    assert packed.headers["x-cache"] == "Hit from cloudfront"


def test_head_has_the_length_and_no_body(edge: httpx.Client) -> None:
    edge.get("/big.txt")
    head = edge.head("/big.txt", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "10240"
    packed = edge.head("/big.txt", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < 10240


# -- API origin --------------------------------------------------------------------------------
def test_api_origin_through_the_gateway_with_origin_cache_control(edge: httpx.Client) -> None:
    first = edge.get("/api/items?page=2&other=x")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["path"] == "/api/items" and body["stage"] == "prod"
    assert body["query"] == {"page": "2"}
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert edge.get("/api/items?page=2").headers["x-cache"] == "Hit from cloudfront"
    assert edge.get("/api/items?page=3").headers["x-cache"] == "Miss from cloudfront"


# -- invalidations -----------------------------------------------------------------------------
def test_invalidation_through_boto3_empties_the_cache(
    cloud: LocalCloudHandle, edge: httpx.Client, upstream: type[_Upstream]
) -> None:
    cf = aws_client(cloud, "cloudfront")
    dist_id = cloud.stack_output("DistributionId")
    edge.get("/custom/page?v=inv")
    assert edge.get("/custom/page?v=inv").headers["x-cache"] == "Hit from cloudfront"
    created = cf.create_invalidation(
        DistributionId=dist_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/custom/*"]},
            "CallerReference": str(time.time()),
        },
    )["Invalidation"]
    assert edge.get("/custom/page?v=inv").headers["x-cache"] == "Miss from cloudfront"
    got = cf.get_invalidation(DistributionId=dist_id, Id=created["Id"])["Invalidation"]
    assert got["InvalidationBatch"]["Paths"]["Items"] == ["/custom/*"]
    listed = cf.list_invalidations(DistributionId=dist_id)["InvalidationList"]
    assert created["Id"] in [i["Id"] for i in listed["Items"]]
    # CloudFront's word for done, which `aws cloudfront wait invalidation-completed` expects
    assert created["Status"] == got["Status"] == "Completed"
    assert {i["Status"] for i in listed["Items"]} == {"Completed"}
    cf.get_waiter("invalidation_completed").wait(
        DistributionId=dist_id, Id=created["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    # other paths stay cached
    assert edge.get("/about.html").headers["x-cache"] == "Hit from cloudfront"


def test_invalid_invalidation_paths_are_refused(cloud: LocalCloudHandle) -> None:
    cf = aws_client(cloud, "cloudfront")
    for bad in ("custom/page", "/a*b"):
        with pytest.raises(ClientError) as caught:
            cf.create_invalidation(
                DistributionId=cloud.stack_output("DistributionId"),
                InvalidationBatch={
                    "Paths": {"Quantity": 1, "Items": [bad]},
                    "CallerReference": f"bad-{bad}",
                },
            )
        assert caught.value.response["Error"]["Code"] == "InvalidArgument"


# -- bad input ---------------------------------------------------------------------------------
def _raw(cloud: LocalCloudHandle, head: bytes) -> bytes:
    host, port = cloud.edge_origin.removeprefix("https://").split(":")
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with (
        socket.create_connection((host, int(port)), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        tls.sendall(head)
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and b"content-length: " in data.lower():
                head_end = data.index(b"\r\n\r\n") + 4
                length = int(data.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                if len(data) >= head_end + length:
                    break
        return data


def test_dot_segments_cannot_climb_out_of_the_distribution(cloud: LocalCloudHandle) -> None:
    domain = cloud.stack_output("DistributionDomain").encode()
    answer = _raw(cloud, b"GET /en/../fr/index.html HTTP/1.1\r\nHost: " + domain + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"bonjour</html>")
    climbing = _raw(
        cloud, b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: " + domain + b"\r\n\r\n"
    )
    assert climbing.startswith(b"HTTP/1.1 404")
    assert b"root:" not in climbing


def test_oversized_request_head_is_refused(cloud: LocalCloudHandle) -> None:
    domain = cloud.stack_output("DistributionDomain").encode()
    answer = _raw(
        cloud,
        b"GET / HTTP/1.1\r\nHost: " + domain + b"\r\nX-Big: " + b"a" * 21000 + b"\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 431")


def test_overlong_url_is_414(edge: httpx.Client) -> None:
    response = edge.get("/" + "a" * 9000)
    assert response.status_code == 414


def test_edge_stats_count_origin_requests(edge: httpx.Client) -> None:
    stats = edge.get("/_stratus/edge/stats").json()
    assert stats["hits"] > 0 and stats["origin_requests"] > 0 and stats["collapsed"] >= 11


def test_viewer_requests_become_cloudfront_metrics(
    cloud: LocalCloudHandle, edge: httpx.Client
) -> None:
    """Requests and the error rates per DistributionId (Region Global, us-east-1) reach
    CloudWatch on the next tick: what a CloudFront 5xx-rate alarm watches."""
    assert edge.get("/en/about.html").status_code == 200
    assert edge.get("/missing.html").status_code == 404
    cloudwatch = aws_client(cloud, "cloudwatch")
    dims = [
        {"Name": "DistributionId", "Value": cloud.stack_output("DistributionId")},
        {"Name": "Region", "Value": "Global"},
    ]

    def stat(metric: str, statistic: str) -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/CloudFront",
            MetricName=metric,
            Dimensions=dims,
            StartTime=time.time() - 600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=[statistic],
        )["Datapoints"]
        return float(sum(p[statistic] for p in points))

    deadline = time.monotonic() + 20
    while stat("Requests", "Sum") < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stat("Requests", "Sum") >= 2
    deadline = time.monotonic() + 20
    while stat("4xxErrorRate", "Maximum") < 100 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stat("4xxErrorRate", "Maximum") >= 100.0  # a 404 is a 4xx: 100 %
    assert stat("5xxErrorRate", "SampleCount") >= 2
