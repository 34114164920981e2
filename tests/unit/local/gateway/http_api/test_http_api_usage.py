"""HTTP API requests reach the usage totals (`stratus cost --from-local`) per API and route,
with the bytes sent and the 512 KB metering; a request to an unknown API is not counted."""

from __future__ import annotations

from http_rig import API_ID, HttpRig

from stratus.local.usage.recorder import UsageRecorder
from stratus.local.usage.tap import UsageTap


def test_requests_count_per_api_stage_and_route(rig: HttpRig) -> None:
    usage = UsageRecorder()
    rig.app.metrics = UsageTap(usage)
    first = rig.request("GET", "/items/1")
    second = rig.request("GET", "/items/2")
    assert rig.request("GET", "/items/1", api_id="nosuchapi").status_code == 404
    snapshot = usage.snapshot()
    (key,) = snapshot["apis"]
    entry = snapshot["apis"][key]
    assert key == f"{API_ID}/$default" and entry["kind"] == "HTTP"
    assert entry["requests"] == 2 and entry["metered_requests"] == 2
    assert entry["bytes_out"] == len(first.content) + len(second.content)
    (route,) = snapshot["routes"].values()
    assert route["requests"] == 2 and route["route"].endswith("/items/{id}")
