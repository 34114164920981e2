"""The running cloud under load and abuse: fifty concurrent clients get no 5xx, a worker
killed while idle costs no request, malformed input is a 4xx naming the problem (never a
500), API Gateway's header limit holds, and the CORS preflight names the origin where the
gateway really runs."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, aws_client, sign_up_and_login

THREADS = 50
REQUESTS_PER_THREAD = 4
USERS = 10


@pytest.fixture(scope="module")
def crowd(local_cloud: LocalCloudHandle) -> list[User]:
    return [sign_up_and_login(local_cloud) for _ in range(USERS)]


def test_fifty_concurrent_clients_get_no_5xx(
    local_cloud: LocalCloudHandle, api: httpx.Client, crowd: list[User]
) -> None:
    base = str(api.base_url)
    verify = ssl.create_default_context(cafile=str(local_cloud.ca_pem))

    failures: list[str] = []

    def client_run(index: int) -> list[int]:
        user = crowd[index % USERS]
        statuses = []
        with httpx.Client(base_url=base, verify=verify, timeout=60) as client:
            for n in range(REQUESTS_PER_THREAD):
                if (index + n) % 10 == 0:  # 9 reads : 1 write
                    r = client.post("todos", headers=user.auth, json={"title": f"load {index}"})
                else:
                    r = client.get("todos", headers=user.auth)
                statuses.append(r.status_code)
                if r.status_code >= 500:
                    failures.append(f"{r.request.method} {r.status_code} {r.text[:200]}")
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        results = [s for statuses in pool.map(client_run, range(THREADS)) for s in statuses]
    counts = Counter(results)
    assert len(results) == THREADS * REQUESTS_PER_THREAD
    assert not failures, (counts, failures, _function_errors(local_cloud))
    assert set(counts) <= {200, 201}, counts  # and no throttle: the account limit is 1,000


_ERROR_MARKS = ("Task timed out", "Status: timeout", "[ERROR]", "Runtime.", "Traceback")


def _function_errors(cloud: LocalCloudHandle, limit: int = 20) -> list[str]:
    """What the functions' logs say went wrong (so a failure under load explains itself)."""
    logs = aws_client(cloud, "logs")
    found: list[str] = []
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            events = logs.filter_log_events(logGroupName=name)["events"]
            found += [
                f"{name}: {e['message'][:300]}"
                for e in events
                if any(mark in e["message"] for mark in _ERROR_MARKS)
            ]
    return found[-limit:]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _todo_workers(up_pid: int) -> list[int]:
    pids = []
    for pid in _children(up_pid):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(b"_HANDLER=") and v.endswith(b"todos.lambda_handler") for v in environ):
            pids.append(pid)
    return pids


def _exited(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in "ZX"


def test_a_worker_killed_while_idle_costs_no_request(
    local_cloud: LocalCloudHandle, api: httpx.Client, alice: User
) -> None:
    assert api.get("todos", headers=alice.auth).status_code == 200
    workers = _todo_workers(local_cloud.pid)
    assert workers, "no warm to-do worker found"
    for pid in workers:  # every idle one: the next request cannot avoid a dead worker
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while not all(_exited(pid) for pid in workers):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    response = api.get("todos", headers=alice.auth)
    assert response.status_code == 200, response.text
    assert not set(_todo_workers(local_cloud.pid)) & set(workers)


# -- bad input -----------------------------------------------------------------------
BODY_ROUTES = [("POST", "todos"), ("PATCH", "todos/01JAAAAAAAAAAAAAAAAAAAAAAA"),
               ("POST", "files/upload-url")]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("body", "named"),
    [
        # Deeper than the handler's parser allows; the gateway's own parser may already
        # give up at this depth (then the API's validator answers).
        (b'{"title": ' + b"[" * 976 + b"]" * 976 + b"}", "nested|Invalid request body"),
        (b'{"title": "x", "n": ' + b"9" * 4301 + b"}", "4300 digits"),
        (b'{"title": "caf\xe9"}', "Invalid request body"),  # not UTF-8: the API's validator
        (b"[" * 976 + b"]" * 976, "Invalid request body"),  # not the model's object
    ],
)
def test_malformed_json_is_400_naming_the_problem(
    api: httpx.Client, alice: User, method: str, path: str, body: bytes, named: str
) -> None:
    headers = {**alice.auth, "Content-Type": "application/json"}
    response = api.request(method, path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert any(word in response.text for word in named.split("|")), response.text


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=b"])
def test_multipart_bodies_are_415(
    api: httpx.Client, alice: User, method: str, path: str, content_type: str
) -> None:
    form = b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nsneaky\r\n--b--\r\n'
    headers = {**alice.auth, "Content-Type": content_type}
    response = api.request(method, path, content=form, headers=headers)
    assert response.status_code == 415, response.text
    assert "multipart/form-data" in response.json()["message"]


def test_a_body_that_is_not_utf8_is_never_stored(api: httpx.Client, crowd: list[User]) -> None:
    user = crowd[-1]
    headers = {**user.auth, "Content-Type": "application/json"}
    assert api.post("todos", content=b'{"title": "\xff\xfe"}', headers=headers).status_code == 400
    titles = [t["title"] for t in api.get("todos", headers=user.auth).json()["items"]]
    assert not any("\ufffd" in t for t in titles)


def test_a_one_mebibyte_header_is_refused_with_431(
    local_cloud: LocalCloudHandle, api: httpx.Client, alice: User
) -> None:
    response = api.get("todos", headers={**alice.auth, "X-Big": "a" * (1 << 20)})
    assert response.status_code == 431
    assert response.json() == {"message": "HTTP header is larger than 10240 bytes."}


def test_a_half_sent_request_does_not_reach_the_api(local_cloud: LocalCloudHandle) -> None:
    """The raw-socket view of the same gateway: a head that never ends is not served (the
    29 s read timeout itself is proved against a short timeout in the unit tests)."""
    origin = urlsplit(local_cloud.gateway_origin)
    context = ssl.create_default_context(cafile=str(local_cloud.ca_pem))
    raw = socket.create_connection((origin.hostname, origin.port))
    with context.wrap_socket(raw, server_hostname=origin.hostname) as tls:
        tls.sendall(b"GET /restapis/x/prod/todos HTTP/1.1\r\nHost: x\r\n")
        tls.settimeout(1.0)
        with pytest.raises(TimeoutError):
            tls.recv(1)  # nothing is answered while the head is incomplete


def test_cors_preflight_names_the_origin_the_gateway_really_serves(
    local_cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    origin = local_cloud.gateway_origin
    assert not origin.endswith(":4443")  # the session cloud runs on a random port
    response = api.options(
        "todos",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == origin
