"""ECS (Fargate) as an emulated service: each service's tasks run as local processes.

Clusters, task definitions and services are kept in moto (`providers`). At start, each
AWS::ECS::Service gets a scheduler (`scheduler`) that runs its desired count of tasks
(`task`), planned from the task definition (`planner`: image staged from the cloud assembly,
environment, secrets, the task role's credentials) on addresses of their own (`addresses`),
output in CloudWatch Logs. `RunTask` starts standalone tasks of any task definition the same
way (they stop when their essential container exits and are not replaced). Every task stops
with the cloud (SIGTERM, then SIGKILL after the container's stopTimeout).
"""

from __future__ import annotations

import asyncio
import logging
import secrets as random
from collections import deque
from collections.abc import Coroutine, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.ecs.api import EcsApi, describe_task
from stratus.local.ecs.image import ImageAsset, ImageError, StagedImage, image_assets
from stratus.local.ecs.ledger import ProcessLedger
from stratus.local.ecs.metadata import PATTERN, handler
from stratus.local.ecs.planner import Runtime, TaskPlanner
from stratus.local.ecs.providers import ClusterProvider, ServiceProvider, TaskDefinitionProvider
from stratus.local.ecs.scheduler import Binding, ServiceScheduler, TaskLaunchError
from stratus.local.ecs.targets import MotoTargets
from stratus.local.ecs.task import LocalTask
from stratus.local.provision.model import Resource
from stratus.local.provision.provider import Provider, error_code

log = logging.getLogger("stratus.ecs")
MAX_STANDALONE = 100  # stopped standalone tasks kept for DescribeTasks


