"""The usage recorder as a service of the local cloud: installed first, saved with the state.

Served on the AWS endpoint, outside any AWS protocol (like `/_stratus/clock`):
- `GET /_stratus/usage` -> the totals since the window's start (recorder.snapshot), each
  entry with its stack and logical id, functions with their memory and architecture
  (resources.describe)
- `DELETE /_stratus/usage` -> a new window from now (the same shape, all zero)

DAX answers its cache hits without DynamoDB (so they cost no request units); its hits and
lookups are read from the DAX endpoint's own counters, since this cloud started or the
window was reset (`dax`), so the hit ratio and the reads the application made are known.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from stratus.local.core import endpoints
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.usage import resources
from stratus.local.usage.calls import CallUsage
from stratus.local.usage.recorder import UsageRecorder
from stratus.local.usage.tap import UsageTap

if TYPE_CHECKING:
    from stratus.local.core.context import CloudContext

USAGE_PATH = "/_stratus/usage"
FILE = "usage.json"  # in the snapshot directory: `--fresh` starts a new window too
SAVE_SECONDS = 5.0


class UsageService(EmulatedService):
    name = "usage"
    order = 0  # prepares first: its metrics tap is in place before any service takes it

    def __init__(self) -> None:
        self.recorder = UsageRecorder(enabled=False)  # counting once the cloud is up
        self.calls = CallUsage(self.recorder)
        self._path: Path | None = None
        self._cloud: CloudContext | None = None
        self._dax_base = (0, 0)  # DAX's counters when the window was last reset

    def hooks(self) -> Iterable[Hook]:
        return self.calls.hooks()

    def paths(self) -> Iterable[PathRoute]:
        return [PathRoute(frozenset({"GET", "DELETE"}), f"^{USAGE_PATH}/?$", self._answer)]

    def snapshot(self) -> dict[str, Any]:
        """The totals as served: resources named, DAX's hits and lookups beside."""
        snapshot = self.recorder.snapshot()
        resources.describe(snapshot, self._cloud.deployment if self._cloud else None)
        hits, lookups = self._dax_counts()
        snapshot["dax"] = {
            "hits": hits - self._dax_base[0],
            "lookups": lookups - self._dax_base[1],
        }
        return snapshot

    def reset(self) -> None:
        self.recorder.reset()
        self._dax_base = self._dax_counts()
        self.save()

    def _dax_counts(self) -> tuple[int, int]:
        """DAX's cache hits and lookups since it started ((0, 0): no DAX cluster)."""
        from stratus.local.dax.service import DaxService

        try:
            app = self._cloud.service(DaxService).app if self._cloud is not None else None
        except LookupError:
            app = None
        if app is None:
            return 0, 0
        stats = app.stats
        hits = int(stats.item_hits + stats.query_hits)
        return hits, hits + int(stats.item_misses + stats.query_misses)

    async def _answer(self, request: AwsRequest) -> Response | None:
        if request.method == "DELETE":
            self.reset()
        return JSONResponse(self.snapshot())

    async def prepare(self, cloud: CloudContext) -> None:
        self._cloud = cloud
        self._path = cloud.settings.snapshot_dir / FILE
        await asyncio.to_thread(self.recorder.load, self._path)
        cloud.metrics = UsageTap(self.recorder)
        cloud.background(self._save_every(SAVE_SECONDS), "usage-save")

    async def start(self, cloud: CloudContext) -> None:
        cloud.background(self._count_once_up(cloud.settings.state_dir), "usage-enable")

    async def _count_once_up(self, state_dir: Path, poll_seconds: float = 0.1) -> None:
        """Counting starts once the cloud is up (it wrote its endpoints file, the last step
        of a start): what provisioning and the services' own start-up call is not the
        application's traffic."""
        while True:
            with contextlib.suppress(endpoints.NotRunningError, ValueError):
                if int(endpoints.running(state_dir).get("pid") or 0) == os.getpid():
                    self.recorder.enabled = True
                    return
            await asyncio.sleep(poll_seconds)

    async def _save_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await asyncio.to_thread(self.save)

    def save(self) -> None:
        if self._path is not None:
            with contextlib.suppress(OSError):
                self.recorder.save(self._path)

    async def stop(self) -> None:
        self.save()


SERVICES = [UsageService]
