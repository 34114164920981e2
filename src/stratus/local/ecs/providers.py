"""AWS::ECS::Cluster, TaskDefinition and Service, kept in moto's ECS backend.

CloudFormation's properties are PascalCase, ECS's API camelCase; `camel` converts them
(keys of user maps — docker labels, log driver options — stay as written). A service's
`NetworkConfiguration` is not sent to moto: it checks the subnets and security groups in its
EC2 backend, which the local cloud does not provision (awsvpc is emulated by the task's own
loopback address instead, see `addresses`). The Ref values and attributes are CloudFormation's
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html).
"""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    api_params,
)

_USER_MAPS = {"DockerLabels", "Options", "DriverOpts", "Labels"}


def camel(value: Any, key: str | None = None) -> Any:
    """PascalCase keys -> camelCase, recursively; user maps are kept."""
    if isinstance(value, list):
        return [camel(v) for v in value]
    if isinstance(value, dict):
        if key in _USER_MAPS:
            return dict(value)
        return {k[:1].lower() + k[1:]: camel(v, k) for k, v in value.items()}
    return value


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": str(t["Key"]), "value": str(t["Value"])} for t in props.get("Tags") or []]


class ClusterProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("ClusterName") or ctx.name(255))
        params: dict[str, Any] = {"clusterName": name}
        if props.get("Tags"):
            params["tags"] = _tags(props)
        arn = ctx.aws("ecs").create_cluster(**params)["cluster"]["clusterArn"]
        return name, {"Arn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        found = ctx.aws("ecs").describe_clusters(clusters=[physical_id])["clusters"]
        return any(c.get("status") == "ACTIVE" for c in found)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("ecs").delete_cluster(cluster=physical_id)


class TaskDefinitionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        ecs = ctx.aws("ecs")
        body = camel({k: v for k, v in props.items() if k != "Tags"})
        body.setdefault("family", ctx.name(255))
        params = api_params(ecs, "RegisterTaskDefinition", body)
        if props.get("Tags"):
            params["tags"] = _tags(props)
        arn = ecs.register_task_definition(**params)["taskDefinition"]["taskDefinitionArn"]
        return arn, {"TaskDefinitionArn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("ecs").describe_task_definition(taskDefinition=physical_id),
            "ClientException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("ecs").deregister_task_definition(taskDefinition=physical_id)


class ServiceProvider(Provider):
    def _params(self, ctx: ProviderContext, props: dict[str, Any]) -> dict[str, Any]:
        body = camel({k: v for k, v in props.items() if k not in ("Tags", "NetworkConfiguration")})
        body["desiredCount"] = int(props.get("DesiredCount", 1))
        return body

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        ecs = ctx.aws("ecs")
        body = self._params(ctx, props)
        body["serviceName"] = str(props.get("ServiceName") or ctx.name(255))
        params = api_params(ecs, "CreateService", body)
        if props.get("Tags"):
            params["tags"] = _tags(props)
        service = ecs.create_service(**params)["service"]
        return service["serviceArn"], {
            "Name": service["serviceName"],
            "ServiceArn": service["serviceArn"],
        }

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        cluster = str((ctx.old_properties or {}).get("Cluster") or "default")
        found = ctx.aws("ecs").describe_services(cluster=cluster, services=[physical_id])
        return any(s.get("status") == "ACTIVE" for s in found.get("services") or [])

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        if any(old.get(k) != props.get(k) for k in ("Cluster", "ServiceName", "LaunchType")):
            return None  # replacement properties
        ecs = ctx.aws("ecs")
        body = self._params(ctx, props)
        body["service"] = physical_id
        service = ecs.update_service(**api_params(ecs, "UpdateService", body))["service"]
        return physical_id, {"Name": service["serviceName"], "ServiceArn": physical_id}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        cluster = str((ctx.old_properties or {}).get("Cluster") or "default")
        ctx.aws("ecs").delete_service(cluster=cluster, service=physical_id, force=True)