class EcsService(EmulatedService):
    name = "ecs"
    order = 55  # after Secrets Manager, SSM, logs and the load balancers it registers in
    moto_backends = ("ecs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::ECS::Cluster": ClusterProvider(),
        "AWS::ECS::TaskDefinition": TaskDefinitionProvider(),
        "AWS::ECS::Service": ServiceProvider(),
    }

    def __init__(self) -> None:
        self.schedulers: dict[str, ServiceScheduler] = {}
        self.standalone: deque[LocalTask] = deque(maxlen=MAX_STANDALONE)
        self.api: EcsApi | None = None
        self.cloud: CloudContext | None = None
        self.runtime: Runtime | None = None
        self._assets: dict[Path, dict[str, ImageAsset]] = {}
        self._staged: dict[ImageAsset, StagedImage] = {}
        self._background: set[asyncio.Task[Any]] = set()

    def tasks(self) -> Iterator[LocalTask]:
        for scheduler in self.schedulers.values():
            yield from scheduler.all_tasks()
        yield from self.standalone

    def hooks(self) -> Iterable[Hook]:
        def route(method: str) -> Any:
            async def hook(call: AwsCall) -> Any:
                if self.api is None:
                    return None
                return await getattr(self.api, method)(call)

            return hook

        async def run_task(call: AwsCall) -> Response | None:
            return await self._run_task(call) if self.api is not None else None

        return [
            Hook("ecs", "ListTasks", before=route("list_tasks")),
            Hook("ecs", "DescribeTasks", before=route("describe_tasks")),
            Hook("ecs", "StopTask", before=route("stop_task")),
            Hook("ecs", "DescribeServices", before=route("describe_services")),
            Hook("ecs", "UpdateService", before=route("update_service")),
            Hook("ecs", "DeleteService", before=route("delete_service")),
            Hook("ecs", "RunTask", before=run_task),
        ]

    def paths(self) -> Iterable[PathRoute]:
        def find(task_id: str) -> LocalTask | None:
            return next((t for t in self.tasks() if t.id == task_id), None)

        return [PathRoute(frozenset({"GET"}), PATTERN, handler(find))]

    # ------------------------------------------------------------------ start / stop
    async def start(self, cloud: CloudContext) -> None:
        from stratus.local.lambda_runtime.logs import CloudWatchLogSink, in_process_logs

        self.cloud = cloud

        async def forward(call: AwsCall) -> Any:
            return await cloud.forward_to_moto(call.request)

        self.api = EcsApi(self.schedulers, forward, self.tasks)
        images_dir = cloud.settings.state_dir / "ecs" / "images"
        ledger = ProcessLedger(cloud.settings.state_dir / "ecs" / "processes.json", images_dir)
        ended = ledger.end_leftovers()
        if ended:
            cloud.reporter.warn(f"ended {ended} task processes a killed earlier run left behind")
        sink = CloudWatchLogSink(in_process_logs(cloud))
        self.runtime = Runtime(sink=sink, ledger=ledger, spawn=self._spawn)
        deployment = cloud.require_deployment()
        for resource in deployment.resources("AWS::ECS::Service"):
            stack = deployment.stacks[resource.stack]
            planner = self._planner(stack.region, stack.assembly_dir)
            scheduler = await asyncio.to_thread(self._scheduler, planner, resource)
            self.schedulers[str(resource.physical_id)] = scheduler
            cloud.background(scheduler.run(), f"ecs-{scheduler.name}")
            cloud.reporter.info(
                f"ECS service {scheduler.name}: {scheduler.desired} tasks as local processes"
            )

    async def stop(self) -> None:
        await asyncio.gather(
            *(s.close() for s in self.schedulers.values()),
            *(t.stop("The local cloud stopped", "UserInitiated") for t in self.standalone),
            return_exceptions=True,
        )
        if self.runtime is not None:
            for lease in self.runtime.leases.values():
                lease.release()
            self.runtime.leases.clear()
            await asyncio.to_thread(self.runtime.sink.close)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def describe(self) -> Mapping[str, Any]:
        return {name: s.desired for name, s in self.schedulers.items()}

    # ------------------------------------------------------------------ planning
    def _planner(self, region: str, assembly_dir: Path | None) -> TaskPlanner:
        from stratus.local.cloud import aws_client_factory

        assert self.cloud is not None
        assembly = assembly_dir or self.cloud.settings.cdk_out
        if assembly not in self._assets:
            self._assets[assembly] = image_assets(assembly)
        return TaskPlanner(
            self.cloud,
            aws_client_factory(self.cloud.settings, region),
            self._assets[assembly],
            self.cloud.settings.state_dir / "ecs" / "images",
            region,
            self._staged,
        )

    def _scheduler(self, planner: TaskPlanner, resource: Resource) -> ServiceScheduler:
        """A service's scheduler (runs in a worker thread: it calls the local endpoint)."""
        assert self.runtime is not None
        props = resource.properties
        service_arn = str(resource.physical_id)
        name = str(resource.attributes.get("Name") or service_arn.rsplit("/", 1)[-1])
        cluster = str(props.get("Cluster") or "default")
        # The service's desired count as ECS keeps it: an update-service of an earlier run
        # stands until the template changes it (CloudFormation leaves it alone otherwise).
        kept = planner.clients("ecs").describe_services(cluster=cluster, services=[service_arn])
        found = kept.get("services") or [{}]
        desired = int(found[0].get("desiredCount", props.get("DesiredCount", 1)))
        deployment_id = f"ecs-svc/{random.randbelow(10**19):019d}"
        launch = planner.launcher(
            planner.definition(str(props.get("TaskDefinition"))),
            self.runtime,
            cluster_arn=planner.cluster_arn(cluster),
            group=f"service:{name}",
            started_by=deployment_id,
            label=f"service {name}",
        )
        bindings = self._bindings(props, name)
        return ServiceScheduler(
            name=name,
            desired=desired,
            launch=launch,
            targets=MotoTargets(planner.clients) if bindings else None,
            bindings=bindings,
            grace_seconds=float(props.get("HealthCheckGracePeriodSeconds") or 0),
            deployment_id=deployment_id,
        )

    def _bindings(self, props: dict[str, Any], service: str) -> tuple[Binding, ...]:
        assert self.cloud is not None
        out = []
        for entry in props.get("LoadBalancers") or []:
            arn = str(entry.get("TargetGroupArn") or "")
            if not arn.startswith("arn:"):
                self.cloud.reporter.warn(
                    f"ECS service {service}: target group {arn} is not emulated; its tasks "
                    "are not registered in a load balancer"
                )
                continue
            out.append(
                Binding(arn, str(entry.get("ContainerName")), int(entry.get("ContainerPort", 0)))
            )
        return tuple(out)

    # ------------------------------------------------------------------ RunTask
    async def _run_task(self, call: AwsCall) -> Response:
        """Standalone tasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/
        API_RunTask.html): `count` 1-10, containerOverrides' command and environment."""
        assert self.runtime is not None and self.api is not None
        p = call.params()
        definition_ref = p.get("taskDefinition")
        count = p.get("count", 1)
        if not isinstance(definition_ref, str) or not definition_ref:
            return call.error("InvalidParameterException", "taskDefinition is required.")
        if not isinstance(count, int) or not 1 <= count <= 10:
            return call.error("InvalidParameterException", "count must be between 1 and 10.")
        overrides = (p.get("overrides") or {}).get("containerOverrides") or []
        if not isinstance(overrides, list) or not all(isinstance(o, dict) for o in overrides):
            return call.error("InvalidParameterException", "containerOverrides must be a list.")
        planner = self._planner(call.region, self._assembly_of(definition_ref))
        cluster = str(p.get("cluster") or "default")
        try:
            cluster_arn = await asyncio.to_thread(planner.cluster_arn, cluster)
        except LookupError:
            return call.error("ClusterNotFoundException", "Cluster not found.")
        try:
            definition = await asyncio.to_thread(planner.definition, definition_ref)
        except Exception as exc:
            if error_code(exc) == "ClientException":
                return call.error("ClientException", "Unable to describe task definition.")
            raise
        try:
            launch = await asyncio.to_thread(
                planner.launcher,
                definition,
                self.runtime,
                cluster_arn=cluster_arn,
                group=str(p.get("group") or f"family:{definition.get('family')}"),
                started_by=str(p.get("startedBy") or ""),
                label=f"task definition {definition['taskDefinitionArn']}",
                overrides=overrides,
            )
        except ImageError as exc:
            return call.error("InvalidParameterException", str(exc))
        tasks, failures = [], []
        for _ in range(count):
            try:
                task = await launch()
            except TaskLaunchError as exc:
                failures.append({"arn": definition["taskDefinitionArn"], "reason": str(exc)})
                continue
            self.standalone.appendleft(task)
            tasks.append(describe_task(task))
        return self.api.answer({"tasks": tasks, "failures": failures})

    def _assembly_of(self, definition_ref: str) -> Path | None:
        """The cloud assembly of the stack that declares a task definition."""
        assert self.cloud is not None
        deployment = self.cloud.require_deployment()
        for resource in deployment.resources("AWS::ECS::TaskDefinition"):
            arn = str(resource.physical_id)
            family = arn.rsplit("/", 1)[-1]
            if definition_ref in (arn, family, family.rsplit(":", 1)[0]):
                return deployment.stacks[resource.stack].assembly_dir
        return None


SERVICES = [EcsService]
