"""Canary releases through the local CodeDeploy: the fixture app `tests/fixtures/apps/canary`
(a function behind a `live` alias, a LambdaDeploymentGroup with a 10%/1-minute canary, an
errors alarm, pre- and post-traffic hooks) is changed and `stratus up` runs again on the same
state, with `--deploy-time-scale`.

The tests run in order on one copy of the app, each one a release of the previous state:
v1 created (no deployment), v2 shifted by the canary (both versions answer meanwhile),
v3 refused by its pre-traffic hook (no traffic moves), v4 broken (the alarm rolls it back
while v2 keeps serving), then a restart keeps every deployment and the alias on v2.
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, copy_fixture_app, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "canary"
APP, GROUP, FUNCTION = "canary-app", "canary-live", "canary-service"
ENV = {"STRATUS_ALARM_SECONDS": "1"}  # alarms evaluated every second


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture_app(tmp_path_factory, FIXTURE)


def release(app_dir: Path, name: str, *, broken: bool = False) -> None:
    (app_dir / "functions" / "release.py").write_text(
        f'RELEASE = "{name}"\nBROKEN = {broken}\n', encoding="utf-8"
    )


@contextmanager
def cloud(app_dir: Path, *args: str, fresh: bool = False) -> Iterator[LocalCloudHandle]:
    proc, handle = start_local_cloud(
        None, app_dir=app_dir, fresh=fresh, extra_args=list(args), env=ENV
    )
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def deployments(handle: LocalCloudHandle) -> list[dict[str, Any]]:
    client = aws_client(handle, "codedeploy")
    ids = client.list_deployments(applicationName=APP, deploymentGroupName=GROUP)["deployments"]
    return [client.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]


def invoke(handle: LocalCloudHandle) -> tuple[str, str, bool]:
    """(release or error text, executed version, failed) of one call to the alias."""
    answer = aws_client(handle, "lambda").invoke(FunctionName=f"{FUNCTION}:live")
    body = answer["Payload"].read().decode()
    return body, str(answer.get("ExecutedVersion")), "FunctionError" in answer


def drive(handle: LocalCloudHandle, deployment_id: str, seconds: float) -> collections.Counter[Any]:
    """Invoke the alias until the deployment ends; what answered, by (version, failed)."""
    client = aws_client(handle, "codedeploy")
    seen: collections.Counter[Any] = collections.Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _, version, failed = invoke(handle)
        seen[(version, failed)] += 1
        info = client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            return seen
    raise AssertionError(f"deployment {deployment_id} did not end in {seconds}s: {seen}")


def get(handle: LocalCloudHandle, deployment_id: str) -> dict[str, Any]:
    info: dict[str, Any] = aws_client(handle, "codedeploy").get_deployment(
        deploymentId=deployment_id
    )["deploymentInfo"]
    return info


def newest(handle: LocalCloudHandle) -> dict[str, Any]:
    """The newest deployment `up` started (not a rollback it may have recorded already)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [d for d in deployments(handle) if d["creator"] != "codeDeployRollback"]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("no deployment was created")


def test_first_release_points_the_alias_without_a_deployment(app_dir: Path) -> None:
    release(app_dir, "v1")
    with cloud(app_dir, fresh=True) as handle:
        assert invoke(handle) == ('{"release": "v1", "version": "1"}', "1", False)
        assert deployments(handle) == []
        client = aws_client(handle, "codedeploy")
        assert client.list_applications()["applications"] == [APP]
        group = client.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)
        info = group["deploymentGroupInfo"]
        assert info["computePlatform"] == "Lambda"
        assert info["alarmConfiguration"]["alarms"] == [{"name": "canary-service-errors"}]
        assert info["autoRollbackConfiguration"]["events"] == [
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
        ]
        config = client.get_deployment_config(deploymentConfigName=info["deploymentConfigName"])
        assert config["deploymentConfigInfo"]["trafficRoutingConfig"] == {
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 1},
        }


