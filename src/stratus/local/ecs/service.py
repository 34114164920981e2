"""ECS (Fargate) as an emulated service: each service's tasks run as local processes.

Clusters, task definitions and services are kept in moto (`providers`). At start, each
AWS::ECS::Service gets a scheduler (`scheduler`) that runs its desired count of tasks
(`task`), each container from its image staged from the cloud assembly (`image`), on an
address of its own (`addresses`), with the task's environment, its secrets resolved at
start (`secrets`), AWS_REGION and the task role's credentials issued by the local cloud
(as Lambda functions get their execution role's), and its output in CloudWatch Logs. Every
task stops with the cloud (SIGTERM, then SIGKILL after the container's stopTimeout).
"""

from __future__ import annotations

import asyncio
import logging
import secrets as random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.ecs import addresses
from stratus.local.ecs.api import EcsApi
from stratus.local.ecs.image import (
    ImageAsset,
    ImageError,
    StagedImage,
    asset_for_image,
    image_assets,
    local_path,
    resolve_command,
    stage_image,
)
from stratus.local.ecs.ledger import ProcessLedger
from stratus.local.ecs.metadata import PATTERN, handler, metadata_uri
from stratus.local.ecs.providers import ClusterProvider, ServiceProvider, TaskDefinitionProvider
from stratus.local.ecs.scheduler import Binding, ServiceScheduler, TaskLaunchError
from stratus.local.ecs.secrets import SecretError, resolve_secrets
from stratus.local.ecs.targets import MotoTargets
from stratus.local.ecs.task import DEFAULT_STOP_TIMEOUT, ContainerPlan, HealthCheck, LocalTask
from stratus.local.provision.model import Resource
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.ecs")


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
        self.api: EcsApi | None = None
        self._sink: Any = None
        self._leases: dict[str, addresses.Lease] = {}
        self.ledger: ProcessLedger | None = None
        self._background: set[asyncio.Task[Any]] = set()

    def hooks(self) -> Iterable[Hook]:
        def route(method: str) -> Any:
            async def hook(call: AwsCall) -> Any:
                if self.api is None:
                    return None
                return await getattr(self.api, method)(call)

            return hook

        return [
            Hook("ecs", "ListTasks", before=route("list_tasks")),
            Hook("ecs", "DescribeTasks", before=route("describe_tasks")),
            Hook("ecs", "StopTask", before=route("stop_task")),
            Hook("ecs", "DescribeServices", before=route("describe_services")),
            Hook("ecs", "UpdateService", before=route("update_service")),
            Hook("ecs", "DeleteService", before=route("delete_service")),
        ]

    def paths(self) -> Iterable[PathRoute]:
        def find(task_id: str) -> LocalTask | None:
            for scheduler in self.schedulers.values():
                for task in scheduler.all_tasks():
                    if task.id == task_id:
                        return task
            return None

        return [PathRoute(frozenset({"GET"}), PATTERN, handler(find))]

    async def start(self, cloud: CloudContext) -> None:
        from stratus.local.cloud import aws_client_factory
        from stratus.local.lambda_runtime.logs import CloudWatchLogSink

        deployment = cloud.require_deployment()
        services = deployment.resources("AWS::ECS::Service")

        async def forward(call: AwsCall) -> Any:
            return await cloud.forward_to_moto(call.request)

        self.api = EcsApi(self.schedulers, forward)
        images_dir = cloud.settings.state_dir / "ecs" / "images"
        self.ledger = ProcessLedger(cloud.settings.state_dir / "ecs" / "processes.json", images_dir)
        ended = self.ledger.end_leftovers()
        if ended:
            cloud.reporter.warn(f"ended {ended} task processes a killed earlier run left behind")
        if not services:
            return
        self._sink = CloudWatchLogSink(lambda: aws_client_factory(cloud.settings)("logs"))
        assets: dict[Path, dict[str, ImageAsset]] = {}
        for resource in services:
            stack = deployment.stacks[resource.stack]
            clients = aws_client_factory(cloud.settings, stack.region)
            assembly = stack.assembly_dir or cloud.settings.cdk_out
            if assembly not in assets:
                assets[assembly] = image_assets(assembly)
            planner = _Planner(cloud, clients, assets[assembly], images_dir, stack.region)
            scheduler = await asyncio.to_thread(planner.scheduler, resource, self)
            self.schedulers[str(resource.physical_id)] = scheduler
            cloud.background(scheduler.run(), f"ecs-{scheduler.name}")
            cloud.reporter.info(
                f"ECS service {scheduler.name}: {scheduler.desired} tasks as local processes"
            )

    async def stop(self) -> None:
        await asyncio.gather(
            *(s.close() for s in self.schedulers.values()), return_exceptions=True
        )
        for lease in self._leases.values():
            lease.release()
        self._leases.clear()
        if self._sink is not None:
            await asyncio.to_thread(self._sink.close)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def describe(self) -> Mapping[str, Any]:
        return {name: s.desired for name, s in self.schedulers.items()}


