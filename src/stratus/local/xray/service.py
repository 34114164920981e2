"""The local X-Ray: the daemon on UDP (default 2000, like AWS's daemon), the trace API on
the AWS endpoint, and the store both fill (and the console reads)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from stratus.local.core.registry import EmulatedService, Hook, PortSpec
from stratus.local.xray import propagation
from stratus.local.xray import store as stores
from stratus.local.xray.api import XrayApi
from stratus.local.xray.daemon import DaemonProtocol, listen

if TYPE_CHECKING:
    from stratus.local.core.context import CloudContext


class XrayService(EmulatedService):
    name = "xray"
    order = 15  # before Lambda and the gateway, which record into the store
    ports = (PortSpec("xray", 2000, "the X-Ray daemon (UDP) that functions' tracers send to"),)

    def __init__(self) -> None:
        self.store = stores.TraceStore()
        self.api = XrayApi(self.store)
        self.address = ""
        self._transport: asyncio.DatagramTransport | None = None
        self.protocol: DaemonProtocol | None = None

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("xray", "PutTraceSegments", before=self.api.put_trace_segments),
            Hook("xray", "GetTraceSummaries", before=self.api.get_trace_summaries),
            Hook("xray", "BatchGetTraces", before=self.api.batch_get_traces),
            Hook("xray", "GetTraceGraph", before=self.api.get_trace_graph),
            *propagation.hooks(),  # SendMessage/Publish keep the caller's trace header
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        stores.set_active(self.store)  # functions run while provisioning may trace too
        propagation.install_sqs()  # messages keep the sender's trace (AWSTraceHeader)
        port = cloud.settings.ports.get("xray")
        try:
            self._transport, self.protocol = await listen(self.store, "127.0.0.1", port)
        except OSError as exc:
            cloud.reporter.warn(f"X-Ray daemon not started on UDP {port}: {exc}")
            return
        self.address = f"127.0.0.1:{port}"
        cloud.reporter.info(f"X-Ray daemon udp://{self.address} (traces: /console/traces)")

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if stores.active() is self.store:
            stores.set_active(None)

    def describe(self) -> Mapping[str, Any]:
        return {"X-Ray daemon": f"udp://{self.address}"} if self.address else {}


SERVICES = [XrayService]
