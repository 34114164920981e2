"""The task metadata endpoint v4, served on the local AWS endpoint.

Fargate gives each container `ECS_CONTAINER_METADATA_URI_V4`; `GET ${URI}` answers the
container's metadata and `GET ${URI}/task` the task's, in the shapes of
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html
(the fields apps read: ARNs, family and revision, statuses, limits, the awsvpc address, the
log options). Here the URI is `<endpoint>/_stratus/ecs/metadata/<task-id>/<container>`.
Stats (`/stats`, `/task/stats`) are not emulated: they answer 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.ecs.task import ContainerRun, LocalTask

BASE_PATH = "/_stratus/ecs/metadata"
PATTERN = rf"^{BASE_PATH}/[0-9a-f]+/[^/]+(/task)?/?$"


def metadata_uri(endpoint: str, task_id: str, container: str) -> str:
    return f"{endpoint}{BASE_PATH}/{task_id}/{container}"


def _time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def container_metadata(task: LocalTask, run: ContainerRun) -> dict[str, Any]:
    plan = run.plan
    body: dict[str, Any] = {
        "DockerId": f"{task.id}-{run.runtime_id[:10]}",
        "Name": plan.name,
        "DockerName": plan.name,
        "Image": plan.image,
        "ImageID": "",
        "Labels": {
            "com.amazonaws.ecs.cluster": task.info.get("cluster_arn"),
            "com.amazonaws.ecs.container-name": plan.name,
            "com.amazonaws.ecs.task-arn": task.arn,
            "com.amazonaws.ecs.task-definition-family": task.info.get("family"),
        },
        "DesiredStatus": task.desired_status,
        "KnownStatus": run.last_status,
        "CreatedAt": _time(task.created_at),
        "StartedAt": _time(task.started_at),
        "Type": "NORMAL",
        "ContainerARN": f"{task.info.get('container_arn_prefix', '')}{task.id}/{run.runtime_id}",
        "Networks": [
            {
                "NetworkMode": "awsvpc",
                "IPv4Addresses": [task.ip],
                "AttachmentIndex": 0,
                "PrivateDNSName": f"ip-{task.ip.replace('.', '-')}.ec2.internal",
            }
        ],
    }
    if plan.log_group:
        body["LogDriver"] = "awslogs"
        body["LogOptions"] = {
            "awslogs-group": plan.log_group,
            "awslogs-region": task.info.get("region"),
            "awslogs-stream": task.log_stream(plan),
        }
    if run.exit_code is not None:
        body["ExitCode"] = run.exit_code
    if plan.health is not None:
        body["Health"] = {"status": run.health_status}
    return body


def task_metadata(task: LocalTask) -> dict[str, Any]:
    definition = str(task.info.get("task_definition_arn") or "")
    return {
        "Cluster": task.info.get("cluster_arn"),
        "TaskARN": task.arn,
        "Family": task.info.get("family"),
        "Revision": definition.rsplit(":", 1)[-1],
        "DesiredStatus": task.desired_status,
        "KnownStatus": task.last_status,
        "Limits": {
            "CPU": _number(task.info.get("cpu"), 1024),
            "Memory": _number(task.info.get("memory"), 1),
        },
        "PullStartedAt": _time(task.created_at),
        "PullStoppedAt": _time(task.started_at),
        "AvailabilityZone": task.info.get("availability_zone"),
        "LaunchType": "FARGATE",
        "Containers": [container_metadata(task, run) for run in task.containers],
    }


def _number(value: Any, divisor: int) -> float | None:
    try:
        return float(value) / divisor
    except (TypeError, ValueError):
        return None


def handler(find: Callable[[str], LocalTask | None]) -> Callable[[AwsRequest], Any]:
    async def answer(request: AwsRequest) -> Response:
        parts = request.path[len(BASE_PATH) :].strip("/").split("/")
        task = find(parts[0])
        run = None
        if task is not None:
            run = next((r for r in task.containers if r.plan.name == parts[1]), None)
        if task is None or run is None:
            return Response(
                json.dumps({"message": "unknown task or container"}),
                404,
                media_type="application/json",
            )
        body = task_metadata(task) if parts[2:] == ["task"] else container_metadata(task, run)
        return Response(json.dumps(body), media_type="application/json")

    return answer
