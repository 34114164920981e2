"""The local Application Load Balancer, from a CDK app (tests/fixtures/apps/alb) with an
HTTPS listener (ACM certificate), an HTTP->HTTPS redirect, path/host/fixed/weighted/
redirect rules and two IP target groups whose targets are small HTTP servers this test
starts and registers through `elbv2.register_targets` on the local endpoint (as ECS
registers its tasks): routing by path and host, the headers ALB adds, streaming with
Range, ALB's own 502/503/504, a killed target marked unhealthy and skipped, draining.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

pytestmark = pytest.mark.integration
APP = ROOT / "tests" / "fixtures" / "apps" / "alb"
BIG = bytes(range(256)) * (8 * 4096)  # 8 MiB


class _Target(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self._send(500 if self.server.sick else 200, b"ok")
        elif path.endswith("/slow"):
            time.sleep(4)
            self._send(200, b"late")
        elif path.endswith("/close"):
            self.close_connection = True  # no answer at all
        elif path.endswith("/drain"):
            time.sleep(1.5)  # within the load balancer's 2 s idle timeout
            self._send(200, b"finished")
        elif path.endswith("/big"):
            self._big()
        else:
            body = json.dumps(
                {"who": self.server.name, "path": self.path, "headers": dict(self.headers)}
            ).encode()
            self._send(200, body, "application/json")

    def _big(self) -> None:
        wanted = self.headers.get("range")
        if wanted:
            start, end = (int(x) for x in wanted.split("=", 1)[1].split("-"))
            self.send_response(206)
            self.send_header("content-range", f"bytes {start}-{end}/{len(BIG)}")
            self.send_header("content-length", str(end - start + 1))
            self.end_headers()
            self.wfile.write(BIG[start : end + 1])
            return
        self.send_response(200)
        self.send_header("content-length", str(len(BIG)))
        self.end_headers()
        for i in range(0, len(BIG), 65536):
            self.wfile.write(BIG[i : i + 65536])

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str, host: str) -> None:
        super().__init__((host, 0), _Target)
        self.name = name
        self.sick = False
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def target(self) -> dict[str, Any]:
        return {"Id": self.server_address[0], "Port": self.server_address[1]}


def _free_block(size: int) -> int:
    """A first port whose `size` consecutive ports are free (one per listener)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + size > 65535:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")


@dataclass
class Env:
    cloud: LocalCloudHandle
    elb: Any
    url: str  # LbUrl output, rewritten to the local HTTPS listener
    dns: str
    api: str
    admin: str
    a: _Server
    b: _Server
    c: _Server

    def get(self, path: str, *, host: str | None = None, **kw: Any) -> httpx.Response:
        """GET over HTTPS from the listener's local port: SNI and Host name `host`
        (default: the LB's DNS name), as a client resolving it to 127.0.0.1 would."""
        port = httpx.URL(self.url).port
        name = host or self.dns
        headers = {"host": f"{name}:{port}", **kw.pop("headers", {})}
        verify = ssl.create_default_context(cafile=str(self.cloud.ca_pem))
        with httpx.Client(verify=verify, timeout=30) as client:
            return client.get(
                f"https://127.0.0.1:{port}{path}",
                headers=headers,
                extensions={"sni_hostname": name},
                **kw,
            )

    def health(self, group: str, *targets: dict[str, Any]) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"TargetGroupArn": group}
        if targets:
            params["Targets"] = list(targets)
        return list(self.elb.describe_target_health(**params)["TargetHealthDescriptions"])


def _wait(what: str, check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds}s: {what}")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    app_dir = copy_fixture_app(tmp_path_factory, APP)
    with app_cloud(app_dir, extra_args=["--alb-port", str(_free_block(2))]) as cloud:
        elb = aws_client(cloud, "elbv2")
        servers = [_Server(n, f"127.0.0.{i}") for i, n in ((21, "a"), (22, "b"), (23, "c"))]
        api, admin = cloud.stack_output("ApiGroupArn"), cloud.stack_output("AdminGroupArn")
        elb.register_targets(TargetGroupArn=api, Targets=[servers[0].target, servers[1].target])
        elb.register_targets(TargetGroupArn=admin, Targets=[servers[2].target])
        env = Env(
            cloud,
            elb,
            cloud.stack_output("LbUrl"),
            cloud.stack_output("LbDnsName"),
            api,
            admin,
            *servers,
        )
        _wait(
            "every target healthy",
            lambda: all(
                row["TargetHealth"]["State"] == "healthy"
                for group in (api, admin)
                for row in env.health(group)
            ),
        )
        try:
            yield env
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()


def test_outputs_name_the_local_listener_and_describe_shows_the_local_name(env: Env) -> None:
    assert env.dns.endswith(".us-east-1.elb.localhost")
    url = httpx.URL(env.url)
    assert (url.scheme, url.host) == ("https", env.dns)
    described = env.elb.describe_load_balancers()["LoadBalancers"]
    assert [lb["DNSName"] for lb in described] == [env.dns]


def test_paths_and_hosts_route_to_their_groups_round_robin(env: Env) -> None:
    api_hits = {env.get("/api/items").json()["who"] for _ in range(4)}
    assert api_hits == {"a", "b"}
    admin = env.get("/anything", host="admin.example.test")
    assert admin.json() == {**admin.json(), "who": "c", "path": "/anything"}
    # Both groups behind one weighted rule (3:1) get requests: 60 calls miss the admin group
    # once in 30 million runs (0.75^60); 24 missed it once in a thousand.
    split = {env.get("/split/x").json()["who"] for _ in range(60)}
    assert split == {"a", "b", "c"}


