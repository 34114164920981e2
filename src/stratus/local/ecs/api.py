"""ECS's task and service API on the local endpoint, answered from the running tasks.

moto keeps clusters, task definitions and services (what the templates declare), but its
tasks run nothing. The local tasks are answered here in ECS's shapes
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html,
API_Service.html): ListTasks, DescribeTasks and StopTask from the schedulers; moto's answer
to DescribeServices, UpdateService and DeleteService is completed with the scheduler's
counts and events, and drives it (a new desired count, a deleted service).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.ecs.scheduler import ServiceScheduler
from stratus.local.ecs.task import LocalTask

_MEDIA = "application/x-amz-json-1.1"
Forward = Callable[[AwsCall], Awaitable[Response]]


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status_code=status, media_type=_MEDIA)


def describe_task(task: LocalTask) -> dict[str, Any]:
    info = task.info
    attachment_id = f"eni-attach-{task.id[:17]}"
    containers = []
    for run in task.containers:
        container: dict[str, Any] = {
            "containerArn": f"{info.get('container_arn_prefix', '')}{task.id}/{run.runtime_id}",
            "taskArn": task.arn,
            "name": run.plan.name,
            "image": run.plan.image,
            "runtimeId": f"{task.id}-{run.runtime_id[:10]}",
            "lastStatus": run.last_status,
            "networkBindings": [],
            "networkInterfaces": [{"attachmentId": attachment_id, "privateIpv4Address": task.ip}],
            "healthStatus": run.health_status,
            "cpu": str(info.get("cpu") or "0"),
            "memory": str(info.get("memory") or ""),
        }
        if run.exit_code is not None:
            container["exitCode"] = run.exit_code
        if run.reason:
            container["reason"] = run.reason
        containers.append(container)
    body: dict[str, Any] = {
        "taskArn": task.arn,
        "clusterArn": info.get("cluster_arn"),
        "taskDefinitionArn": info.get("task_definition_arn"),
        "group": info.get("group"),
        "startedBy": info.get("started_by"),
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "availabilityZone": info.get("availability_zone"),
        "cpu": info.get("cpu"),
        "memory": info.get("memory"),
        "lastStatus": task.last_status,
        "desiredStatus": task.desired_status,
        "healthStatus": task.health_status,
        "connectivity": "CONNECTED",
        "createdAt": task.created_at,
        "version": 1,
        "attachments": [
            {
                "id": attachment_id,
                "type": "ElasticNetworkInterface",
                "status": "ATTACHED" if task.last_status != "STOPPED" else "DELETED",
                "details": [
                    {"name": "networkInterfaceId", "value": f"eni-{task.id[:17]}"},
                    {"name": "privateIPv4Address", "value": task.ip},
                ],
            }
        ],
        "containers": containers,
        "tags": [],
    }
    for key, value in (
        ("startedAt", task.started_at),
        ("connectivityAt", task.started_at),
        ("pullStartedAt", task.created_at),
        ("stoppingAt", task.stopping_at),
        ("stoppedAt", task.stopped_at),
        ("stopCode", task.stop_code),
        ("stoppedReason", task.stopped_reason),
    ):
        if value is not None:
            body[key] = value
    return body


class EcsApi:
    """The before-hooks' answers; `schedulers` maps a service ARN to its scheduler."""

    def __init__(
        self,
        schedulers: dict[str, ServiceScheduler],
        forward: Forward,
        tasks: Callable[[], Iterator[LocalTask]] | None = None,
    ) -> None:
        self.schedulers = schedulers
        self.forward = forward
        self._all = tasks

    @staticmethod
    def answer(body: dict[str, Any]) -> Response:
        return _answer(body)

    # ------------------------------------------------------------------ helpers
    def _tasks(self) -> Iterable[LocalTask]:
        """Every local task: the services' and the standalone ones (RunTask)."""
        if self._all is not None:
            yield from self._all()
            return
        for scheduler in self.schedulers.values():
            yield from scheduler.all_tasks()

    def _find(self, ref: str) -> LocalTask | None:
        task_id = ref.rsplit("/", 1)[-1]
        return next((t for t in self._tasks() if t.id == task_id), None)

    @staticmethod
    def _in_cluster(task: LocalTask, cluster: str) -> bool:
        arn = str(task.info.get("cluster_arn") or "")
        return cluster in (arn, arn.rsplit("/", 1)[-1])

    def _scheduler_for(self, service: dict[str, Any]) -> ServiceScheduler | None:
        return self.schedulers.get(str(service.get("serviceArn") or ""))

    async def _moto(self, call: AwsCall) -> tuple[Response, dict[str, Any] | None]:
        response = await self.forward(call)
        if response.status_code >= 300:
            return response, None
        return response, json.loads(bytes(response.body) or b"{}")

    # ------------------------------------------------------------------ tasks
    async def list_tasks(self, call: AwsCall) -> Response:
        response, body = await self._moto(call)  # checks the cluster as ECS does
        if body is None:
            return response
        p = call.params()
        cluster = str(p.get("cluster") or "default")
        wanted = str(p.get("desiredStatus") or "RUNNING")
        service = p.get("serviceName")
        family = p.get("family")
        started_by = p.get("startedBy")
        arns = list(body.get("taskArns") or [])
        for task in self._tasks():
            if not self._in_cluster(task, cluster) or task.desired_status != wanted:
                continue
            group = f"service:{str(service).rsplit('/', 1)[-1]}"
            if service and task.info.get("group") != group:
                continue
            if family and task.info.get("family") != family:
                continue
            if started_by and task.info.get("started_by") != started_by:
                continue
            arns.append(task.arn)
        return _answer({"taskArns": arns})

    async def describe_tasks(self, call: AwsCall) -> Response:
        p = call.params()
        refs = p.get("tasks")
        if not isinstance(refs, list) or not refs:
            return call.error("InvalidParameterException", "Tasks cannot be empty.")
        if len(refs) > 100:
            return call.error("InvalidParameterException", "Tasks cannot exceed 100 items.")
        tasks, failures = [], []
        for ref in refs:
            task = self._find(str(ref))
            if task is None:
                failures.append({"arn": str(ref), "reason": "MISSING"})
            else:
                tasks.append(describe_task(task))
        return _answer({"tasks": tasks, "failures": failures})

    async def stop_task(self, call: AwsCall) -> Response | None:
        p = call.params()
        task = self._find(str(p.get("task") or ""))
        if task is None:  # every task runs here (moto would answer a 500)
            return call.error("InvalidParameterException", "The referenced task was not found.")
        reason = str(p.get("reason") or "Task stopped by user")
        task.request_stop(reason, "UserInitiated")
        for scheduler in self.schedulers.values():
            scheduler.poke()
        return _answer({"task": describe_task(task)})

    # ------------------------------------------------------------------ services
    def _complete(self, service: dict[str, Any]) -> None:
        scheduler = self._scheduler_for(service)
        if scheduler is None:
            return
        running, pending = scheduler.running_count, scheduler.pending_count
        service.update(
            desiredCount=scheduler.desired,
            runningCount=running,
            pendingCount=pending,
            events=list(scheduler.events),
        )
        for deployment in service.get("deployments") or []:
            if deployment.get("status") == "PRIMARY":
                deployment.update(
                    desiredCount=scheduler.desired,
                    runningCount=running,
                    pendingCount=pending,
                    rolloutState="COMPLETED" if running == scheduler.desired else "IN_PROGRESS",
                )

    async def describe_services(self, call: AwsCall) -> Response:
        response, body = await self._moto(call)
        if body is None:
            return response
        for service in body.get("services") or []:
            self._complete(service)
        return _answer(body)

    async def update_service(self, call: AwsCall) -> Response:
        response, body = await self._moto(call)
        if body is None:
            return response
        service = body.get("service") or {}
        scheduler = self._scheduler_for(service)
        count = call.params().get("desiredCount")
        if scheduler is not None and isinstance(count, int):
            scheduler.set_desired(count)
        self._complete(service)
        return _answer(body)

    async def delete_service(self, call: AwsCall) -> Response:
        response, body = await self._moto(call)
        if body is None:
            return response
        service = body.get("service") or {}
        scheduler = self.schedulers.get(str(service.get("serviceArn") or ""))
        if scheduler is not None:
            await scheduler.close()
            self.schedulers.pop(str(service.get("serviceArn")), None)
        return _answer(body)
