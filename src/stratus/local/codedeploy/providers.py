"""CodeDeploy's resource types, recorded in the local CodeDeploy's store.

Ref of each is its name, as CloudFormation documents
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codedeploy-application.html,
aws-resource-codedeploy-deploymentgroup.html, aws-resource-codedeploy-deploymentconfig.html);
a name the template leaves out is generated (deterministically, like every local name).
"""

from __future__ import annotations

from typing import Any

from stratus.local.codedeploy import configs
from stratus.local.codedeploy.store import CodeDeployStore
from stratus.local.provision.provider import Attributes, Provider, ProviderContext


def store_of(ctx: ProviderContext) -> CodeDeployStore:
    return CodeDeployStore.for_dir(ctx.settings.snapshot_dir / "codedeploy")


class ApplicationProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("ApplicationName") or ctx.name(100))
        platform = str(props.get("ComputePlatform") or "Server")
        store_of(ctx).put_application(ctx.region, name, platform, ctx.stack)
        return name, {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        store_of(ctx).remove("applications", f"{ctx.region}/{physical_id}")


class DeploymentGroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("DeploymentGroupName") or ctx.name(100))
        store_of(ctx).put_group(ctx.region, str(props["ApplicationName"]), name, props)
        return name, {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        if old.get("ApplicationName") not in (None, props.get("ApplicationName")):
            return None  # another application: a new group (replacement)
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        app = str((ctx.old_properties or {}).get("ApplicationName") or "")
        store_of(ctx).remove("groups", f"{ctx.region}/{app}/{physical_id}")


class DeploymentConfigProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("DeploymentConfigName") or ctx.name(100))
        if str(props.get("ComputePlatform") or "Server") == "Lambda":
            configs.from_properties(name, props)  # rejected here as CloudFormation would
        store_of(ctx).put_config(ctx.region, name, props)
        return name, {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        store_of(ctx).remove("configs", f"{ctx.region}/{physical_id}")
