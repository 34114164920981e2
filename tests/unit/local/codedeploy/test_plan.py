"""Which deployments `up` starts from the provisioned aliases (CodeDeployLambdaAliasUpdate):
none on creation, one per changed version, none again for a change that failed, the same
one again after an interrupted run, and a stale one stopped when the target moved on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.local.codedeploy.test_engine import GROUP

from stratus.local.codedeploy.service import CodeDeployService
from stratus.local.codedeploy.store import CodeDeployStore, Deployment, alias_key
from stratus.local.provision.model import Deployment as Provisioned
from stratus.local.provision.model import Resource, Stack

KEY = alias_key("us-east-1", "fn", "live")
POLICY = {
    "CodeDeployLambdaAliasUpdate": {
        "ApplicationName": "app",
        "DeploymentGroupName": "live",
        "BeforeAllowTrafficHook": "pre",
    }
}


class Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, title: str) -> Any:
        raise NotImplementedError

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warn(self, message: str) -> None:
        self.lines.append(message)


def provisioned(version: str) -> Provisioned:
    alias = Resource(
        stack="S",
        logical_id="Live",
        type="AWS::Lambda::Alias",
        properties={"FunctionName": "fn", "Name": "live", "FunctionVersion": version},
        physical_id="arn:aws:lambda:us-east-1:000000000000:function:fn:live",
        update_policy=POLICY,
    )
    stack = Stack(name="S", template_path=Path("t.json"), resources={"Live": alias})
    return Provisioned(stacks={"S": stack})


def service(tmp_path: Path) -> CodeDeployService:
    svc = CodeDeployService()
    svc.store = CodeDeployStore(tmp_path)
    svc.store.put_application("us-east-1", "app", "Lambda", "S")
    svc.store.put_group("us-east-1", "app", "live", GROUP)
    return svc


def test_a_new_alias_is_recorded_without_a_deployment(tmp_path: Path) -> None:
    svc = service(tmp_path)
    runs, pins = svc._plan(provisioned("1"), Reporter())
    assert (runs, pins) == ([], [])
    assert svc.store is not None and svc.store.aliases[KEY] == "1"


def test_a_changed_version_starts_one_deployment(tmp_path: Path) -> None:
    svc = service(tmp_path)
    assert svc.store is not None
    svc.store.set_alias(KEY, "1")
    (dep,), pins = svc._plan(provisioned("2"), Reporter())
    assert (dep.current, dep.target, dep.before_hook, dep.after_hook) == ("1", "2", "pre", "")
    assert dep.config == GROUP["DeploymentConfigName"] and pins == []
    assert svc._plan(provisioned("2"), Reporter())[0] == [dep]  # not finished: resumed


def test_a_change_that_failed_is_not_retried_and_the_alias_stays(tmp_path: Path) -> None:
    svc = service(tmp_path)
    assert svc.store is not None
    svc.store.set_alias(KEY, "1")
    (dep,), _ = svc._plan(provisioned("2"), Reporter())
    dep.status = "Stopped"
    reporter = Reporter()
    runs, pins = svc._plan(provisioned("2"), reporter)
    assert runs == [] and pins == [("fn", "live", "1")]
    assert "stays on version 1" in reporter.lines[0]
    (again,), _ = svc._plan(provisioned("3"), Reporter())  # new code: a new deployment
    assert (again.current, again.target) == ("1", "3")


def test_an_unfinished_deployment_to_an_older_target_is_stopped(tmp_path: Path) -> None:
    svc = service(tmp_path)
    assert svc.store is not None
    svc.store.set_alias(KEY, "1")
    (old,), _ = svc._plan(provisioned("2"), Reporter())
    (new,), _ = svc._plan(provisioned("3"), Reporter())
    assert old.status == "Stopped" and old.error["code"] == "MANUAL_STOP"
    assert (new.current, new.target) == ("1", "3")
    reloaded = CodeDeployStore(tmp_path)
    assert isinstance(reloaded.get(old.id), Deployment)
    assert reloaded.deployments[old.id].status == "Stopped"


def test_an_alias_without_its_group_is_updated_directly(tmp_path: Path) -> None:
    svc = service(tmp_path)
    assert svc.store is not None
    svc.store.set_alias(KEY, "1")
    svc.store.remove("groups", "us-east-1/app/live")
    reporter = Reporter()
    assert svc._plan(provisioned("2"), reporter) == ([], [])
    assert svc.store.aliases[KEY] == "2" and "not provisioned" in reporter.lines[0]