class _Planner:
    """Turns a provisioned service and its task definition into a scheduler."""

    def __init__(
        self,
        cloud: CloudContext,
        clients: Callable[[str], Any],
        assets: dict[str, ImageAsset],
        images_dir: Path,
        region: str,
    ) -> None:
        self.cloud = cloud
        self.clients = clients
        self.assets = assets
        self.images_dir = images_dir
        self.region = region

    def scheduler(self, resource: Resource, owner: EcsService) -> ServiceScheduler:
        props = resource.properties
        service_arn = str(resource.physical_id)
        name = str(resource.attributes.get("Name") or service_arn.rsplit("/", 1)[-1])
        cluster = str(props.get("Cluster") or "default")
        definition = self.clients("ecs").describe_task_definition(
            taskDefinition=str(props.get("TaskDefinition"))
        )["taskDefinition"]
        cluster_arn = self.clients("ecs").describe_clusters(clusters=[cluster])["clusters"][0][
            "clusterArn"
        ]
        # The service's desired count as ECS keeps it: an update-service of an earlier run
        # stands until the template changes it (CloudFormation leaves it alone otherwise).
        kept = self.clients("ecs").describe_services(cluster=cluster, services=[service_arn])
        found = kept.get("services") or [{}]
        desired = int(found[0].get("desiredCount", props.get("DesiredCount", 1)))
        plans = [self._container(c, name) for c in definition.get("containerDefinitions") or []]
        secrets = {p.name: c.get("secrets") or [] for p, c in zip(
            plans, definition.get("containerDefinitions") or [], strict=True)}
        principal = self._principal(definition, service_arn)
        bindings = self._bindings(props, name)
        ports = tuple(sorted({port for plan in plans for port in plan.ports}))
        info = {
            "cluster_arn": cluster_arn,
            "task_definition_arn": definition["taskDefinitionArn"],
            "family": definition.get("family"),
            "group": f"service:{name}",
            "started_by": f"ecs-svc/{random.randbelow(10**19):019d}",
            "cpu": definition.get("cpu"),
            "memory": definition.get("memory"),
            "availability_zone": f"{self.region}a",
            "region": self.region,
            "container_arn_prefix": cluster_arn.replace(":cluster/", ":container/") + "/",
        }
        task_prefix = f"{cluster_arn.replace(':cluster/', ':task/')}/"
        endpoint = self.cloud.settings.aws_endpoint

        async def launch() -> LocalTask:
            try:
                resolved = {
                    n: await asyncio.to_thread(resolve_secrets, s, self.clients)
                    for n, s in secrets.items()
                }
                lease = await asyncio.to_thread(addresses.claim, ports)
            except (SecretError, addresses.NoAddressError) as exc:
                raise TaskLaunchError(f"ResourceInitializationError: {exc}") from exc
            task_id = random.token_hex(16)

            def extra_env(plan: ContainerPlan) -> dict[str, str]:
                return {
                    **resolved.get(plan.name, {}),
                    "HOST": lease.ip,
                    "ECS_CONTAINER_METADATA_URI_V4": metadata_uri(endpoint, task_id, plan.name),
                }

            task = LocalTask(
                arn=task_prefix + task_id,
                ip=lease.ip,
                containers=plans,
                sink=owner._sink,
                extra_env=extra_env,
                info=info,
            )
            owner._leases[task.id] = lease

            await task.start()
            pids = [c.process.pid for c in task.containers if c.process is not None]
            ledger = owner.ledger
            if ledger is not None:
                ledger.add(pids)

            async def release() -> None:
                await task.done.wait()
                if ledger is not None:
                    ledger.remove(pids)
                owner._leases.pop(task.id, None)
                lease.release()

            owner._spawn(release())
            return task

        for plan in plans:
            plan.env.update(self._aws_env(principal))
        return ServiceScheduler(
            name=name,
            desired=desired,
            launch=launch,
            targets=MotoTargets(self.clients) if bindings else None,
            bindings=bindings,
            grace_seconds=float(props.get("HealthCheckGracePeriodSeconds") or 0),
            deployment_id=str(info["started_by"]),
        )

    def _container(self, spec: dict[str, Any], service: str) -> ContainerPlan:
        name = str(spec.get("name"))
        image = str(spec.get("image") or "")
        asset = asset_for_image(image, self.assets)
        if asset is None:
            raise ImageError(
                f"ECS service {service}, container {name}: image {image} is not a docker image "
                "asset of the app (ContainerImage.from_asset); the local cloud runs only images "
                "it can build from a Dockerfile"
            )
        staged: StagedImage = stage_image(asset, self.images_dir)
        path = local_path()
        argv = staged.config.command(spec.get("entryPoint"), spec.get("command"))
        try:
            argv = resolve_command(staged, argv, path)
        except ImageError as exc:
            raise ImageError(f"ECS service {service}, container {name}: {exc}") from None
        env = {k: staged.map_value(v) for k, v in staged.config.env.items() if k != "PATH"}
        env.update({"PATH": path, "HOME": "/tmp", "LANG": env.get("LANG", "C.UTF-8")})
        for pair in spec.get("environment") or []:
            env[str(pair.get("name"))] = str(pair.get("value", ""))
        workdir = spec.get("workingDirectory")
        cwd = staged.map_path(str(workdir), force=True) if workdir else staged.workdir
        cwd.mkdir(parents=True, exist_ok=True)
        logging_conf = spec.get("logConfiguration") or {}
        options = logging_conf.get("options") or {}
        awslogs = logging_conf.get("logDriver") == "awslogs"
        mappings = spec.get("portMappings") or []
        ports = tuple(int(m["containerPort"]) for m in mappings if m.get("containerPort"))
        return ContainerPlan(
            name=name,
            argv=argv,
            cwd=cwd,
            env=env,
            essential=bool(spec.get("essential", True)),
            health=HealthCheck.from_definition(spec.get("healthCheck")),
            log_group=options.get("awslogs-group") if awslogs else None,
            log_prefix=options.get("awslogs-stream-prefix") if awslogs else None,
            ports=ports,
            stop_timeout=float(spec.get("stopTimeout") or DEFAULT_STOP_TIMEOUT),
            image=image,
        )

    def _principal(self, definition: dict[str, Any], service_arn: str) -> Any:
        """The task role's credentials (none without a task role, as on AWS)."""
        role = definition.get("taskRoleArn")
        if not role:
            return None
        return self.cloud.credentials.issue(
            kind="function",
            role_arn=role,
            policies=self.cloud.policies_for_role(role),
            ttl_seconds=None,
            subject=f"ecs:{service_arn}",
        )

    def _aws_env(self, principal: Any) -> dict[str, str]:
        s = self.cloud.settings
        env = {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": s.aws_endpoint,
            "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
        }
        if s.ca_pem.is_file():
            env["AWS_CA_BUNDLE"] = str(s.ca_pem)
        if principal is not None:
            env["AWS_ACCESS_KEY_ID"] = principal.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = principal.secret_access_key
            if principal.session_token:
                env["AWS_SESSION_TOKEN"] = principal.session_token
        return env

    def _bindings(self, props: dict[str, Any], service: str) -> tuple[Binding, ...]:
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


SERVICES = [EcsService]
