"""The local DNS answers: records, CNAME chasing, aliases to loopback, NODATA, NXDOMAIN,
REFUSED, wildcards; and the DNS server over UDP (with truncation) and TCP."""

from __future__ import annotations

import asyncio
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rcode

from stratus.local.route53.dns_server import DnsServer
from stratus.local.route53.zones import ZoneBook, build_zones

RECORDS: list[dict[str, Any]] = [
    {
        "Name": "example.test.",
        "Type": "SOA",
        "TTL": 900,
        "ResourceRecords": [
            {"Value": "ns-1.awsdns-1.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}
        ],
    },
    {
        "Name": "example.test.",
        "Type": "NS",
        "TTL": 172800,
        "ResourceRecords": [{"Value": "ns-1.awsdns-1.com."}],
    },
    {
        "Name": "example.test.",
        "Type": "A",
        "AliasTarget": {"DNSName": "d123.cloudfront.localhost", "HostedZoneId": "Z2FDTNDATAQYW2"},
    },
    {
        "Name": "example.test.",
        "Type": "AAAA",
        "AliasTarget": {"DNSName": "d123.cloudfront.localhost", "HostedZoneId": "Z2FDTNDATAQYW2"},
    },
    {
        "Name": "example.test.",
        "Type": "TXT",
        "TTL": 1800,
        "ResourceRecords": [{"Value": '"v=spf1 -all"'}],
    },
    {
        "Name": "example.test.",
        "Type": "MX",
        "TTL": 1800,
        "ResourceRecords": [{"Value": "10 mail.example.test"}],
    },
    {
        "Name": "www.example.test.",
        "Type": "A",
        "TTL": 60,
        "ResourceRecords": [{"Value": "192.0.2.7"}],
    },
    {
        "Name": "blog.example.test.",
        "Type": "CNAME",
        "TTL": 60,
        "ResourceRecords": [{"Value": "www.example.test"}],
    },
    {
        "Name": "\\052.apps.example.test.",
        "Type": "A",
        "TTL": 60,
        "ResourceRecords": [{"Value": "192.0.2.9"}],
    },
]
BOOK = ZoneBook(build_zones([("example.test.", RECORDS)]))


def ask(name: str, kind: str) -> dns.message.Message:
    return BOOK.answer(dns.message.make_query(name, kind))


def values(response: dns.message.Message) -> list[str]:
    return [rd.to_text() for rrset in response.answer for rd in rrset]


def test_records_of_each_type_are_answered_authoritatively() -> None:
    answer = ask("www.example.test", "A")
    assert answer.rcode() == dns.rcode.NOERROR and answer.flags & dns.flags.AA
    assert values(answer) == ["192.0.2.7"]
    assert values(ask("example.test", "TXT")) == ['"v=spf1 -all"']
    assert values(ask("example.test", "MX")) == ["10 mail.example.test."]


def test_alias_records_resolve_to_loopback() -> None:
    assert values(ask("example.test", "A")) == ["127.0.0.1"]
    assert values(ask("example.test", "AAAA")) == ["::1"]


def test_a_cname_is_followed_inside_the_zone() -> None:
    assert values(ask("blog.example.test", "A")) == ["www.example.test.", "192.0.2.7"]
    assert values(ask("blog.example.test", "CNAME")) == ["www.example.test."]


def test_nodata_nxdomain_refused_and_wildcards() -> None:
    nodata = ask("www.example.test", "TXT")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer and nodata.authority
    missing = ask("nope.example.test", "A")
    assert missing.rcode() == dns.rcode.NXDOMAIN and missing.authority
    assert ask("example.org", "A").rcode() == dns.rcode.REFUSED
    assert values(ask("anything.apps.example.test", "A")) == ["192.0.2.9"]
    assert ask("apps.example.test", "A").rcode() == dns.rcode.NOERROR  # empty non-terminal


def test_the_server_answers_over_udp_and_tcp() -> None:
    many = [
        {
            "Name": "big.example.test.",
            "Type": "TXT",
            "TTL": 60,
            "ResourceRecords": [{"Value": f'"{i:03d}-' + "x" * 200 + '"'} for i in range(10)],
        }
    ]
    book = ZoneBook(build_zones([("example.test.", RECORDS + many)]))

    async def run() -> None:
        server = DnsServer(book.answer, "127.0.0.1", 0)
        loop = asyncio.get_running_loop()
        # Port 0: find the ports the OS chose (UDP and TCP differ; ask each its own).
        await server.start()
        assert server._udp is not None and server._tcp is not None
        udp_port = server._udp.get_extra_info("sockname")[1]
        tcp_port = server._tcp.sockets[0].getsockname()[1]
        query = dns.message.make_query("www.example.test", "A")
        udp = await loop.run_in_executor(
            None, lambda: dns.query.udp(query, "127.0.0.1", 2, udp_port)
        )
        assert values(udp) == ["192.0.2.7"]
        big = dns.message.make_query("big.example.test", "TXT", use_edns=False)
        truncated = await loop.run_in_executor(
            None, lambda: dns.query.udp(big, "127.0.0.1", 2, udp_port, ignore_trailing=True)
        )
        assert truncated.flags & dns.flags.TC
        full = await loop.run_in_executor(
            None, lambda: dns.query.tcp(big, "127.0.0.1", 2, tcp_port)
        )
        assert len(values(full)) == 10
        await server.stop()

    asyncio.run(run())
