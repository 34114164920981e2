"""From a task definition to a running task: containers planned, a launcher to start one.

A task definition (as moto keeps it) is planned once: each container's image staged and its
command resolved (`image`), its environment built (the image's ENV, the definition's
`environment`, AWS_REGION, the endpoint and the task role's credentials, issued by the local
cloud as Lambda functions get their execution role's). Each launch then resolves the
secrets (ECS reads them at every task start), claims an address and starts the processes;
a failure is ECS's `ResourceInitializationError`.
"""

from __future__ import annotations

import asyncio
import copy
import secrets as random
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.context import CloudContext
from stratus.local.ecs import addresses
from stratus.local.ecs.image import (
    ImageAsset,
    ImageError,
    StagedImage,
    asset_for_image,
    local_path,
    resolve_command,
    stage_image,
)
from stratus.local.ecs.ledger import ProcessLedger
from stratus.local.ecs.metadata import metadata_uri
from stratus.local.ecs.scheduler import Launcher, TaskLaunchError
from stratus.local.ecs.secrets import SecretError, resolve_secrets
from stratus.local.ecs.task import DEFAULT_STOP_TIMEOUT, ContainerPlan, HealthCheck, LocalTask

_STAGING = threading.Lock()


@dataclass
class Runtime:
    """What every launched task shares: the log sink, the pid ledger, the addresses held."""

    sink: Any
    ledger: ProcessLedger | None
    spawn: Callable[[Coroutine[Any, Any, Any]], None]
    leases: dict[str, addresses.Lease] = field(default_factory=dict)


class TaskPlanner:
    def __init__(
        self,
        cloud: CloudContext,
        clients: Callable[[str], Any],
        assets: dict[str, ImageAsset],
        images_dir: Path,
        region: str,
        staged: dict[ImageAsset, StagedImage] | None = None,
    ) -> None:
        self.cloud = cloud
        self.clients = clients
        self.assets = assets
        self.images_dir = images_dir
        self.region = region
        # Images staged by this run: staged once, since staging anew replaces the root
        # directory running tasks work in.
        self.staged = {} if staged is None else staged

    def definition(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = self.clients("ecs").describe_task_definition(taskDefinition=ref)[
            "taskDefinition"
        ]
        return found

    def cluster_arn(self, cluster: str) -> str:
        """The ARN of an ACTIVE cluster (LookupError when there is none of that name)."""
        found = self.clients("ecs").describe_clusters(clusters=[cluster])["clusters"]
        active = [c for c in found if c.get("status") == "ACTIVE"]
        if not active:
            raise LookupError(cluster)
        return str(active[0]["clusterArn"])

    def launcher(
        self,
        definition: dict[str, Any],
        runtime: Runtime,
        *,
        cluster_arn: str,
        group: str,
        started_by: str,
        label: str,
        overrides: list[dict[str, Any]] | None = None,
    ) -> Launcher:
        """Plan the definition's containers (raises ImageError) and return how to start one
        task of it; `overrides` are RunTask's containerOverrides (command, environment)."""
        specs = [dict(c) for c in definition.get("containerDefinitions") or []]
        for override in overrides or []:
            for spec in specs:
                if spec.get("name") == override.get("name"):
                    if override.get("command"):
                        spec["command"] = override["command"]
                    spec["environment"] = [
                        *(spec.get("environment") or []),
                        *(override.get("environment") or []),
                    ]
        plans = [self._container(spec, label) for spec in specs]
        secrets = {spec["name"]: spec.get("secrets") or [] for spec in specs}
        principal = self._principal(definition, label)
        for plan in plans:
            plan.env.update(self._aws_env(principal))
        ports = tuple(sorted({port for plan in plans for port in plan.ports}))
        info = {
            "cluster_arn": cluster_arn,
            "task_definition_arn": definition["taskDefinitionArn"],
            "family": definition.get("family"),
            "group": group,
            "started_by": started_by,
            "cpu": definition.get("cpu"),
            "memory": definition.get("memory"),
            "availability_zone": f"{self.region}a",
            "region": self.region,
            "container_arn_prefix": cluster_arn.replace(":cluster/", ":container/") + "/",
        }
        task_prefix = f"{cluster_arn.replace(':cluster/', ':task/')}/"
        endpoint = self.cloud.settings.aws_endpoint
        clients = self.clients

        async def launch() -> LocalTask:
            try:
                resolved = {
                    name: await asyncio.to_thread(resolve_secrets, refs, clients)
                    for name, refs in secrets.items()
                }
                lease = await asyncio.to_thread(addresses.claim, ports)
            except (SecretError, addresses.NoAddressError) as exc:
                raise TaskLaunchError(f"ResourceInitializationError: {exc}") from exc
            task_id = random.token_hex(16)

            def extra_env(plan: ContainerPlan) -> dict[str, str]:
                env = {
                    "HOST": plan.env.get("HOST", lease.ip),  # the definition's own HOST wins
                    "ECS_CONTAINER_METADATA_URI_V4": metadata_uri(endpoint, task_id, plan.name),
                }
                env.update(resolved.get(plan.name, {}))
                return env

            task = LocalTask(
                arn=task_prefix + task_id,
                ip=lease.ip,
                containers=copy.deepcopy(plans),
                sink=runtime.sink,
                extra_env=extra_env,
                info=info,
            )
            runtime.leases[task.id] = lease
            await task.start()
            pids = [c.process.pid for c in task.containers if c.process is not None]
            if runtime.ledger is not None:
                runtime.ledger.add(pids)

            async def release() -> None:
                await task.done.wait()
                if runtime.ledger is not None:
                    runtime.ledger.remove(pids)
                runtime.leases.pop(task.id, None)
                lease.release()

            runtime.spawn(release())
            return task

        return launch

    def _container(self, spec: dict[str, Any], label: str) -> ContainerPlan:
        name = str(spec.get("name"))
        image = str(spec.get("image") or "")
        asset = asset_for_image(image, self.assets)
        if asset is None:
            raise ImageError(
                f"ECS {label}, container {name}: image {image} is not a docker image asset of "
                "the app (ContainerImage.from_asset); the local cloud runs only images it can "
                "build from a Dockerfile"
            )
        with _STAGING:  # RunTask plans in worker threads
            staged = self.staged.get(asset)
            if staged is None:
                staged = self.staged[asset] = stage_image(asset, self.images_dir)
        path = local_path()
        argv = staged.config.command(spec.get("entryPoint"), spec.get("command"))
        try:
            argv = resolve_command(staged, argv, path)
        except ImageError as exc:
            raise ImageError(f"ECS {label}, container {name}: {exc}") from None
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

    def _principal(self, definition: dict[str, Any], label: str) -> Any:
        """The task role's credentials (none without a task role, as on AWS)."""
        role = definition.get("taskRoleArn")
        if not role:
            return None
        return self.cloud.credentials.issue(
            kind="function",
            role_arn=role,
            policies=self.cloud.policies_for_role(role),
            ttl_seconds=None,
            subject=f"ecs:{definition.get('family')}:{role}",
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
