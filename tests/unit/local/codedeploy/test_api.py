"""CodeDeploy's operations on the local endpoint: AWS's shapes (parsed by botocore, as a
client would), its error codes for bad input, and CreateDeployment from an AppSpec."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.parsers import create_parser
from starlette.responses import Response
from tests.unit.local.codedeploy.test_engine import CANARY, GROUP, FakeTarget

from stratus.local.codedeploy.api import operations
from stratus.local.codedeploy.engine import Engine
from stratus.local.codedeploy.store import CodeDeployStore, Deployment
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall

MODEL = botocore.session.get_session().get_service_model("codedeploy")
APPSPEC = {
    "version": 0.0,
    "Resources": [
        {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Name": "fn",
                    "Alias": "live",
                    "CurrentVersion": "1",
                    "TargetVersion": "2",
                },
            }
        }
    ],
    "Hooks": [{"BeforeAllowTraffic": "arn:aws:lambda:us-east-1:000000000000:function:pre"}],
}


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.store = CodeDeployStore(tmp_path)
        self.store.put_application("us-east-1", "app", "Lambda", "Stack")
        self.store.put_group("us-east-1", "app", "live", GROUP)
        self.store.put_config("us-east-1", "Canary25", CANARY)
        self.launched: list[Deployment] = []
        self.refuse: str | None = None

        def launch(dep: Deployment) -> str | None:
            if self.refuse is None:
                self.store.add(dep)
                self.launched.append(dep)
            return self.refuse

        self.ops = operations(self.store, Engine(self.store, FakeTarget()), launch)

    def call(self, operation: str, **params: Any) -> tuple[int, dict[str, Any]]:
        body = json.dumps(params).encode()
        request = AwsRequest(
            "POST", "/", "/", "", {"x-amz-target": f"CodeDeploy_20141006.{operation}"}, body
        )
        call = AwsCall(request=request, service="codedeploy", operation=operation)

        async def answer() -> Response:
            return await self.ops[operation](call)

        response = asyncio.run(answer())
        shape = MODEL.operation_model(operation).output_shape
        assert shape is not None
        parser = create_parser("json")
        parsed = parser.parse(
            {
                "status_code": response.status_code,
                "headers": dict(response.headers),
                "body": response.body,
            },
            shape,
        )
        return response.status_code, dict(parsed)


def test_group_and_config_have_aws_shapes(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    status, out = rig.call("GetDeploymentGroup", applicationName="app", deploymentGroupName="live")
    assert status == 200
    info = out["deploymentGroupInfo"]
    assert info["alarmConfiguration"] == {
        "enabled": True,
        "ignorePollAlarmFailure": False,
        "alarms": [{"name": "errors"}],
    }
    assert info["deploymentConfigName"] == "Canary25"
    _, config = rig.call("GetDeploymentConfig", deploymentConfigName="Canary25")
    assert config["deploymentConfigInfo"]["trafficRoutingConfig"]["timeBasedCanary"] == {
        "canaryPercentage": 25,
        "canaryInterval": 1,
    }
    _, listed = rig.call("ListDeploymentConfigs")
    assert "CodeDeployDefault.LambdaCanary10Percent5Minutes" in listed["deploymentConfigsList"]
    assert "Canary25" in listed["deploymentConfigsList"]


def test_create_deployment_from_an_appspec_then_get_and_list_it(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    revision = {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": json.dumps(APPSPEC)},
    }
    status, out = rig.call(
        "CreateDeployment", applicationName="app", deploymentGroupName="live", revision=revision
    )
    assert status == 200 and out["deploymentId"].startswith("d-")
    (dep,) = rig.launched
    assert (dep.function, dep.alias, dep.current, dep.target) == ("fn", "live", "1", "2")
    assert dep.before_hook == "pre" and dep.config == "Canary25"
    _, got = rig.call("GetDeployment", deploymentId=dep.id)
    info = got["deploymentInfo"]
    assert info["status"] == "Created" and info["computePlatform"] == "Lambda"
    assert info["deploymentOverview"]["Pending"] == 1
    assert (
        json.loads(info["revision"]["appSpecContent"]["content"])["Resources"][0]["Fn"][
            "Properties"
        ]["TargetVersion"]
        == "2"
    )
    _, listed = rig.call("ListDeployments", applicationName="app", deploymentGroupName="live")
    assert listed["deployments"] == [dep.id]
    status, busy = rig.call(
        "CreateDeployment", applicationName="app", deploymentGroupName="live", revision=revision
    )
    assert status == 400 and busy["Error"]["Code"] == "DeploymentLimitExceededException"


@pytest.mark.parametrize(
    ("operation", "params", "code"),
    [
        ("GetDeployment", {}, "DeploymentIdRequiredException"),
        ("GetDeployment", {"deploymentId": "d-NOTHERE00"}, "DeploymentDoesNotExistException"),
        ("GetApplication", {"applicationName": "nope"}, "ApplicationDoesNotExistException"),
        ("ListDeployments", {"applicationName": "app"}, "DeploymentGroupNameRequiredException"),
        ("ListDeployments", {"deploymentGroupName": "live"}, "ApplicationNameRequiredException"),
        (
            "GetDeploymentGroup",
            {"applicationName": "app", "deploymentGroupName": "nope"},
            "DeploymentGroupDoesNotExistException",
        ),
        (
            "GetDeploymentConfig",
            {"deploymentConfigName": "nope"},
            "DeploymentConfigDoesNotExistException",
        ),
        (
            "CreateDeployment",
            {"applicationName": "app", "deploymentGroupName": "live", "revision": {}},
            "InvalidRevisionException",
        ),
        (
            "CreateDeployment",
            {
                "applicationName": "app",
                "deploymentGroupName": "live",
                "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": "{"}},
            },
            "InvalidRevisionException",
        ),
        (
            "StopDeployment",
            {"deploymentId": "d-NOTHERE00"},
            "DeploymentDoesNotExistException",
        ),
    ],
)
def test_bad_input_is_a_400_with_codedeploys_code(
    tmp_path: Path, operation: str, params: dict[str, Any], code: str
) -> None:
    status, out = Rig(tmp_path).call(operation, **params)
    assert status == 400
    assert out["Error"]["Code"] == code


def test_a_deployment_the_functions_cannot_run_is_refused(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.refuse = "The alias live serves version 3, not CurrentVersion 1"
    revision = {"revisionType": "String", "string": {"content": json.dumps(APPSPEC)}}
    status, out = rig.call(
        "CreateDeployment", applicationName="app", deploymentGroupName="live", revision=revision
    )
    assert status == 400 and "serves version 3" in out["Error"]["Message"]
    assert rig.store.deployments == {}
