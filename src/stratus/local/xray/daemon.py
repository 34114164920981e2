"""The X-Ray daemon's UDP listener: what the X-Ray SDKs (and Powertools' Tracer) send to.

Each datagram is a header line then one segment document,
`{"format": "json", "version": 1}\\n{...segment...}`
(https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon).
The real daemon batches documents to PutTraceSegments; here they go straight into the store.
A malformed or oversized datagram is counted and dropped, like the daemon does (UDP has no
answer to give). Hand-written: the daemon is a Go program, and the listener is asyncio's
DatagramProtocol with a parser of one line.
"""

from __future__ import annotations

import asyncio
import json
import logging

from stratus.local.xray.segments import MAX_DOCUMENT, BadSegment
from stratus.local.xray.store import TraceStore

log = logging.getLogger("stratus.xray")

MAX_DATAGRAM = MAX_DOCUMENT + 64  # a document plus the header line


class BadDatagram(ValueError):
    pass


def split_datagram(data: bytes) -> bytes:
    """The segment document of a daemon datagram; raises BadDatagram."""
    if len(data) > MAX_DATAGRAM:
        raise BadDatagram(f"datagram of {len(data)} bytes is over {MAX_DATAGRAM}")
    head, sep, body = data.partition(b"\n")
    if not sep:
        raise BadDatagram("no header line")
    try:
        header = json.loads(head)
    except (ValueError, UnicodeDecodeError):
        raise BadDatagram("the header line is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != "json" or header.get("version") != 1:
        raise BadDatagram('the header is not {"format": "json", "version": 1}')
    if not body.strip():
        raise BadDatagram("no segment document")
    return body


class DaemonProtocol(asyncio.DatagramProtocol):
    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self.rejected = 0

    def datagram_received(self, data: bytes, addr: tuple[str | None, int]) -> None:
        try:
            self.store.put(split_datagram(data))
        except (BadDatagram, BadSegment) as exc:
            self.rejected += 1
            log.debug("X-Ray daemon: dropped a datagram from %s: %s", addr, exc)


async def listen(
    store: TraceStore, host: str, port: int
) -> tuple[asyncio.DatagramTransport, DaemonProtocol]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: DaemonProtocol(store), local_addr=(host, port)
    )
    return transport, protocol
