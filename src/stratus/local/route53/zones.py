"""The hosted zones' records, and how an authoritative Route 53 name server answers.

Answering (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-basic.html,
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html):
- a name in a hosted zone with a record of the asked type: the records (authoritative);
- a CNAME at the name (asked for another type): the CNAME, followed inside our zones;
- a name with records of other types only: NOERROR, no answer, the zone's SOA (NODATA);
- no such name (nor a `*` wildcard above it): NXDOMAIN with the SOA;
- a name outside every hosted zone: REFUSED (an authoritative server, not a resolver).
Alias records answer with the target's address, like Route 53; every alias target here
(a distribution, an API's custom domain, a load balancer) is served by the local cloud on
the loopback interface, so alias A is 127.0.0.1 and alias AAAA is ::1.
Routing policies (weighted, latency, failover...) are not evaluated: every record set of a
name and type is returned together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

log = logging.getLogger("stratus.route53")
LOOPBACK = {"A": "127.0.0.1", "AAAA": "::1"}
_NAME_RDATA = frozenset({"CNAME", "NS", "PTR", "DNAME"})
MAX_CNAME_CHAIN = 8


@dataclass
class Zone:
    name: dns.name.Name
    records: dict[tuple[dns.name.Name, str], dns.rrset.RRset] = field(default_factory=dict)
    soa: dns.rrset.RRset | None = None

    def names(self) -> set[dns.name.Name]:
        return {name for name, _ in self.records}


def _absolute(value: str) -> str:
    return value if value.endswith(".") else value + "."


def _rdata_text(kind: str, value: str) -> str:
    if kind in _NAME_RDATA:
        return _absolute(value)
    if kind == "MX":
        preference, _, host = value.partition(" ")
        return f"{preference} {_absolute(host.strip())}"
    if kind == "SRV":
        *head, target = value.split()
        return " ".join([*head, _absolute(target)])
    return value


def rrset_of(record: Mapping[str, Any]) -> dns.rrset.RRset | None:
    """An API ResourceRecordSet as a dnspython RRset (None for types it cannot carry)."""
    kind = str(record["Type"])
    name = dns.name.from_text(_absolute(str(record["Name"]).replace("\\052", "*")))
    if record.get("AliasTarget"):
        if kind not in LOOPBACK:
            return None
        return dns.rrset.from_text_list(name, 60, "IN", kind, [LOOPBACK[kind]])
    values = [_rdata_text(kind, str(r["Value"])) for r in record.get("ResourceRecords") or []]
    if not values:
        return None
    return dns.rrset.from_text_list(name, int(record.get("TTL") or 300), "IN", kind, values)


def default_soa(zone: dns.name.Name) -> dns.rrset.RRset:
    """Route 53's SOA shape (resource-record-sets-values-basic.html: ns-N.awsdns-N host,
    awsdns-hostmaster.amazon.com., serial 1, 7200 900 1209600 86400)."""
    value = "ns-2048.awsdns-64.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
    return dns.rrset.from_text_list(zone, 900, "IN", "SOA", [value])


def build_zones(zones: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]) -> list[Zone]:
    out = []
    for zone_name, records in zones:
        zone = Zone(dns.name.from_text(_absolute(zone_name)))
        for record in records:
            try:
                rrset = rrset_of(record)
            except dns.exception.DNSException as exc:
                if record["Type"] != "SOA":
                    log.warning(
                        "record %s %s not answered: %s", record["Name"], record["Type"], exc
                    )
                    continue
                rrset = default_soa(zone.name)
            if rrset is None:
                continue
            key = (rrset.name, str(record["Type"]))
            if key in zone.records:  # routing-policy siblings: answered together
                zone.records[key].union_update(rrset)
            else:
                zone.records[key] = rrset
            if record["Type"] == "SOA":
                zone.soa = rrset
        out.append(zone)
    # Longest zone first, so a delegated sub-zone wins over its parent.
    return sorted(out, key=lambda z: len(z.name), reverse=True)


class ZoneBook:
    def __init__(self, zones: list[Zone] | None = None) -> None:
        self.zones = zones or []

    def zone_for(self, name: dns.name.Name) -> Zone | None:
        for zone in self.zones:
            if name.is_subdomain(zone.name):
                return zone
        return None

    def _lookup(self, zone: Zone, name: dns.name.Name, kind: str) -> dns.rrset.RRset | None:
        found = zone.records.get((name, kind))
        if found is not None:
            return found
        if name in zone.names() or name == zone.name:
            return None
        # A wildcard at the closest enclosing name (RFC 4592, which Route 53 follows).
        parent = name
        while parent != zone.name and len(parent) > 1:
            parent = parent.parent()
            wild = zone.records.get((dns.name.from_text("*", parent), kind))
            if wild is not None:
                copy = dns.rrset.RRset(name, wild.rdclass, wild.rdtype)
                copy.update(wild)
                copy.ttl = wild.ttl
                return copy
            if any(n == parent for n in zone.names()):
                break
        return None

    def _exists(self, zone: Zone, name: dns.name.Name) -> bool:
        if name == zone.name or name in zone.names():
            return True
        parent = name
        while parent != zone.name and len(parent) > 1:
            parent = parent.parent()
            if dns.name.from_text("*", parent) in zone.names():
                return True
        return any(n.is_subdomain(name) for n in zone.names())  # an empty non-terminal

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags &= ~dns.flags.RA
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response.set_rcode(dns.rcode.NOTIMP)
            return response
        question = query.question[0]
        kind = dns.rdatatype.to_text(question.rdtype)
        zone = self.zone_for(question.name)
        if zone is None or question.rdclass != dns.rdataclass.IN:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        name = question.name
        for _ in range(MAX_CNAME_CHAIN):
            found = self._lookup(zone, name, kind)
            if found is not None:
                response.answer.append(found)
                return response
            cname = self._lookup(zone, name, "CNAME") if kind != "CNAME" else None
            if cname is None:
                break
            response.answer.append(cname)
            name = cname[0].target
            next_zone = self.zone_for(name)
            if next_zone is None:
                return response  # the resolver follows it from here
            zone = next_zone
        if not response.answer and not self._exists(zone, name):
            response.set_rcode(dns.rcode.NXDOMAIN)
        if zone.soa is not None:
            response.authority.append(zone.soa)
        return response