def test_new_code_is_shifted_by_the_canary_then_succeeds(app_dir: Path) -> None:
    release(app_dir, "v2")
    with cloud(app_dir, "--deploy-time-scale", "6") as handle:  # the 1-minute canary: 10 s
        dep = newest(handle)
        assert dep["deploymentId"].startswith("d-") and len(dep["deploymentId"]) == 11
        seen = drive(handle, dep["deploymentId"], 60)
        # Both versions answered during the shift, the new one for about a tenth of calls.
        assert seen[("1", False)] and seen[("2", False)], seen
        assert seen[("2", False)] < seen[("1", False)], seen
        final = get(handle, dep["deploymentId"])
        assert final["status"] == "Succeeded", final
        assert '"TargetVersion": "2"' in final["revision"]["appSpecContent"]["content"]
        assert {invoke(handle)[1] for _ in range(10)} == {"2"}
        alias = aws_client(handle, "lambda").get_alias(FunctionName=FUNCTION, Name="live")
        assert alias["FunctionVersion"] == "2" and "RoutingConfig" not in alias
        log = handle.log_path.read_text()
        assert "BeforeAllowTraffic hook canary-pre-hook Succeeded" in log
        assert "AfterAllowTraffic hook canary-post-hook Succeeded" in log
        assert f"deployment {dep['deploymentId']} Succeeded" in log


def test_failing_pre_traffic_hook_shifts_no_traffic(app_dir: Path) -> None:
    release(app_dir, "v3")
    with cloud(app_dir, "--deploy-time-scale", "6", "-c", "hookStatus=Failed") as handle:
        dep = newest(handle)
        seen = drive(handle, dep["deploymentId"], 60)
        assert set(seen) == {("2", False)}, seen
        final = get(handle, dep["deploymentId"])
        assert final["status"] == "Failed"
        assert final["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
        assert "rollbackDeploymentId" in final["rollbackInfo"]
        assert {invoke(handle)[1] for _ in range(10)} == {"2"}


def test_failing_new_version_trips_the_alarm_and_rolls_back(app_dir: Path) -> None:
    release(app_dir, "v4", broken=True)
    # The canary holds 30 s: the deployment begins before `up` is ready, and a loaded host may
    # be ready late in it; the test stops calling once the alarm stops the deployment.
    with cloud(app_dir, "--deploy-time-scale", "2") as handle:
        dep = newest(handle)
        assert '"TargetVersion": "4"' in dep["revision"]["appSpecContent"]["content"]
        seen = drive(handle, dep["deploymentId"], 60)
        # The old version served throughout; only the canary's calls failed.
        assert seen[("2", False)] > 0 and ("2", True) not in seen, seen
        assert ("4", False) not in seen, seen
        final = deployments(handle)
        stopped = get(handle, dep["deploymentId"])
        assert stopped["status"] == "Stopped"
        assert stopped["errorInformation"]["code"] == "ALARM_ACTIVE"
        assert "canary-service-errors" in stopped["errorInformation"]["message"]
        rollback_id = stopped["rollbackInfo"]["rollbackDeploymentId"]
        rollback = next(d for d in final if d["deploymentId"] == rollback_id)
        assert rollback["creator"] == "codeDeployRollback"
        assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == dep["deploymentId"]
        assert rollback["status"] == "Succeeded"
        assert {invoke(handle) for _ in range(10)} == {
            ('{"release": "v2", "version": "2"}', "2", False)
        }
        # The alarm watched the alias's series, whose errors came from version 4 alone.
        cw = aws_client(handle, "cloudwatch")
        [alarm] = cw.describe_alarms(AlarmNames=["canary-service-errors"])["MetricAlarms"]
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
            "FunctionName": FUNCTION,
            "Resource": f"{FUNCTION}:live",
        }
        assert alias_errors(cw, "4") > 0
        assert alias_errors(cw, "2") == 0


