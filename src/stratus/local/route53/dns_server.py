"""The local DNS port: UDP and TCP (RFC 1035 4.2; TCP messages carry a 2-byte length).

A UDP answer longer than the client's limit (512 bytes, or its EDNS payload size) is
truncated with TC set, so the client retries over TCP, as DNS requires (RFC 7766).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.rcode

log = logging.getLogger("stratus.dns")
Answer = Callable[[dns.message.Message], dns.message.Message]


def respond(wire: bytes, answer: Answer, max_size: int | None) -> bytes | None:
    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None  # not a DNS message: no answer (as name servers do)
    try:
        response = answer(query)
    except Exception:
        log.exception("DNS query failed")
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
    wire = response.to_wire()
    if max_size is None:
        return wire
    limit = max(max_size, query.payload) if query.edns >= 0 else max_size
    return wire if len(wire) <= limit else _truncated(response, limit)


def _truncated(response: dns.message.Message, limit: int) -> bytes:
    response.answer, response.authority, response.additional = [], [], []
    response.flags |= dns.flags.TC
    return response.to_wire(max_size=limit)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        reply = respond(data, self.answer, 512)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


class DnsServer:
    def __init__(self, answer: Answer, host: str, port: int) -> None:
        self.answer, self.host, self.port = answer, host, port
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self.answer), local_addr=(self.host, self.port)
        )
        self._udp = transport
        self._tcp = await asyncio.start_server(self._client, self.host, self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(2)
                (length,) = struct.unpack("!H", head)
                data = await reader.readexactly(length)
                reply = respond(data, self.answer, None)
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
