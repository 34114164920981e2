"""The daemon's datagrams: header line + one document; anything else is dropped, counted."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from tests.unit.local.xray.docs import TRACE, datagram, gateway

from stratus.local.xray.daemon import (
    MAX_DATAGRAM,
    BadDatagram,
    DaemonProtocol,
    listen,
    split_datagram,
)
from stratus.local.xray.store import TraceStore


def test_split_returns_the_document() -> None:
    assert json.loads(split_datagram(datagram(gateway())))["id"] == gateway()["id"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b'{"format": "json", "version": 1}',  # no newline, no document
        b'{"format": "json", "version": 1}\n   ',
        b'{"format": "xml", "version": 1}\n{}',
        b'{"format": "json", "version": 2}\n{}',
        b"not json\n{}",
        b"[1]\n{}",
        b'{"format": "json", "version": 1}\n' + b" " * MAX_DATAGRAM,
    ],
)
def test_malformed_or_oversized_datagrams_are_refused(data: bytes) -> None:
    with pytest.raises(BadDatagram):
        split_datagram(data)


def test_protocol_stores_good_and_counts_bad_datagrams() -> None:
    store = TraceStore()
    protocol = DaemonProtocol(store)
    protocol.datagram_received(datagram(gateway()), ("127.0.0.1", 1))
    protocol.datagram_received(b'{"format": "json", "version": 1}\n{"id": "x"}', ("127.0.0.1", 1))
    protocol.datagram_received(b"\xff\xfe\n\x00", ("127.0.0.1", 1))
    assert store.get(TRACE) is not None and protocol.rejected == 2


def test_listener_receives_over_udp() -> None:
    async def run() -> TraceStore:
        store = TraceStore()
        transport, _ = await listen(store, "127.0.0.1", 0)
        port = transport.get_extra_info("sockname")[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(datagram(gateway()), ("127.0.0.1", port))
        for _ in range(100):
            if len(store):
                break
            await asyncio.sleep(0.01)
        transport.close()
        return store

    assert asyncio.run(run()).get(TRACE) is not None
