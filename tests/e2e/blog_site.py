"""Where the browser tests read the blog's site: ONE place, so they move to the edge later.

The site's contract is one origin serving the static pages from the site bucket and `/api/*`
from the blog API (CloudFront's two behaviours). When the stack outputs `SiteUrl` (the
CloudFront distribution on the local edge), the tests use it. Until then `SiteStandIn`
plays that origin in the test process: GETs read the bucket through the local S3 endpoint
(`/x/` is `/x/index.html`, the default root object), `/api/*` is forwarded to `BlogApiUrl`
(`/config.json` is in the bucket, written by the publisher, as behind CloudFront). It does no
caching and no language selection: it is a stand-in for routing, not for CloudFront.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import httpx

SITE_URL_OUTPUT = "SiteUrl"
_HOP_BY_HOP = {"connection", "transfer-encoding", "keep-alive", "content-encoding",
               "content-length", "server", "date"}  # fmt: skip


def _handler(cloud: Any) -> type[BaseHTTPRequestHandler]:
    s3 = boto3.client(
        "s3", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    bucket = cloud.stack_output("SiteBucketName")
    api = str(cloud.stack_output("BlogApiUrl")).rstrip("/")
    client = httpx.Client(verify=ssl.create_default_context(cafile=str(cloud.ca_pem)), timeout=35)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            keep = ("content-type", "authorization", "accept", "accept-language")
            headers = {k: v for k, v in self.headers.items() if k.lower() in keep}
            answer = client.request(self.command, api + self.path, content=body, headers=headers)
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            self._send(answer.status_code, answer.content, out)

        def do_POST(self) -> None:
            if self.path.startswith("/api/"):
                self._forward()
            else:
                self._send(405, b"", {})

        do_PUT = do_POST

        def do_GET(self) -> None:
            if self.path.startswith("/api/"):
                self._forward()
                return
            path = self.path.split("?", 1)[0]
            key = (path + "index.html" if path.endswith("/") else path).lstrip("/")
            try:
                found = s3.get_object(Bucket=bucket, Key=key)
            except s3.exceptions.NoSuchKey:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            headers = {"Content-Type": found["ContentType"]}
            if found.get("ContentLanguage"):
                headers["Content-Language"] = found["ContentLanguage"]
            self._send(200, found["Body"].read(), headers)

    return Handler


@contextmanager
def site_origin(cloud: Any) -> Iterator[str]:
    """The reader site's origin (no trailing slash): the edge's `SiteUrl`, else a stand-in."""
    for values in cloud.outputs.values():
        if SITE_URL_OUTPUT in values:
            yield str(values[SITE_URL_OUTPUT]).rstrip("/")
            return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cloud))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
