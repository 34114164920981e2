"""AWS::SSM::Parameter in moto (CDK's StringParameter / StringListParameter).

A parameter without a Name gets one like CloudFormation's (`CFN-<logical id>-<suffix>`);
the physical id is the name; Fn::GetAtt gives Type and Value
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html).

A value naming a local distribution by URL (`https://d….cloudfront.localhost/`) is stored
with the local edge's port, as outputs.json shows it: on AWS that URL is where readers go,
and a function reading it at run time must get the URL that works here.
"""

from __future__ import annotations

from typing import Any

from stratus.local.provision.outputs import with_edge_port
from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
)


class ParameterProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("Name") or f"CFN-{ctx.logical_id}-{ctx.short_id(12).upper()}")
        self._put(ctx, name, props)
        return name, {"Type": str(props.get("Type", "String")), "Value": str(props["Value"])}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("ssm").get_parameter(Name=physical_id), "ParameterNotFound")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("Name") and props["Name"] != physical_id:
            return None
        self._put(ctx, physical_id, props)
        return physical_id, {"Type": str(props.get("Type", "String")), "Value": str(props["Value"])}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("ssm").delete_parameter(Name=physical_id)
        except Exception as exc:
            if error_code(exc) != "ParameterNotFound":
                raise

    @staticmethod
    def _put(ctx: ProviderContext, name: str, props: dict[str, Any]) -> None:
        params: dict[str, Any] = {
            "Name": name,
            "Value": with_edge_port(ctx.settings, str(props["Value"])),
            "Type": str(props.get("Type", "String")),
            "Overwrite": True,
        }
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if props.get(key):
                params[key] = str(props[key])
        ctx.aws("ssm").put_parameter(**params)
        if props.get("Tags"):  # a map in CloudFormation
            ctx.aws("ssm").add_tags_to_resource(
                ResourceType="Parameter",
                ResourceId=name,
                Tags=[{"Key": str(k), "Value": str(v)} for k, v in props["Tags"].items()],
            )
