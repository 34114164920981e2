"""Route 53 as an emulated service: zones in moto, a local DNS server answering them.

The DNS port (`--dns-port`, default 1053; never 53, which needs root) answers UDP and
TCP for every hosted zone. Its table is read from moto through the route53 API at start
and again, lazily, after any change (ChangeResourceRecordSets, CreateHostedZone,
DeleteHostedZone), so records written through the API are answered too.
Try it: `dig @127.0.0.1 -p 1053 www.example.test A`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PortSpec
from stratus.local.core.settings import LOOPBACK
from stratus.local.provision.provider import Provider
from stratus.local.route53.dns_server import DnsServer
from stratus.local.route53.providers import (
    HostedZoneProvider,
    RecordSetGroupProvider,
    RecordSetProvider,
)
from stratus.local.route53.zones import ZoneBook, build_zones

log = logging.getLogger("stratus.route53")
DEFAULT_DNS_PORT = 1053
_CHANGES = ("ChangeResourceRecordSets", "CreateHostedZone", "DeleteHostedZone")


def read_zones(client: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for page in client.get_paginator("list_hosted_zones").paginate():
        for zone in page["HostedZones"]:
            records: list[dict[str, Any]] = []
            for rpage in client.get_paginator("list_resource_record_sets").paginate(
                HostedZoneId=zone["Id"]
            ):
                records += rpage["ResourceRecordSets"]
            out.append((str(zone["Name"]), records))
    return out


class Route53Service(EmulatedService):
    name = "route53"
    order = 47
    moto_backends = ("route53",)
    ports = (PortSpec("dns", DEFAULT_DNS_PORT, "DNS for the hosted zones (UDP and TCP)"),)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Route53::HostedZone": HostedZoneProvider(),
        "AWS::Route53::RecordSet": RecordSetProvider(),
        "AWS::Route53::RecordSetGroup": RecordSetGroupProvider(),
    }

    def __init__(self) -> None:
        self.book = ZoneBook()
        self.server: DnsServer | None = None
        self.stale = False
        self._client: Any = None
        self._refreshing: asyncio.Task[None] | None = None
        self.port = 0

    def hooks(self) -> Iterable[Hook]:
        async def changed(call: AwsCall, response: Response) -> None:
            if response.status_code < 300:
                self.stale = True

        return [Hook("route53", op, after=changed) for op in _CHANGES]

    async def start(self, cloud: CloudContext) -> None:
        self._client = cloud.aws("route53")
        zones = await asyncio.to_thread(read_zones, self._client)
        if not zones:
            return  # no hosted zone: no DNS port (nothing to answer)
        self.book = ZoneBook(build_zones(zones))
        self.port = cloud.settings.ports.dns
        # The loopback (also under `--lan`): zones answer loopback addresses anyway.
        self.server = DnsServer(self.answer, LOOPBACK, self.port)
        with cloud.reporter.step("Starting the DNS server (Route 53 hosted zones)"):
            await self.server.start()
        cloud.background(self._refresh_loop(), "route53-refresh")

    def answer(self, query: Any) -> Any:
        return self.book.answer(query)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            if not self.stale or self._client is None:
                continue
            self.stale = False
            try:
                zones = await asyncio.to_thread(read_zones, self._client)
            except Exception:
                log.exception("reading the hosted zones failed")
                self.stale = True
                continue
            self.book = ZoneBook(build_zones(zones))

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None

    def describe(self) -> Mapping[str, Any]:
        if self.server is None:
            return {}
        return {"dns": f"{self.server.host}:{self.port} (udp+tcp)", "zones": len(self.book.zones)}


SERVICES = [Route53Service]
