"""The updates system running (`stratus up --system updates`): the update server's instances
are local processes of the Auto Scaling group behind the local ALB, CloudFront in front.
Manifest and a 100 MiB binary through CloudFront (sha256 as the manifest says), a broken
download resumed with Range, the second fetch served by the edge (the instances' access
logs show no new request), and a killed instance replaced by the group.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle, start_local_cloud, stop_local_cloud

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloudHandle]:
    proc, handle = start_local_cloud(
        ROOT / ".stratus" / "test-updates", extra_args=["--system", "updates"]
    )
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def loopback(url: str) -> tuple[str, dict[str, str]]:
    """(base URL on 127.0.0.1, Host header): Python does not resolve `*.localhost` names."""
    parts = httpx.URL(url)
    return f"{parts.scheme}://127.0.0.1:{parts.port}", {"host": f"{parts.host}:{parts.port}"}


def outputs(cloud: LocalCloudHandle) -> dict[str, Any]:
    stack = next(v for v in cloud.outputs.values() if "UpdatesUrl" in v)
    return dict(stack)


def group_status(cloud: LocalCloudHandle) -> dict[str, Any]:
    found = list((cloud.state_dir / "autoscaling").glob("*/instances.json"))
    if not found:  # the first instance is still publishing the release
        return {"instances": [], "replaced": 0}
    data: dict[str, Any] = json.loads(found[0].read_text())
    return data


def origin_gets(cloud: LocalCloudHandle, path: str) -> int:
    """GETs of `path` the instances logged (every instance of this run, old and new)."""
    count = 0
    for log in (cloud.state_dir / "autoscaling").glob("*/logs/*.log"):
        count += sum(1 for line in log.read_text().splitlines() if f'"GET {path}"' in line)
    return count


def wait_in_service(cloud: LocalCloudHandle, count: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = group_status(cloud)
        running = [i for i in status["instances"] if i["state"] == "in-service"]
        if len(running) >= count or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


@pytest.fixture(scope="module")
def edge(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    wait_in_service(cloud, 2)
    base, host = loopback(outputs(cloud)["UpdatesUrl"])
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=base, headers=host, verify=context, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def release(edge: httpx.Client) -> dict[str, Any]:
    answer = edge.get("/manifest.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=60"
    entry: dict[str, Any] = answer.json()["releases"][0]["files"][0]
    return entry


def sha256_of(client: httpx.Client, path: str, **headers: str) -> tuple[str, int, httpx.Response]:
    digest, size = hashlib.sha256(), 0
    with client.stream("GET", path, headers=headers) as response:
        for chunk in response.iter_bytes(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, response


def test_binary_through_cloudfront_matches_the_manifest(
    edge: httpx.Client, release: dict[str, Any]
) -> None:
    assert release["size"] >= 100 * 1024 * 1024
    sha, size, response = sha256_of(edge, "/" + release["name"])
    assert response.status_code == 200
    assert (sha, size) == (release["sha256"], release["size"])
    assert "content-encoding" not in response.headers


def test_second_fetch_is_served_by_the_edge_cache(
    cloud: LocalCloudHandle, edge: httpx.Client, release: dict[str, Any]
) -> None:
    path = "/" + release["name"]
    sha256_of(edge, path)  # cached now, whichever test ran first
    before = origin_gets(cloud, path)
    assert before >= 1
    sha, _, response = sha256_of(edge, path)
    assert sha == release["sha256"]
    assert response.headers["x-cache"] == "Hit from cloudfront"
    assert origin_gets(cloud, path) == before


def test_a_broken_download_resumes_with_range(edge: httpx.Client, release: dict[str, Any]) -> None:
    path = "/" + release["name"]
    digest, got = hashlib.sha256(), 0
    with edge.stream("GET", path) as response:  # the connection drops after ~30 MiB
        for chunk in response.iter_bytes(1024 * 1024):
            digest.update(chunk)
            got += len(chunk)
            if got >= 30 * 1024 * 1024:
                break
    etag = response.headers["etag"]
    with edge.stream("GET", path, headers={"range": f"bytes={got}-", "if-range": etag}) as rest:
        assert rest.status_code == 206
        assert rest.headers["content-range"] == (
            f"bytes {got}-{release['size'] - 1}/{release['size']}"
        )
        for chunk in rest.iter_bytes(1024 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == release["sha256"]
    past = edge.get(path, headers={"range": f"bytes={release['size']}-"})
    assert past.status_code == 416


def test_the_origin_answers_validators_directly(cloud: LocalCloudHandle) -> None:
    origin, host = loopback(outputs(cloud)["UpdatesOriginUrl"])
    first = httpx.get(f"{origin}/manifest.json", headers=host, timeout=30)
    assert first.status_code == 200
    again = httpx.get(
        f"{origin}/manifest.json",
        headers={**host, "if-none-match": first.headers["etag"]},
        timeout=30,
    )
    assert again.status_code == 304


def test_a_killed_instance_is_replaced(cloud: LocalCloudHandle) -> None:
    status = wait_in_service(cloud, 2)
    victim = status["instances"][0]
    os.kill(victim["pids"][0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = group_status(cloud)
        ids = {i["id"] for i in status["instances"] if i["state"] == "in-service"}
        if victim["id"] not in ids and len(ids) == 2:
            break
        time.sleep(0.5)
    assert victim["id"] not in ids and len(ids) == 2, status
    assert status["replaced"] >= 1
    origin, host = loopback(outputs(cloud)["UpdatesOriginUrl"])
    for _ in range(4):  # round robin over both instances, the new one included
        assert httpx.get(f"{origin}/health", headers=host, timeout=30).status_code == 200
    assert Path(status["instances"][-1]["log"]).exists()
