"""The gateway's HTTP/1.1 connection handling: API Gateway's limits on what a client sends.

uvicorn (httptools) accepts request heads of any size and keeps a half-sent request open
for as long as the client likes. API Gateway does neither:

* "Total combined size of request line and header values: 10240 bytes"
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
  AWS documents the limit, not the status; clients report the message
  "HTTP header is larger than 10240 bytes." Sent here as 431 Request Header Fields Too Large
  (RFC 6585 section 5, the status for exactly this), with that message, and the connection
  is closed.
* A request must arrive within a bound. AWS documents no client read timeout, only the
  integration timeout (50 ms to 29 s, same page); the local gateway applies that 29 s to
  receiving a request: from the connection (or the first byte of a request) to its last
  body byte. A request whose head is still incomplete then gets 408 Request Timeout; one
  whose body is incomplete is closed (the gateway never invokes with a partial body).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from stratus.local.core.servers import OneWriteHttpProtocol

MAX_HEAD_BYTES = 10240
REQUEST_READ_TIMEOUT_S = 29.0
HEAD_TOO_LARGE_MESSAGE = f"HTTP header is larger than {MAX_HEAD_BYTES} bytes."
# Raw bytes buffered while the head is incomplete, before giving up without parsing further
# (the exact count is made per header below; this only bounds what one client can buffer).
_RAW_HEAD_BOUND = 4 * MAX_HEAD_BYTES
# After refusing a request, what the client still sends is read and dropped for this long
# before closing: closing with unread input makes TCP reset the connection, and the client
# would lose the response it was refused with.
LINGER_S = 2.0


class _HeadTooLarge(Exception):
    pass


class GatewayHttpProtocol(OneWriteHttpProtocol):
    """uvicorn's httptools protocol plus API Gateway's head-size limit and read timeout;
    each response leaves in one write (one TLS record, one wake-up of the client)."""

    max_head_bytes = MAX_HEAD_BYTES
    read_timeout_s = REQUEST_READ_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._raw_head_bytes = 0
        self._head_done = True  # between requests
        self._too_large = False
        self._discarding = False
        self._deadline: asyncio.TimerHandle | None = None

    # -- connection ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # the first request must arrive in time too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return
        if not self._head_done:
            self._raw_head_bytes += len(data)
        super().data_received(data)
        overflowing = not self._head_done and self._raw_head_bytes > _RAW_HEAD_BOUND
        if overflowing and not self.transport.is_closing() and not self._discarding:
            self._reject_head()

    # -- parser callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._raw_head_bytes = 0
        self._head_done = False
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:  # raised from a callback; httptools reports it as a parse error
            self._reject_head()
        else:
            super().send_400_response(msg)

    # -- limits -------------------------------------------------------------------------
    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._too_large = True
            raise _HeadTooLarge

    def _reject_head(self) -> None:
        self._too_large = True
        self._simple_response(431, "Request Header Fields Too Large", HEAD_TOO_LARGE_MESSAGE)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.read_timeout_s, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self._discarding:
            return
        if not self._head_done:
            self._simple_response(408, "Request Timeout", "Request Timeout")
        else:
            # Mid-body (the app sees a disconnect and gives up) or an idle connection that
            # never sent a request.
            self.transport.close()

    def _simple_response(self, status: int, reason: str, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode("latin-1")
        self.transport.write(head + body)
        self._discarding = True
        self._disarm()
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client sees the end of the response at once
        self.loop.call_later(LINGER_S, self.transport.close)