def test_requests_are_counted_in_cloudwatch(env: Env) -> None:
    for _ in range(3):
        env.get("/api/counted")
    cloudwatch = aws_client(env.cloud, "cloudwatch")
    lb = env.elb.describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"]
    dims = [{"Name": "LoadBalancer", "Value": lb.split(":loadbalancer/", 1)[1]}]

    def counted() -> float:
        stats = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_2XX_Count",
            Dimensions=dims,
            StartTime=time.time() - 600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(p["Sum"] for p in stats)

    _wait("2XX counts in CloudWatch", lambda: counted() >= 3)


def test_the_target_sees_albs_headers_and_the_clients_host(env: Env) -> None:
    seen = env.get("/api/h?x=1", headers={"x-forwarded-for": "203.0.113.9"}).json()
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    port = httpx.URL(env.url).port
    assert seen["path"] == "/api/h?x=1"
    assert headers["host"] == f"{env.dns}:{port}"
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-port"] == str(port)
    assert headers["x-amzn-trace-id"].startswith("Root=1-")


def test_fixed_response_redirect_and_http_to_https(env: Env) -> None:
    fixed = env.get("/health-page")
    assert (fixed.status_code, fixed.text) == (200, "fixed by the load balancer")
    assert fixed.headers["server"] == "awselb/2.0"
    moved = env.get("/old/page?q=1")
    port = int(httpx.URL(env.url).port or 443)
    assert moved.status_code == 302
    assert moved.headers["location"] == f"https://{env.dns}:{port}/new/old/page?q=1"
    http_port = port + 1  # the HTTP:80 listener (ranked after the HTTPS one)
    plain = httpx.get(
        f"http://127.0.0.1:{http_port}/api/x?y=2", headers={"host": f"{env.dns}:{http_port}"}
    )
    assert plain.status_code == 301
    assert plain.headers["location"] == f"https://{env.dns}:{port}/api/x?y=2"


def test_admin_host_gets_the_listeners_acm_certificate(env: Env) -> None:
    context = ssl.create_default_context(cafile=str(env.cloud.ca_pem))
    port = httpx.URL(env.url).port
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="admin.example.test") as tls,
    ):
        cert: Any = tls.getpeercert()
    names = {value for kind, value in cert["subjectAltName"] if kind == "DNS"}
    assert names == {"alb.example.test", "admin.example.test"}


def test_large_download_streams_and_range_passes_through(env: Env) -> None:
    full = env.get("/api/big")
    assert full.status_code == 200
    assert hashlib.sha256(full.content).digest() == hashlib.sha256(BIG).digest()
    part = env.get("/api/big", headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(BIG)}"
    assert part.content == BIG[1000:2000]


def test_a_slow_target_meets_the_idle_timeout_with_504(env: Env) -> None:
    started = time.monotonic()
    answer = env.get("/api/slow")
    assert answer.status_code == 504
    assert "<title>504 Gateway Time-out</title>" in answer.text
    assert answer.headers["server"] == "awselb/2.0"
    assert 1.8 < time.monotonic() - started < 4


def test_a_target_closing_the_connection_is_502(env: Env) -> None:
    answer = env.get("/api/close")
    assert answer.status_code == 502
    assert "<title>502 Bad Gateway</title>" in answer.text


def test_a_killed_target_turns_unhealthy_and_is_skipped(env: Env) -> None:
    env.b.shutdown()
    env.b.server_close()
    _wait(
        "b unhealthy",
        lambda: env.health(env.api, env.b.target)[0]["TargetHealth"]["State"] == "unhealthy",
    )
    (row,) = env.health(env.api, env.b.target)
    assert row["TargetHealth"]["Reason"] == "Target.FailedHealthChecks"
    assert {env.get("/api/x").json()["who"] for _ in range(6)} == {"a"}


def test_a_sick_group_fails_open(env: Env) -> None:
    env.c.sick = True
    try:
        _wait(
            "c unhealthy",
            lambda: env.health(env.admin)[0]["TargetHealth"]["State"] == "unhealthy",
        )
        (row,) = env.health(env.admin)
        assert row["TargetHealth"]["Reason"] == "Target.ResponseCodeMismatch"
        # Its only target is unhealthy: ALB routes to it anyway.
        assert env.get("/x", host="admin.example.test").json()["who"] == "c"
    finally:
        env.c.sick = False
    _wait("c healthy again", lambda: env.health(env.admin)[0]["TargetHealth"]["State"] == "healthy")


def test_deregistering_drains_in_flight_requests_then_503(env: Env) -> None:
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(env.get, "/drain", host="admin.example.test")
        time.sleep(0.3)
        env.elb.deregister_targets(TargetGroupArn=env.admin, Targets=[env.c.target])
        (row,) = env.health(env.admin)
        assert row["TargetHealth"]["State"] == "draining"
        assert row["TargetHealth"]["Reason"] == "Target.DeregistrationInProgress"
        refused = env.get("/x", host="admin.example.test")
        assert refused.status_code == 503
        assert "<title>503 Service Temporarily Unavailable</title>" in refused.text
        finished = in_flight.result(timeout=10)
    assert (finished.status_code, finished.text) == (200, "finished")
    # After the group's 3 s deregistration delay the target is gone.
    _wait("c deregistered", lambda: env.health(env.admin) == [], seconds=10)
    (row,) = env.health(env.admin, env.c.target)
    assert row["TargetHealth"]["State"] == "unused"
    assert row["TargetHealth"]["Reason"] == "Target.NotRegistered"
    # Deregistering a target that is no longer registered succeeds, as on AWS.
    env.elb.deregister_targets(TargetGroupArn=env.admin, Targets=[env.c.target])
