"""A Lambda deployment's lifecycle against a fake alias, hook runner and alarm source."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from stratus.local.codedeploy.engine import DeploymentError, Engine
from stratus.local.codedeploy.store import CodeDeployStore, Deployment, alias_key

GROUP = {
    "ApplicationName": "app",
    "DeploymentGroupName": "live",
    "DeploymentConfigName": "Canary25",
    "AlarmConfiguration": {"Enabled": True, "Alarms": [{"Name": "errors"}]},
    "AutoRollbackConfiguration": {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    },
}
CANARY = {
    "ComputePlatform": "Lambda",
    "TrafficRoutingConfig": {
        "Type": "TimeBasedCanary",
        "TimeBasedCanary": {"CanaryPercentage": 25, "CanaryInterval": 1},
    },
}


class FakeTarget:
    def __init__(self, hook_answer: str | None = "Succeeded") -> None:
        self.routes: list[float] = []
        self.payloads: list[dict[str, Any]] = []
        self.firing: list[str] = []
        self.fire_at_weight: float | None = None
        self.hook_answer = hook_answer
        self.engine: Engine | None = None
        self.messages: list[str] = []

    def route(self, deployment: Deployment, weight: float) -> None:
        self.routes.append(weight)
        if self.fire_at_weight is not None and weight >= self.fire_at_weight:
            self.firing = ["errors"]

    async def invoke(self, region: str, function: str, payload: bytes) -> str | None:
        event = json.loads(payload)
        self.payloads.append({"function": function, **event})
        if self.hook_answer is not None:
            assert self.engine is not None
            self.engine.hook_status(
                event["DeploymentId"], event["LifecycleEventHookExecutionId"], self.hook_answer
            )
        return None

    async def alarms_firing(self, region: str, names: list[str]) -> list[str]:
        return [n for n in self.firing if n in names]

    def report(self, message: str) -> None:
        self.messages.append(message)


def setup(tmp_path: Path, target: FakeTarget, scale: float = 600.0) -> tuple[Engine, Deployment]:
    store = CodeDeployStore(tmp_path)
    store.put_application("us-east-1", "app", "Lambda", "Stack")
    store.put_group("us-east-1", "app", "live", GROUP)
    store.put_config("us-east-1", "Canary25", CANARY)
    store.set_alias(alias_key("us-east-1", "fn", "live"), "1")
    engine = Engine(store, target, scale=scale, poll_seconds=0.01)
    target.engine = engine
    dep = Deployment(
        id="d-TEST00001",
        region="us-east-1",
        application="app",
        group="live",
        config="Canary25",
        function="fn",
        alias="live",
        current="1",
        target="2",
        before_hook="pre",
        after_hook="post",
    )
    store.add(dep)
    return engine, dep


def test_canary_runs_hooks_and_shifts_on_schedule(tmp_path: Path) -> None:
    target = FakeTarget()
    engine, dep = setup(tmp_path, target)
    asyncio.run(engine.run(dep))
    assert dep.status == "Succeeded"
    assert target.routes == [0.0, 0.25, 1.0, 1.0]
    assert [p["function"] for p in target.payloads] == ["pre", "post"]
    assert set(target.payloads[0]) == {"function", "DeploymentId", "LifecycleEventHookExecutionId"}
    assert dep.events == {
        "BeforeAllowTraffic": "Succeeded",
        "AllowTraffic": "Succeeded",
        "AfterAllowTraffic": "Succeeded",
    }
    reloaded = CodeDeployStore(tmp_path)  # what survives a restart
    assert reloaded.aliases[alias_key("us-east-1", "fn", "live")] == "2"
    assert reloaded.deployments[dep.id].status == "Succeeded"


def test_canary_waits_its_scaled_interval(tmp_path: Path) -> None:
    target = FakeTarget()
    engine, dep = setup(tmp_path, target, scale=120.0)  # 1 minute -> 0.5 s

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await engine.run(dep)
        return loop.time() - began

    assert 0.45 <= asyncio.run(timed()) < 2.0


def test_alarm_during_the_shift_stops_and_rolls_back(tmp_path: Path) -> None:
    target = FakeTarget()
    target.fire_at_weight = 0.25
    engine, dep = setup(tmp_path, target, scale=6.0)
    asyncio.run(engine.run(dep))
    assert dep.status == "Stopped"
    assert dep.error["code"] == "ALARM_ACTIVE"
    assert target.routes[-1] == 0.0 and 1.0 not in target.routes
    rollback = engine.store.get(dep.rollback["rollbackDeploymentId"])
    assert rollback is not None and rollback.creator == "codeDeployRollback"
    assert rollback.rollback == {"rollbackTriggeringDeploymentId": dep.id}
    assert engine.store.aliases[alias_key("us-east-1", "fn", "live")] == "1"


def test_failed_pre_traffic_hook_shifts_no_traffic(tmp_path: Path) -> None:
    target = FakeTarget(hook_answer="Failed")
    engine, dep = setup(tmp_path, target)
    asyncio.run(engine.run(dep))
    assert dep.status == "Failed"
    assert dep.error["code"] == "HOOK_EXECUTION_FAILURE"
    assert all(w == 0.0 for w in target.routes)
    assert [p["function"] for p in target.payloads] == ["pre"]
    assert dep.events["AllowTraffic"] == "Skipped"


def test_hook_that_never_reports_times_out(tmp_path: Path) -> None:
    target = FakeTarget(hook_answer=None)
    engine, dep = setup(tmp_path, target, scale=36000.0)  # one hour -> 0.1 s
    asyncio.run(engine.run(dep))
    assert dep.status == "Failed"
    assert dep.error["code"] == "TIMEOUT"


def test_stop_request_ends_the_deployment_on_the_original_version(tmp_path: Path) -> None:
    target = FakeTarget()
    engine, dep = setup(tmp_path, target, scale=1.0)  # the canary would hold a minute

    async def scenario() -> None:
        run = asyncio.create_task(engine.run(dep))
        while dep.weight < 0.25:
            await asyncio.sleep(0.01)
        engine.stop(dep.id, rollback=True)
        await asyncio.wait_for(run, 2)

    asyncio.run(scenario())
    assert dep.status == "Stopped" and dep.error["code"] == "MANUAL_STOP"
    assert target.routes[-1] == 0.0
    assert "rollbackDeploymentId" in dep.rollback


def test_hook_status_errors_are_codedeploy_errors(tmp_path: Path) -> None:
    engine, dep = setup(tmp_path, FakeTarget())
    with pytest.raises(DeploymentError) as missing:
        engine.hook_status("d-NOPE00000", "x", "Succeeded")
    assert missing.value.code == "DeploymentDoesNotExistException"
    with pytest.raises(DeploymentError) as unknown:
        engine.hook_status(dep.id, "not-an-execution", "Succeeded")
    assert unknown.value.code == "InvalidLifecycleEventHookExecutionIdException"
    dep.hooks["e1"] = "Pending"
    with pytest.raises(DeploymentError) as bad:
        engine.hook_status(dep.id, "e1", "Maybe")
    assert bad.value.code == "InvalidLifecycleEventHookExecutionStatusException"
