"""`GET /_stratus/usage` answers the totals; `DELETE` starts a new window."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.hooks import HookTable
from stratus.local.dax.service import DaxService
from stratus.local.usage.service import USAGE_PATH, UsageService


def _ask(table: HookTable, method: str) -> dict[str, Any]:
    request = AwsRequest(method, USAGE_PATH, USAGE_PATH, "", {}, b"")
    handler = table.path_handler(request)
    assert handler is not None

    async def answer() -> Response | None:
        return await handler(request)

    response = asyncio.run(answer())
    assert response is not None and response.status_code == 200
    data: dict[str, Any] = json.loads(bytes(response.body))
    return data


def test_the_usage_path_answers_and_resets() -> None:
    service = UsageService()
    table = HookTable()
    table.add_paths(service.paths())
    service.recorder.enabled = True
    service.recorder.add("functions", "r/f", {"name": "f"}, invocations=2)
    assert _ask(table, "GET")["functions"]["r/f"]["invocations"] == 2
    assert _ask(table, "GET")["functions"]["r/f"]["memory_mb"] == 128  # Lambda's default
    assert _ask(table, "DELETE")["functions"] == {}
    assert _ask(table, "GET")["functions"] == {}


def test_other_methods_and_paths_are_not_taken() -> None:
    table = HookTable()
    table.add_paths(UsageService().paths())
    assert table.path_handler(AwsRequest("POST", USAGE_PATH, USAGE_PATH, "", {}, b"")) is None
    other = "/_stratus/usagex"
    assert table.path_handler(AwsRequest("GET", other, other, "", {}, b"")) is None


def test_dax_hits_and_lookups_are_counted_from_the_window_start() -> None:
    stats = SimpleNamespace(item_hits=3, query_hits=1, item_misses=2, query_misses=0)
    dax = DaxService()
    dax.app = SimpleNamespace(stats=stats)
    cloud = SimpleNamespace(service=lambda kind: dax, deployment=None)
    service = UsageService()
    service._cloud = cloud  # type: ignore[assignment]
    assert service.snapshot()["dax"] == {"hits": 4, "lookups": 6}
    service.reset()
    stats.item_hits += 1
    assert service.snapshot()["dax"] == {"hits": 1, "lookups": 1}


def test_counting_starts_once_the_cloud_wrote_its_endpoints(tmp_path: Path) -> None:
    service = UsageService()
    service.recorder.add("apis", "a/p", {}, requests=1)  # provisioning: not counted

    async def scenario() -> None:
        waiting = asyncio.create_task(service._count_once_up(tmp_path, poll_seconds=0.01))
        await asyncio.sleep(0.05)
        assert not service.recorder.enabled
        (tmp_path / "endpoints.json").write_text(json.dumps({"pid": os.getpid()}))
        await asyncio.wait_for(waiting, 2)

    asyncio.run(scenario())
    assert service.recorder.enabled
    service.recorder.add("apis", "a/p", {}, requests=1)
    assert service.recorder.snapshot()["apis"]["a/p"]["requests"] == 1
