"""The update server: serves a site root (`manifest.json` and release binaries) over HTTP.

The standard library's threading HTTP server, on purpose: an EC2 instance's stock python3
runs it with nothing to install, and each connection's file goes out with `sendfile`, so a
100 MB binary is streamed by the kernel, never read into the process. What it answers (the
rules are in `http_files`): GET and HEAD, strong ETags (the sha256 of the content, so every
instance agrees), Last-Modified, 304 to If-None-Match / If-Modified-Since, one byte range
(206, 416), Cache-Control by kind of file, `GET /health`. One access-log line per request
on stdout (`<time> <client> "<method> <path>" <status> <bytes>`): origin requests are
counted from it.

    python -m stratus.updates.server --root DIR [--host 0.0.0.0] [--port 8080] [--publish-sample]
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from stratus.updates.http_files import (
    FileFacts,
    Unsatisfiable,
    byte_range,
    cache_control,
    http_date,
    not_modified,
    range_applies,
)

DEFAULT_PORT = 8080


class FileIndex:
    """Path -> FileFacts, hashed once per (size, mtime) of each file."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._hashing = threading.Lock()
        self._facts: dict[Path, tuple[tuple[int, int], FileFacts]] = {}

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside the root, or None (outside, missing, a dir)."""
        relative = unquote(url_path).lstrip("/")
        if not relative or "\x00" in relative:
            return None
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        if path.name.endswith(".partial") or path.name.startswith("."):
            return None
        return path

    def facts(self, path: Path) -> FileFacts:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._facts.get(path)
            if known is not None and known[0] == key:
                return known[1]
        with self._hashing:  # one hash of a big file at a time, not one per request
            with self._lock:
                known = self._facts.get(path)
            if known is not None and known[0] == key:
                return known[1]
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
            facts = FileFacts(stat.st_size, int(stat.st_mtime), f'"{digest.hexdigest()[:32]}"')
            with self._lock:
                self._facts[path] = (key, facts)
        return facts

    def warm(self) -> None:
        """Hash every file now (in a thread at start), so no first request waits for it."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.endswith(".partial"):
                self.facts(path.resolve())


class UpdateHandler(BaseHTTPRequestHandler):
    server: UpdateServer
    protocol_version = "HTTP/1.1"
    server_version = "stratus-updates/1.0"

    def do_GET(self) -> None:
        self._logged(lambda: self._serve(body=True))

    def do_HEAD(self) -> None:
        self._logged(lambda: self._serve(body=False))

    def _not_allowed(self) -> None:
        self._logged(
            lambda: self._plain(
                HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", allow="GET, HEAD"
            )
        )

    def _logged(self, answer: Callable[[], None]) -> None:
        """Answer, then write the access-log line (with the bytes the body really took)."""
        self._sent, self._code = 0, 0
        try:
            answer()
        finally:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.server.log_line(
                f'{stamp} {self.client_address[0]} "{self.command} {self.path}" '
                f"{self._code} {self._sent}"
            )

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _plain(self, status: HTTPStatus, text: bytes, *, body: bool = True, **extra: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        for name, value in extra.items():
            self.send_header(name.replace("_", "-").title(), value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(text)
        self._sent = len(text) if body else 0

    def _serve(self, *, body: bool) -> None:
        path_text = urlsplit(self.path).path
        if path_text == "/health":
            self._plain(HTTPStatus.OK, b"ok\n", body=body)
            return
        path = self.server.index.resolve(path_text)
        if path is None:
            self._plain(HTTPStatus.NOT_FOUND, b"not found\n", body=body)
            return
        facts = self.server.index.facts(path)
        common = {
            "ETag": facts.etag,
            "Last-Modified": http_date(facts.mtime),
            "Cache-Control": cache_control(path_text),
            "Accept-Ranges": "bytes",
        }
        if not_modified(
            facts, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in common.items():
                self.send_header(name, value)
            self.end_headers()
            return
        try:
            wanted = byte_range(self.headers.get("Range"), facts.size)
        except Unsatisfiable:
            self._plain(
                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                b"range not satisfiable\n",
                body=body,
                content_range=f"bytes */{facts.size}",
            )
            return
        if wanted is not None and not range_applies(facts, self.headers.get("If-Range")):
            wanted = None
        first, last = wanted if wanted is not None else (0, facts.size - 1)
        length = max(0, last - first + 1)
        self.send_response(HTTPStatus.PARTIAL_CONTENT if wanted else HTTPStatus.OK)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        if wanted is not None:
            self.send_header("Content-Range", f"bytes {first}-{last}/{facts.size}")
        for name, value in common.items():
            self.send_header(name, value)
        self.end_headers()
        if body and length:
            with path.open("rb") as handle:
                self._sent = self.connection.sendfile(handle, first, length)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._code = int(code) if isinstance(code, int) else 0

    def log_message(self, format: str, *args: object) -> None:
        # Errors http.server reports itself (bad request lines): on stderr, not the access log.
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)


class UpdateServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # an update storm opens hundreds of connections at once

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        super().__init__(address, UpdateHandler)
        self.index = FileIndex(root)
        self._log_lock = threading.Lock()

    def log_line(self, line: str) -> None:
        with self._log_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stratus.updates.server")
    parser.add_argument("--root", required=True, type=Path, help="the site root")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or DEFAULT_PORT))
    parser.add_argument(
        "--publish-sample", action="store_true", help="publish the sample release first"
    )
    args = parser.parse_args(argv)
    if args.publish_sample:
        from stratus.updates.publish import publish_sample

        publish_sample(args.root)
    server = UpdateServer((args.host, args.port), args.root)
    threading.Thread(target=server.index.warm, name="warm", daemon=True).start()
    print(f"serving {args.root} on {args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