def alias_errors(cw: Any, version: str) -> float:
    """Errors of the `live` alias that `version` ran (ExecutedVersion), last 10 minutes."""
    end = datetime.now(UTC) + timedelta(minutes=1)
    points = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[
            {"Name": "FunctionName", "Value": FUNCTION},
            {"Name": "Resource", "Value": f"{FUNCTION}:live"},
            {"Name": "ExecutedVersion", "Value": version},
        ],
        StartTime=end - timedelta(minutes=11),
        EndTime=end,
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return float(sum(p["Sum"] for p in points))


def test_deployments_survive_a_restart_and_bad_input_is_a_4xx(app_dir: Path) -> None:
    with cloud(app_dir) as handle:
        found = deployments(handle)
        assert [d["status"] for d in found][-1] == "Succeeded"  # the v2 canary, oldest
        assert {d["status"] for d in found} == {"Succeeded", "Failed", "Stopped"}
        assert "stays on version 2" in handle.log_path.read_text()  # v4 is not retried
        assert invoke(handle)[1] == "2"
        client = aws_client(handle, "codedeploy")
        for call, code in (
            (
                lambda: client.get_deployment(deploymentId="d-NOTTHERE1"),
                "DeploymentDoesNotExistException",
            ),
            (
                lambda: client.get_deployment_group(
                    applicationName=APP, deploymentGroupName="nope"
                ),
                "DeploymentGroupDoesNotExistException",
            ),
            (
                lambda: client.list_deployment_groups(applicationName="nope"),
                "ApplicationDoesNotExistException",
            ),
            (
                lambda: client.stop_deployment(deploymentId=found[0]["deploymentId"]),
                "DeploymentAlreadyCompletedException",
            ),
            (
                lambda: client.put_lifecycle_event_hook_execution_status(
                    deploymentId=found[0]["deploymentId"],
                    lifecycleEventHookExecutionId="nope",
                    status="Succeeded",
                ),
                "InvalidLifecycleEventHookExecutionIdException",
            ),
        ):
            with pytest.raises(ClientError) as error:
                call()
            assert error.value.response["Error"]["Code"] == code
            assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_create_deployment_through_the_api_shifts_the_alias(app_dir: Path) -> None:
    """`aws deploy create-deployment` with an AppSpec, as pipelines do: v3 (whose hook-less
    code is fine) goes live all at once, its pre-traffic hook (now succeeding) run first."""
    appspec = {
        "version": 0.0,
        "Resources": [
            {
                "Service": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": FUNCTION,
                        "Alias": "live",
                        "CurrentVersion": "2",
                        "TargetVersion": "3",
                    },
                }
            }
        ],
        "Hooks": [{"BeforeAllowTraffic": "canary-pre-hook"}],
    }
    with cloud(app_dir) as handle:
        # The errors alarm of v4's canary would stop this one too: wait until it is OK again.
        alarms = aws_client(handle, "cloudwatch")
        deadline = time.monotonic() + 120
        while (
            alarms.describe_alarms(AlarmNames=["canary-service-errors"])["MetricAlarms"][0][
                "StateValue"
            ]
            != "OK"
        ):
            assert time.monotonic() < deadline, "the errors alarm never went back to OK"
            time.sleep(1)
        client = aws_client(handle, "codedeploy")
        created = client.create_deployment(
            applicationName=APP,
            deploymentGroupName=GROUP,
            deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": json.dumps(appspec)},
            },
        )
        deployment_id = created["deploymentId"]
        drive(handle, deployment_id, 60)
        assert get(handle, deployment_id)["status"] == "Succeeded"
        assert invoke(handle) == ('{"release": "v3", "version": "3"}', "3", False)
        with pytest.raises(ClientError) as stale:  # the alias no longer serves version 2
            client.create_deployment(
                applicationName=APP,
                deploymentGroupName=GROUP,
                revision={
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": json.dumps(appspec)},
                },
            )
        assert stale.value.response["Error"]["Code"] == "InvalidRevisionException"
