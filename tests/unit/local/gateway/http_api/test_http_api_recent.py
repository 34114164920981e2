"""HTTP API requests are recorded for the console: stage, path as sent, status, no cache;
a request to an API with no such stage or route is recorded only when a stage matched."""

from __future__ import annotations

from http_rig import API_ID, HttpRig

from stratus.local.gateway.recent import RecentApis


def test_requests_to_stages_are_recorded_newest_first(rig: HttpRig) -> None:
    rig.app.recent = RecentApis()
    assert rig.request("GET", "/items/1").status_code == 200
    assert rig.request("GET", "/limited/items/1").status_code == 200
    newest, oldest = rig.app.recent.requests(API_ID)
    assert (newest.stage, newest.path, newest.status) == ("limited", "/limited/items/1", 200)
    assert (oldest.stage, oldest.path) == ("$default", "/items/1")
    assert newest.cache is None and newest.integration_ms is not None


def test_a_request_to_an_unknown_api_is_not_recorded(rig: HttpRig) -> None:
    rig.app.recent = RecentApis()
    assert rig.request("GET", "/items/1", api_id="nosuchapi").status_code == 404
    assert rig.app.recent.requests("nosuchapi") == []
