"""The edge's HTTP/1.1 connection handling: CloudFront's limit on the request head.

"Maximum length of a request, including headers and query strings, but not including the
body content: 20,480 bytes" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html).
AWS documents the limit, not the status; locally a larger head is answered 431 Request
Header Fields Too Large (RFC 6585, the status for exactly this) with CloudFront's HTML error
page, and the connection is closed.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from stratus.local.cloudfront.respond import error_page, request_id

MAX_HEAD_BYTES = 20_480


class _HeadTooLarge(Exception):
    pass


class EdgeHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            self._too_large = True
            raise _HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        body = error_page(431, "Bad request. The request header is too large.", request_id())
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "content-type: text/html\r\n"
            f"content-length: {len(body)}\r\n"
            "x-cache: Error from cloudfront\r\n"
            "connection: close\r\n\r\n"
        ).encode("latin-1")
        self.transport.write(head + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.transport.close()
