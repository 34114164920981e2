"""A Fargate service under `stratus up`: its tasks run as local processes, each on its own
address, with the task's environment, secrets and role credentials; they are registered in
the ALB target group, log to CloudWatch Logs, are replaced when killed, scale with
update-service and stop with the cloud. The CDK app is `tests/fixtures/apps/ecs_service`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, copy_fixture_app, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "ecs_service"
CLUSTER = "fixture-cluster"


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[bytes], LocalCloudHandle]]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    proc, handle = start_local_cloud(None, app_dir=app_dir)
    try:
        yield proc, handle
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def cloud(running: tuple[subprocess.Popen[bytes], LocalCloudHandle]) -> LocalCloudHandle:
    return running[1]


def _wait(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _tasks(cloud: LocalCloudHandle, status: str = "RUNNING") -> list[dict[str, Any]]:
    ecs = aws_client(cloud, "ecs")
    arns = ecs.list_tasks(cluster=CLUSTER, desiredStatus=status)["taskArns"]
    if not arns:
        return []
    tasks: list[dict[str, Any]] = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    return tasks


def _ip(task: dict[str, Any]) -> str:
    details = task["attachments"][0]["details"]
    return str(next(d["value"] for d in details if d["name"] == "privateIPv4Address"))


def _healthy(cloud: LocalCloudHandle, count: int) -> list[dict[str, Any]]:
    def ready() -> list[dict[str, Any]] | None:
        tasks = _tasks(cloud)
        ok = [t for t in tasks if t["lastStatus"] == "RUNNING" and t["healthStatus"] == "HEALTHY"]
        return ok if len(ok) == count == len(tasks) else None

    result: list[dict[str, Any]] = _wait(ready)
    return result


def _service(cloud: LocalCloudHandle) -> dict[str, Any]:
    ecs = aws_client(cloud, "ecs")
    name = cloud.stack_output("ServiceName")
    service: dict[str, Any] = ecs.describe_services(cluster=CLUSTER, services=[name])[
        "services"
    ][0]
    return service


def _targets(cloud: LocalCloudHandle) -> set[tuple[str, int]]:
    arn = cloud.stack_output("TargetGroupArn")
    assert str(arn).startswith("arn:aws:elasticloadbalancing:"), (
        f"the target group is not provisioned ({arn}): the local ALB (local/elbv2) is needed"
    )
    health = aws_client(cloud, "elbv2").describe_target_health(TargetGroupArn=arn)
    return {
        (d["Target"]["Id"], d["Target"]["Port"])
        for d in health["TargetHealthDescriptions"]
        if d.get("TargetHealth", {}).get("State") != "draining"
    }


def test_both_tasks_answer_on_their_own_address_with_env_and_secrets(
    cloud: LocalCloudHandle,
) -> None:
    tasks = _healthy(cloud, 2)
    ips = {_ip(t) for t in tasks}
    assert len(ips) == 2 and all(ip.startswith("127.0.") for ip in ips)
    secret = json.loads(
        aws_client(cloud, "secretsmanager").get_secret_value(SecretId="fixture/api")["SecretString"]
    )
    for ip in ips:
        body = httpx.get(f"http://{ip}:8000/", timeout=10).json()
        assert body["server"] == [ip, 8000]  # the command's 0.0.0.0 became the task's address
        assert body["GREETING"] == "hello from the task"
        assert body["API_PASSWORD"] == secret["password"]  # a JSON key of the secret
        assert json.loads(body["API_SECRET"]) == secret  # the whole secret
        assert body["FLAG"] == "flag-on"  # from SSM
        assert body["AWS_REGION"] == "us-east-1"
        assert body["has_credentials"] is True  # the task role's
        assert body["cwd"].endswith("/srv/web")  # the Dockerfile's WORKDIR
    task = tasks[0]
    assert task["launchType"] == "FARGATE"
    assert task["group"] == f"service:{cloud.stack_output('ServiceName')}"
    assert task["containers"][0]["name"] == "web"


def test_task_metadata_endpoint_v4(cloud: LocalCloudHandle) -> None:
    task = _healthy(cloud, 2)[0]
    meta = httpx.get(f"http://{_ip(task)}:8000/metadata", timeout=10).json()
    assert meta["TaskARN"] == task["taskArn"]
    assert meta["LaunchType"] == "FARGATE"
    assert meta["Cluster"] == task["clusterArn"]
    container = meta["Containers"][0]
    assert container["Name"] == "web"
    assert container["Networks"][0]["IPv4Addresses"] == [_ip(task)]
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    assert container["LogOptions"]["awslogs-stream"] == f"web/web/{task_id}"


def test_tasks_are_targets_of_the_service_target_group(cloud: LocalCloudHandle) -> None:
    tasks = _healthy(cloud, 2)
    assert _wait(lambda: _targets(cloud) == {(_ip(t), 8000) for t in tasks})


def test_service_counts_and_events(cloud: LocalCloudHandle) -> None:
    _healthy(cloud, 2)
    service = _service(cloud)
    assert (service["desiredCount"], service["runningCount"], service["pendingCount"]) == (2, 2, 0)
    messages = [e["message"] for e in service["events"]]
    assert any("has started 2 tasks" in m for m in messages)
    assert any("has reached a steady state." in m for m in messages)


def test_output_reaches_the_awslogs_stream(cloud: LocalCloudHandle) -> None:
    task = _healthy(cloud, 2)[0]
    httpx.get(f"http://{_ip(task)}:8000/logged", timeout=10)
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    logs = aws_client(cloud, "logs")

    def logged() -> bool:
        events = logs.filter_log_events(
            logGroupName="/fixture/web", logStreamNames=[f"web/web/{task_id}"]
        )["events"]
        return any("served /logged" in e["message"] for e in events)

    assert _wait(logged, 15)


def test_a_killed_task_is_replaced_and_its_target_deregistered(cloud: LocalCloudHandle) -> None:
    tasks = _healthy(cloud, 2)
    victim = tasks[0]
    pid = httpx.get(f"http://{_ip(victim)}:8000/", timeout=10).json()["pid"]
    os.kill(pid, signal.SIGKILL)

    def replaced() -> list[dict[str, Any]] | None:
        now = [t for t in _tasks(cloud) if t["healthStatus"] == "HEALTHY"]
        arns = {t["taskArn"] for t in now}
        return now if len(now) == 2 and victim["taskArn"] not in arns else None

    fresh = _wait(replaced)

    def stopped_victim() -> dict[str, Any] | None:
        ecs = aws_client(cloud, "ecs")
        task = ecs.describe_tasks(cluster=CLUSTER, tasks=[victim["taskArn"]])["tasks"][0]
        return task if task["lastStatus"] == "STOPPED" else None

    stopped = _wait(stopped_victim, 10)
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["containers"][0]["exitCode"] == -9
    assert victim["taskArn"] in {t["taskArn"] for t in _tasks(cloud, "STOPPED")}
    assert _wait(lambda: _targets(cloud) == {(_ip(t), 8000) for t in fresh})
    messages = [e["message"] for e in _service(cloud)["events"]]
    task_id = victim["taskArn"].rsplit("/", 1)[-1]
    assert any(f"has stopped 1 running tasks: (task {task_id})" in m for m in messages)


def test_update_service_scales_out_and_in(cloud: LocalCloudHandle) -> None:
    ecs = aws_client(cloud, "ecs")
    name = cloud.stack_output("ServiceName")
    _healthy(cloud, 2)
    try:
        answer = ecs.update_service(cluster=CLUSTER, service=name, desiredCount=3)["service"]
        assert answer["desiredCount"] == 3
        three = _healthy(cloud, 3)
        assert _service(cloud)["runningCount"] == 3
        assert _wait(lambda: _targets(cloud) == {(_ip(t), 8000) for t in three})
        ecs.update_service(cluster=CLUSTER, service=name, desiredCount=1)
        one = _healthy(cloud, 1)
        assert _service(cloud)["runningCount"] == 1
        assert _wait(lambda: _targets(cloud) == {(_ip(one[0]), 8000)})
    finally:  # the next tests expect the template's two tasks
        ecs.update_service(cluster=CLUSTER, service=name, desiredCount=2)
        _healthy(cloud, 2)


def test_run_task_runs_a_one_off_task_with_overrides(cloud: LocalCloudHandle) -> None:
    ecs = aws_client(cloud, "ecs")
    family = ecs.describe_services(cluster=CLUSTER, services=[cloud.stack_output("ServiceName")])[
        "services"
    ][0]["taskDefinition"]
    script = "import os; print('one-off', os.environ['GREETING'], os.environ['FLAG'])"
    answer = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=family,
        launchType="FARGATE",
        startedBy="migrations",
        overrides={"containerOverrides": [{"name": "web", "command": ["python", "-c", script]}]},
    )
    assert answer["failures"] == []
    arn = answer["tasks"][0]["taskArn"]

    def stopped() -> dict[str, Any] | None:
        task = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]
        return task if task["lastStatus"] == "STOPPED" else None

    task = _wait(stopped)
    assert task["containers"][0]["exitCode"] == 0
    assert task["stopCode"] == "EssentialContainerExited"
    assert arn in ecs.list_tasks(cluster=CLUSTER, startedBy="migrations", desiredStatus="STOPPED")[
        "taskArns"
    ]
    logs = aws_client(cloud, "logs")
    stream = f"web/web/{arn.rsplit('/', 1)[-1]}"
    assert _wait(
        lambda: any(
            e["message"] == "one-off hello from the task flag-on"
            for e in logs.filter_log_events(logGroupName="/fixture/web", logStreamNames=[stream])[
                "events"
            ]
        ),
        15,
    )
    assert len(_tasks(cloud)) == 2  # the service's tasks only: a standalone task is not replaced
    with pytest.raises(ClientError) as missing:
        ecs.run_task(cluster="no-such-cluster", taskDefinition=family)
    assert missing.value.response["Error"]["Code"] == "ClusterNotFoundException"
    with pytest.raises(ClientError) as too_many:
        ecs.run_task(cluster=CLUSTER, taskDefinition=family, count=11)
    assert too_many.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_bad_requests_are_4xx(cloud: LocalCloudHandle) -> None:
    ecs = aws_client(cloud, "ecs")
    with pytest.raises(ClientError) as empty:
        ecs.describe_tasks(cluster=CLUSTER, tasks=[])
    assert empty.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as unknown:
        ecs.stop_task(cluster=CLUSTER, task="0123456789abcdef0123456789abcdef")
    assert unknown.value.response["Error"]["Code"] == "InvalidParameterException"
    missing = ecs.describe_tasks(cluster=CLUSTER, tasks=["0123456789abcdef0123456789abcdef"])
    assert missing["failures"][0]["reason"] == "MISSING"


def test_stopping_the_cloud_stops_every_task(
    running: tuple[subprocess.Popen[bytes], LocalCloudHandle],
) -> None:
    proc, cloud = running
    pids = [
        httpx.get(f"http://{_ip(t)}:8000/", timeout=10).json()["pid"] for t in _healthy(cloud, 2)
    ]
    assert stop_local_cloud(proc) == 0

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    assert all(gone(pid) for pid in pids)
