"""The update server over real HTTP: validators, 304, Range 206/416, streaming, the log."""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.updates.publish import RELEASE_EPOCH, binary_name, publish_sample, sample_chunks
from stratus.updates.server import UpdateServer

SIZE = 3 * 1024 * 1024 + 17


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    assert publish_sample(root, "1.0.0", SIZE)
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[UpdateServer]:
    srv = UpdateServer(("127.0.0.1", 0), site)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def get(
    srv: UpdateServer, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_manifest_names_the_binary_with_its_size_and_sha256(server: UpdateServer) -> None:
    status, headers, body = get(server, "/manifest.json")
    assert status == 200
    assert headers["cache-control"] == "public, max-age=60"
    entry = json.loads(body)["releases"][0]["files"][0]
    assert entry["name"] == binary_name("1.0.0")
    status, headers, data = get(server, "/" + entry["name"])
    assert status == 200 and len(data) == entry["size"] == SIZE
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert "immutable" in headers["cache-control"]
    assert headers["last-modified"] == "Thu, 01 Jan 2026 00:00:00 GMT"


def test_sample_bytes_are_deterministic() -> None:
    first = b"".join(sample_chunks("9.9", 2_000_000))
    assert first == b"".join(sample_chunks("9.9", 2_000_000))
    assert first != b"".join(sample_chunks("9.8", 2_000_000))


def test_publish_again_keeps_the_release(site: Path) -> None:
    before = (site / "manifest.json").stat().st_mtime_ns
    assert not publish_sample(site, "1.0.0", SIZE)
    assert (site / "manifest.json").stat().st_mtime_ns == before
    assert int((site / binary_name("1.0.0")).stat().st_mtime) == RELEASE_EPOCH


def test_if_none_match_and_if_modified_since_answer_304(server: UpdateServer) -> None:
    _, headers, _ = get(server, "/manifest.json")
    status, again, body = get(server, "/manifest.json", If_None_Match=headers["etag"])
    assert (status, body, again["etag"]) == (304, b"", headers["etag"])
    status, _, _ = get(server, "/manifest.json", If_None_Match='"other", ' + headers["etag"])
    assert status == 304
    assert get(server, "/manifest.json", If_None_Match='"other"')[0] == 200
    assert get(server, "/manifest.json", If_Modified_Since=headers["last-modified"])[0] == 304
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert get(server, "/manifest.json", If_Modified_Since=old)[0] == 200


def test_range_answers_206_with_the_slice(server: UpdateServer, site: Path) -> None:
    name = "/" + binary_name("1.0.0")
    data = (site / name.lstrip("/")).read_bytes()
    status, headers, body = get(server, name, Range="bytes=1000-1999")
    assert status == 206 and body == data[1000:2000]
    assert headers["content-range"] == f"bytes 1000-1999/{SIZE}"
    status, headers, body = get(server, name, Range=f"bytes={SIZE - 10}-")
    assert (status, body) == (206, data[-10:])
    status, _, body = get(server, name, Range="bytes=-5")
    assert (status, body) == (206, data[-5:])
    status, _, body = get(server, name, Range=f"bytes=0-{SIZE * 2}")
    assert status == 206 and len(body) == SIZE


def test_range_past_the_end_is_416(server: UpdateServer) -> None:
    status, headers, _ = get(server, "/" + binary_name("1.0.0"), Range=f"bytes={SIZE}-")
    assert status == 416
    assert headers["content-range"] == f"bytes */{SIZE}"


def test_if_range_with_a_stale_etag_sends_the_whole_file(server: UpdateServer) -> None:
    name = "/" + binary_name("1.0.0")
    _, headers, _ = get(server, name, "HEAD")
    assert get(server, name, Range="bytes=0-9", If_Range=headers["etag"])[0] == 206
    status, _, body = get(server, name, Range="bytes=0-9", If_Range='"stale"')
    assert status == 200 and len(body) == SIZE


def test_several_ranges_or_other_units_get_the_whole_file(server: UpdateServer) -> None:
    name = "/" + binary_name("1.0.0")
    assert get(server, name, Range="bytes=0-1,5-9")[0] == 200
    assert get(server, name, Range="items=0-1")[0] == 200


def test_head_has_length_and_no_body(server: UpdateServer) -> None:
    status, headers, body = get(server, "/" + binary_name("1.0.0"), "HEAD")
    assert (status, body, int(headers["content-length"])) == (200, b"", SIZE)


def test_missing_outside_and_other_methods_are_4xx(server: UpdateServer) -> None:
    assert get(server, "/nope.bin")[0] == 404
    assert get(server, "/../../etc/passwd")[0] == 404
    assert get(server, "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert get(server, "/releases")[0] == 404
    assert get(server, "/manifest.json", "POST")[0] == 405
    assert get(server, "/health")[:1] == (200,)


def test_access_log_has_one_line_per_request_with_bytes(
    server: UpdateServer, capsys: pytest.CaptureFixture[str]
) -> None:
    get(server, "/" + binary_name("1.0.0"), Range="bytes=0-99")
    # The server's thread writes its line after the client has the answer: wait for it.
    want = f'"GET /{binary_name("1.0.0")}" 206 100'
    lines: list[str] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(line.endswith(want) for line in lines):
        lines += capsys.readouterr().out.splitlines()
        time.sleep(0.02)
    assert [line for line in lines if line.endswith(want)], lines
