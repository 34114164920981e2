"""Canary releases: the traffic split with an injected random source, the canary's stage
variables and $context.isCanaryRequest, UpdateStage's patch operations (promote, remove,
bad paths), and a deployment a later `up` dropped still served from its kept snapshot."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_rig import API_ID, Rig, stage_props

from stratus.local.gateway import build_gateway_app
from stratus.local.gateway.canary import LiveStage, PatchError, apply_patch, goes_to_canary
from stratus.local.gateway.config import CanarySettings
from stratus.local.provision.model import Deployment

CANARY = CanarySettings(10.0, "dep2", {"color": "green"}, False)


def test_the_split_follows_percent_traffic() -> None:
    assert goes_to_canary(CANARY, 0.0999)
    assert not goes_to_canary(CANARY, 0.1)
    assert not goes_to_canary(CanarySettings(0.0), 0.0)
    assert goes_to_canary(CanarySettings(100.0), 0.999999)
    assert not goes_to_canary(None, 0.0)


def test_promote_copies_the_canary_deployment_and_variables_then_remove_drops_it() -> None:
    live = LiveStage("dep1", {"color": "blue", "size": "m"}, CANARY)
    promoted = apply_patch(
        live,
        [
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
            {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        ],
        {"dep1", "dep2"},
    )
    assert promoted.deployment_id == "dep2"
    assert promoted.variables == {"color": "green", "size": "m"}
    assert promoted.canary is not None and promoted.canary.percent_traffic == 0.0
    removed = apply_patch(promoted, [{"op": "remove", "path": "/canarySettings"}], {"dep2"})
    assert removed.canary is None and removed.deployment_id == "dep2"


def test_setting_a_canary_field_creates_the_canary_on_the_stage_deployment() -> None:
    live = apply_patch(
        LiveStage("dep1"),
        [
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "25"},
            {"op": "replace", "path": "/canarySettings/stageVariableOverrides/x", "value": "1"},
            {"op": "replace", "path": "/variables/y", "value": "2"},
        ],
        {"dep1"},
    )
    assert live.canary == CanarySettings(25.0, "dep1", {"x": "1"}, False)
    assert live.variables == {"y": "2"}


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/nope", "value": "1"},
        {"op": "replace", "path": "/canarySettings/colour", "value": "1"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "150"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "lots"},
        {"op": "replace", "path": "/deploymentId", "value": "unknown"},
        {"op": "frobnicate", "path": "/deploymentId"},
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/description"},
    ],
)
def test_a_patch_aws_refuses_is_a_bad_request(op: dict[str, Any]) -> None:
    with pytest.raises(PatchError):
        apply_patch(LiveStage("dep1", canary=CANARY), [op], {"dep1", "dep2"})


def test_copy_without_a_canary_is_a_bad_request() -> None:
    op = {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"}
    with pytest.raises(PatchError):
        apply_patch(LiveStage("dep1"), [op], {"dep1"})


# -- through the gateway app ---------------------------------------------------------------
def _with_canary(percent: float) -> Any:
    def tweak(deployment: Deployment) -> None:
        stage_props(deployment)["CanarySetting"] = {
            "PercentTraffic": percent,
            "StageVariableOverrides": {"table": "todos-canary"},
        }

    return tweak


def _rig(tmp_path: Path, percent: float, draws: list[float]) -> Rig:
    rig = Rig(tmp_path, tweak=_with_canary(percent))
    source = itertools.cycle(draws)
    rig.app = build_gateway_app(rig.ctx, clock=rig.clock, draw=lambda: next(source))
    return rig


def _post(rig: Rig) -> dict[str, Any]:
    resp = rig.request("POST", "/public/x", json={})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_canary_requests_see_the_overridden_stage_variables(tmp_path: Path) -> None:
    rig = _rig(tmp_path, 50.0, [0.1, 0.9])
    canary, base = _post(rig), _post(rig)
    assert canary["stageVariables"] == {"table": "todos-canary"}
    assert base["stageVariables"] == {"table": "todos"}


def test_update_stage_promotes_and_removes_the_canary(tmp_path: Path) -> None:
    rig = _rig(tmp_path, 0.0, [0.5])
    assert _post(rig)["stageVariables"] == {"table": "todos"}
    stage = rig.app.apis[API_ID].stages["prod"]
    rig.app.releases.update_stage(
        API_ID,
        stage,
        [{"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"}],
    )
    assert _post(rig)["stageVariables"] == {"table": "todos-canary"}
    rig.app.releases.update_stage(API_ID, stage, [{"op": "remove", "path": "/canarySettings"}])
    assert rig.app.releases.live_stage(API_ID, stage).canary is None


def test_a_deployment_dropped_by_a_later_up_is_served_from_its_snapshot(tmp_path: Path) -> None:
    store = tmp_path / "releases.json"
    first = Rig(tmp_path)
    build_gateway_app(first.ctx, releases_store=store)  # remembers deployment 1
    old_id = stage_props(first.deployment)["DeploymentId"]

    def redeploy(deployment: Deployment) -> None:
        # The next `up`: a new deployment (the API changed: /public gone) that is the
        # stage's canary at 0%; the stage itself keeps its old deployment.
        stack = next(iter(deployment.stacks.values()))
        old = next(r for r in deployment.resources("AWS::ApiGateway::Deployment"))
        del stack.resources[old.logical_id]
        for logical, res in list(stack.resources.items()):
            if res.type == "AWS::ApiGateway::Resource" and res.properties["PathPart"] == "public":
                del stack.resources[logical]
        new = type(old)(**{**old.__dict__, "logical_id": "Dep2", "physical_id": "dep2new"})
        new.properties = {**old.properties, "DeploymentCanarySettings": {"PercentTraffic": 0}}
        new.properties["StageName"] = "prod"
        stack.resources["Dep2"] = new
        stage_props(deployment)["DeploymentId"] = "dep2new"

    second = Rig(tmp_path, tweak=redeploy)
    second.app = build_gateway_app(second.ctx, releases_store=store, draw=lambda: 0.5)
    live = second.app.releases.live_stage(API_ID, second.app.apis[API_ID].stages["prod"])
    assert live.deployment_id == old_id
    assert live.canary is not None and live.canary.deployment_id == "dep2new"
    event = _post(second)  # /public still exists in the stage's (old) deployment
    assert event["requestContext"]["deploymentId"] == old_id

    async def canary_call() -> httpx.Response:
        second.app.releases.draw = lambda: 0.0
        second.app.releases.update_stage(
            API_ID,
            second.app.apis[API_ID].stages["prod"],
            [{"op": "replace", "path": "/canarySettings/percentTraffic", "value": "100"}],
        )
        async with second.client() as client:
            return await client.post(f"/restapis/{API_ID}/prod/public/x", json={})

    assert asyncio.run(canary_call()).status_code == 403  # the new deployment has no /public
